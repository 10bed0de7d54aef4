"""save_gif: a frame per forward and backward step and a hold frame; TrainingRecorder."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

from autograd_scalar import MLP, Value, animate, make_moons
from autograd_scalar import sum as sum_values
from autograd_scalar.animate import TrainingRecorder, backprop_frames, save_gif
from autograd_scalar.engine import topological_order
from autograd_scalar.train import History
from autograd_scalar.viz import GraphvizNotFoundError, draw_dot

Image = pytest.importorskip("PIL.Image")
needs_dot = pytest.mark.skipif(
    __import__("shutil").which("dot") is None, reason="needs Graphviz's dot")

RED = (0xD6, 0x27, 0x28)  # the outline of the current Value


def neuron() -> Value:
    """tanh(x1*w1 + x2*w2 + b), micrograd's neuron, after backward: 10 Values."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.backward()
    return out


def thirty_values() -> Value:
    """A neuron of 9 inputs, and its output doubled: 18 leaves, 9 products, sum, tanh, * 2."""
    products = [Value(0.1 * k, label=f"x{k}") * Value(-0.2 * k, label=f"w{k}") for k in range(9)]
    out = sum_values(products).tanh() * 2
    out.backward()
    return out


def frames_of(path: Path) -> list[tuple[tuple[int, int], bytes, int]]:
    """Each frame's size, RGB bytes and duration (ms)."""
    found = []
    with Image.open(path) as gif:
        for k in range(gif.n_frames):
            gif.seek(k)
            found.append((gif.size, gif.convert("RGB").tobytes(), gif.info["duration"]))
    return found


def red_pixels(rgb: bytes) -> int:
    pixels = zip(rgb[0::3], rgb[1::3], rgb[2::3])
    return sum(1 for p in pixels if all(abs(a - b) < 40 for a, b in zip(p, RED)))


def test_frames_are_forward_in_computing_order_then_backward_then_the_finished_graph() -> None:
    out = neuron()
    order = topological_order(out)
    frames = backprop_frames(order)
    assert len(frames) == 2 * len(order) + 1
    forward, backward = frames[: len(order)], frames[len(order): -1]
    assert [f.current for f in forward] == order[::-1]
    assert [f.current for f in backward] == order
    assert all(not f.grads for f in forward)
    assert [len(f.data) for f in forward] == list(range(1, len(order) + 1))
    assert frames[-1].current is None and frames[-1].grads == frozenset(order)


def test_draw_dot_part_way_shows_question_marks_for_what_is_not_known() -> None:
    out = neuron()
    order = topological_order(out)
    leaf = order[-1]
    source = draw_dot(out, data_shown={leaf}, grads_shown=set(), current=leaf).source
    assert source.count("grad ?") == len(order)
    assert source.count("data ?") == len(order) - 1
    assert f"data {leaf.data:.4g}" in source and 'color="#d62728"' in source


@needs_dot
def test_gif_has_a_frame_per_step_and_a_hold_frame_all_one_size(tmp_path: Path) -> None:
    out = neuron()
    path = save_gif(out, tmp_path / "neuron.gif", fps=4, hold=2)
    assert path == tmp_path / "neuron.gif"
    frames = frames_of(path)
    assert len(frames) == 2 * len(topological_order(out)) + 1
    assert len({size for size, _, _ in frames}) == 1
    assert [duration for _, _, duration in frames] == [250] * (len(frames) - 1) + [2000]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["neuron.gif"]  # no temporary left


@needs_dot
def test_first_frame_shows_one_number_and_the_last_the_finished_graph(tmp_path: Path) -> None:
    out = neuron()
    frames = [rgb for _, rgb, _ in frames_of(save_gif(out, tmp_path / "n.gif"))]
    # The first frame outlines the first input in red; the hold frame outlines nothing.
    assert red_pixels(frames[0]) > 50 and red_pixels(frames[-1]) == 0
    # Each step adds a number: no two consecutive frames are alike.
    assert all(a != b for a, b in itertools.pairwise(frames))
    # The hold frame is the last backward frame without its red outline: the same picture
    # wherever that frame is not red.
    last_step, hold = frames[-2], frames[-1]
    differing = sum(1 for k in range(0, len(hold), 3) if hold[k:k + 3] != last_step[k:k + 3])
    assert 0 < differing <= red_pixels(last_step) * 3


@needs_dot
def test_the_hold_frame_shows_the_engines_final_grads(tmp_path: Path) -> None:
    # The frames are draw_dot pictures: the last one is the finished drawing, whose text
    # holds the engine's numbers (checked against the source, since pixels hold no text).
    out = neuron()
    finished = draw_dot(out).source
    for value in topological_order(out):
        assert f"grad {value.grad:.4g}" in finished
    save_gif(out, tmp_path / "n.gif")


@needs_dot
def test_a_thirty_value_graph_makes_a_small_gif(tmp_path: Path) -> None:
    out = thirty_values()
    assert len(topological_order(out)) == 30
    path = save_gif(out, tmp_path / "thirty.gif")
    assert len(frames_of(path)) == 61
    assert path.stat().st_size < 3_000_000


@needs_dot
def test_with_modules_the_steps_are_the_boxes_drawn(tmp_path: Path) -> None:
    model = MLP(2, [3, 1], seed=0)
    out = model([0.5, -1.0])
    out.backward()
    boxes = draw_dot(out, modules=model).values
    assert len(boxes) == 4  # three hidden neurons and the output neuron
    assert len(frames_of(save_gif(out, tmp_path / "m.gif", modules=model))) == 2 * 4 + 1


def test_without_dot_the_error_names_the_html_route(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(animate.shutil, "which", lambda name: None)
    with pytest.raises(GraphvizNotFoundError, match="GIF frames needs Graphviz's dot") as error:
        save_gif(neuron(), tmp_path / "n.gif")
    assert 'render(root, "backprop.html")' in str(error.value)
    assert not (tmp_path / "n.gif").exists()


def test_without_pillow_the_error_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"autograd-scalar\[gif\]"):
        save_gif(neuron(), tmp_path / "n.gif")


def test_a_graph_before_backward_is_refused(tmp_path: Path) -> None:
    x = Value(1.0, label="x")
    with pytest.raises(ValueError, match=r"call root.backward\(\) first"):
        save_gif(x * 2, tmp_path / "n.gif")


@pytest.mark.parametrize("option", [{"fps": 0}, {"hold": -1.0}, {"fps": float("nan")}])
def test_rates_must_be_positive(tmp_path: Path, option: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be a positive number"):
        save_gif(neuron(), tmp_path / "n.gif", **option)


# ---------------------------------------------------------------------------
# TrainingRecorder


def test_grid_scores_equal_the_models_own_outputs() -> None:
    np = pytest.importorskip("numpy")
    model = MLP(2, [5, 4, 1], seed=3)
    scores = animate._grid_scores(model)
    points = np.array([[0.0, 0.0], [1.5, -0.5], [-1.0, 2.0]])
    assert scores(points).tolist() == pytest.approx(
        [model(list(p)).data for p in points.tolist()], rel=1e-12, abs=1e-12)
    model.parameters()[0].data += 1.0  # the replay reads the weights as they are now
    assert scores(points).tolist() == pytest.approx(
        [model(list(p)).data for p in points.tolist()], rel=1e-12, abs=1e-12)


def test_recorder_keeps_at_most_frames_snapshots_the_last_epoch_included() -> None:
    pytest.importorskip("numpy")
    X, y = make_moons(20, 0.1, seed=0)
    model = MLP(2, [3, 1], seed=0)
    recorder = TrainingRecorder(model, X, y, epochs=500, frames=60, resolution=8)
    history = History(loss=[0.5], accuracy=[0.5])
    for epoch in range(1, 501):
        recorder(epoch, history)
    epochs = [epoch for epoch, _, _ in recorder.snapshots]
    assert len(epochs) == 60 and epochs[0] == 0 and epochs[-1] == 500
    assert epochs == sorted(epochs)


def test_recorder_gif_has_one_frame_per_snapshot(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    X, y = make_moons(20, 0.1, seed=0)
    model = MLP(2, [3, 1], seed=0)
    recorder = TrainingRecorder(model, X, y, epochs=3, resolution=8)
    history = History(loss=[0.5], accuracy=[0.5])
    for epoch in (1, 2, 3):
        model.parameters()[0].data += 0.5
        recorder(epoch, history)
    frames = frames_of(recorder.save(tmp_path / "training.gif"))
    assert len(frames) == 4
    assert frames[0][1] != frames[-1][1]
