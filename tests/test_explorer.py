"""explore(): one self-contained page that shows the finished graph even with no script."""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path

import pytest

from autograd_scalar import Value, explore, render, topological_order
from autograd_scalar.explorer import Explorer
from autograd_scalar.losses import mse_loss
from autograd_scalar.nn import MLP, Neuron


def neuron() -> tuple[Value, Value, Value]:
    x, w = Value(0.5, label="x"), Value(-1.2, label="w")
    out = x * w
    out.label = "out"
    return x, w, (out * 1.2).tanh()


def test_the_page_needs_no_network() -> None:
    page = explore(neuron()[2]).to_html()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page)
    assert not re.search(r"\b(fetch|XMLHttpRequest|import\s*\(|@import)\b", page)
    assert "<link" not in page


def test_the_static_svg_shows_the_final_data_and_grads_without_backward() -> None:
    x, w, root = neuron()
    page = explore(root).to_html()
    svg = html.unescape(page[page.index("<svg"): page.index("</svg>")])
    # d tanh(1.2 x w)/dw = (1 - tanh(-0.72)^2) * 1.2 * x = 0.3717, and /dx with -1.2 for x
    assert "grad 0.3717" in svg and "grad -0.892" in svg
    assert "data -0.6" in svg and "data 0.5" in svg
    assert x.grad == w.grad == 0.0  # no gradient was written


def test_numbers_use_the_format_of_draw_dot() -> None:
    explorer = explore(neuron()[2], fmt=".2f")
    assert "data &#45;0.60" in explorer.svg
    steps = json.loads(_data(explorer.to_html()))
    assert steps["nodes"][0]["data"] == "-0.62"


def test_saved_page_is_one_html_file_with_script_and_style_inline(tmp_path: Path) -> None:
    path = explore(neuron()[2]).save(tmp_path / "backprop.html")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<style>" in text and "agExplore(" in text and "<svg" in text
    assert "<script src" not in text


def test_render_writes_the_explorer_for_an_html_path(tmp_path: Path) -> None:
    path = render(neuron()[2], tmp_path / "backprop.html", rankdir="TB")
    assert path == tmp_path / "backprop.html"
    assert "agExplore(" in path.read_text(encoding="utf-8")


def test_render_hands_a_gif_path_to_the_animation(tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    root = neuron()[2]
    root.backward()
    path = render(root, tmp_path / "backprop.gif")
    assert path == tmp_path / "backprop.gif" and path.read_bytes()[:4] == b"GIF8"


def test_the_mimebundle_has_html_an_svg_picture_and_text() -> None:
    explorer = explore(neuron()[2])
    bundle = explorer._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/svg+xml", "text/plain"}
    assert bundle["image/svg+xml"].startswith("<svg")
    assert bundle["text/plain"] == repr(explorer) == (
        "Explorer(5 Values: 5 forward and 5 backward steps; display it in Jupyter or "
        "save('backprop.html'))")


def test_a_label_cannot_end_the_script_that_holds_the_steps() -> None:
    x = Value(1.0, label="</script><script>alert(1)</script>")
    page = explore(x * 2.0).to_html()
    data = _data(page)
    assert "</script>" not in data and "<" not in data
    assert json.loads(data)["nodes"][1]["info"]["title"].startswith("</script>")


def test_each_edge_explains_the_product_it_adds() -> None:
    x, w = Value(0.5, label="x"), Value(3.0, label="w")
    out = x * w
    out.label = "out"
    frames = json.loads(_data(explore(out * 1.2).to_html()))["frames"]
    lines = [line for frame in frames for line in frame["lines"]]
    assert "∂L/∂w += x · ∂L/∂out = 0.5 · 1.2 = 0.6" in lines


def test_two_displays_get_distinct_element_ids() -> None:
    explorer = explore(neuron()[2])
    ids = {re.search(r'id="(ag-explorer-[^"]+)"', explorer.to_html())[1]  # type: ignore[index]
           for _ in range(2)}
    assert len(ids) == 2


def test_a_500_value_graph_is_ready_in_under_two_seconds() -> None:
    model = MLP(2, [18, 18, 1], seed=0)
    root = (model([0.3, -0.2]) - 1.0) ** 2
    while len(topological_order(root)) < 500:
        root = root * 1.0
    assert len(topological_order(root)) == 500
    start = time.perf_counter()
    explore(root).to_html()
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("root", [1.0, [Value(1.0)], None])
def test_a_root_that_is_not_a_value_is_refused(root: object) -> None:
    with pytest.raises(TypeError, match="explore needs a Value, the output of a computation"):
        explore(root)  # type: ignore[arg-type]


def test_an_unknown_option_is_refused_naming_the_options() -> None:
    with pytest.raises(TypeError, match=r"unknown option 'color'; the options are draw_dot's: "
                                        r"rankdir, show_grad, fmt"):
        explore(Value(1.0), color="red")


def test_a_bad_format_is_refused_before_drawing() -> None:
    with pytest.raises(ValueError, match=r"fmt must be a format spec for floats such as '.4g', "
                                         r"not 'q'"):
        explore(Value(1.0), fmt="q")


def test_explore_is_exported_and_returns_an_explorer() -> None:
    import autograd_scalar

    assert "explore" in autograd_scalar.__all__
    assert isinstance(autograd_scalar.explore(Value(1.0) * 2), Explorer)


SAMPLES = [[0.5, -1.0], [-0.3, 0.8], [1.2, 0.1], [-0.7, -0.4]]  # a batch: MIN_GROUP samples


def batch_loss() -> tuple[MLP, Value]:
    model = MLP(2, [4, 4, 1], seed=0)
    return model, mse_loss([model(x) for x in SAMPLES], [1.0, -1.0, 0.5, 0.0])


def first_sample(model: MLP) -> list[tuple[str, Neuron, list[float], float]]:
    """Per neuron, by hand in floats: its name, itself, its inputs for the first sample and z."""
    found = []
    x = SAMPLES[0]
    for i, layer in enumerate(model.layers):
        outputs = []
        for j, neuron in enumerate(layer.neurons):
            z = sum(w.data * xk for w, xk in zip(neuron.w, x)) + neuron.b.data
            found.append((f"layers.{i}.neurons.{j}", neuron, x, z))
            outputs.append(max(z, 0.0) if neuron.activation == "relu" else z)
        x = outputs
    return found


def test_each_neuron_box_expands_to_its_weighted_sum_with_the_engines_numbers() -> None:
    model, loss = batch_loss()
    page = json.loads(_data(explore(loss, modules=model).to_html()))
    neurons = {neuron["name"]: neuron for neuron in page["neurons"].values()}
    loss.backward()
    dots: dict[Value, Value] = {}  # the first sample's dot of each neuron, computed first
    for v in reversed(topological_order(loss)):
        if v.op == "dot":
            dots.setdefault(v.arguments["weights"][0], v)
    assert len(neurons) == 9
    for name, neuron, inputs, z in first_sample(model):
        shown = neurons[name]
        assert shown["title"] == f"{name} · {neuron.activation}"
        terms = [row[1:] for row in shown["rows"]]
        for k, (w, x) in enumerate(zip(neuron.w, inputs)):
            assert terms[k] == [f"w.{k}", f"{w.data:.4g}", f"{w.grad:.4g}", f"{x:.4g}",
                                f"{w.data * x:.4g}"]
        assert terms[-2][:3] == ["b", f"{neuron.b.data:.4g}", f"{neuron.b.grad:.4g}"]
        dz = dots[neuron.w[0]].grad  # dL/dz of the first sample's neuron
        assert terms[-1][:3] == ["z = Σ w · x + b", f"{z:.4g}", f"{dz:.4g}"]
        sent = {line.split(" += ")[0]: line for line in shown["backward"]}
        for k, x in enumerate(inputs):
            for partial, local in ((f"∂L/∂w.{k}", x), (f"∂L/∂x.{k}", neuron.w[k].data)):
                if partial.startswith("∂L/∂x") and name.startswith("layers.0."):
                    assert partial not in sent  # a sample's inputs are numbers, not Values
                elif dz == 0.0:  # a relu that is off: the dot sends nothing
                    assert sent[partial] == f"{partial} += 0: a zero gradient sends nothing"
                else:
                    assert sent[partial].endswith(f" = {local * dz:.4g}")
        if dz:
            assert sent["∂L/∂b"] == f"∂L/∂b += ∂L/∂z = 1 · {_factor(dz)} = {dz:.4g}"


def test_an_expanded_relu_neuron_shows_its_activation_and_local_derivative() -> None:
    model, loss = batch_loss()
    page = json.loads(_data(explore(loss, modules=model).to_html()))
    shown = next(n for n in page["neurons"].values() if n["name"] == "layers.1.neurons.3")
    _, _, _, z = next(entry for entry in first_sample(model) if entry[0] == shown["name"])
    summary = dict(shown["summary"])
    assert summary["activation"] == f"out = relu(z) = {max(z, 0.0):.4g}"
    assert summary["∂out/∂z"] == f"(0 if z <= 0 else 1) = {int(z > 0)}"


def test_a_value_folded_into_a_neuron_points_at_that_box() -> None:
    model, loss = batch_loss()
    page = json.loads(_data(explore(loss, modules=model).to_html()))
    order = topological_order(loss)
    boxes = {n["name"]: int(i) for i, n in page["neurons"].items()}
    for i, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            for weight in (*neuron.w, neuron.b):
                assert page["nodes"][order.index(weight)]["box"] == boxes[f"layers.{i}.neurons.{j}"]
    # Every Value of the graph is shown by some box: its own, its neuron's or its batch's.
    drawn = {int(name[1:]) for name in re.findall(r"<title>(v\d+)</title>", explore(
        loss, modules=model).svg)}
    assert all(node.get("box", i) in drawn for i, node in enumerate(page["nodes"]))


def test_without_modules_nothing_is_folded() -> None:
    page = json.loads(_data(explore(neuron()[2]).to_html()))
    assert page["neurons"] == {} and all("box" not in node for node in page["nodes"])


def _factor(x: float) -> str:
    text = f"{x:.4g}"
    return f"({text})" if text.startswith("-") else text


def _data(page: str) -> str:
    match = re.search(r'<script type="application/json" class="ag-data">(.*?)</script>', page)
    assert match is not None
    return match[1]
