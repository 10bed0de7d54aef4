"""The playground's Python side (autograd_scalar.playground), run natively.

Every number the labs answer is checked against a source other than the lab:
closed-form and sympy derivatives and ``autograd-scalar graph``'s printed
table for the expression lab; ``fit`` run eagerly (``compile=False``) and the
model evaluated Value by Value under ``no_grad`` for the training lab. The
"copy as Python" code of both labs is run in a child Python, and what it
prints must be what the lab shows. ``handle`` is fuzzed: whatever a page sends,
it answers with JSON.
"""

from __future__ import annotations

import inspect
import json
import math
import subprocess
import sys
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import sympy  # type: ignore[import-untyped]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_scalar import MLP, SGD, Adam, RMSprop, Value, data, fit, no_grad, playground
from autograd_scalar.cli import main as cli_main
from autograd_scalar.expression import ExpressionError
from autograd_scalar.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    mse_loss,
)
from autograd_scalar.train import History, Trainer

SEED_EXPRESSION = "3*x**2 + 2*x*y + y**2"


def ask(request: Mapping[str, Any]) -> dict[str, Any]:
    """``handle``'s answer to ``request``, read as strict JSON (no NaN, no Infinity)."""
    answer = playground.handle(json.dumps(request))
    result: dict[str, Any] = json.loads(answer, parse_constant=_refuse_constant)
    return result


def _refuse_constant(name: str) -> None:
    raise AssertionError(f"the answer holds {name}, which is not JSON")


def shown(x: float) -> str:
    """A number as ``autograd-scalar graph`` prints it (written out here, not imported)."""
    return format(x, ".6g")


def run_python(code: str, directory: Path) -> str:
    """Run ``code`` in a child Python, the interpreter running these tests; its stdout."""
    done = subprocess.run([sys.executable, "-c", code], cwd=directory, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, f"the code failed:\n{code}\n{done.stderr}"
    return done.stdout


# ---------------------------------------------------------------------------
# The expression lab: values and gradients


def test_the_seed_example_is_11_with_gradients_10_and_6() -> None:
    answer = ask({"action": "expression", "expression": SEED_EXPRESSION,
                  "values": {"x": "1", "y": "2"}})
    x, y = 1.0, 2.0
    assert answer["ok"] is True
    assert answer["value"] == shown(3 * x**2 + 2 * x * y + y**2) == "11"
    assert answer["variables"] == [
        {"name": "x", "value": "1", "gradient": shown(6 * x + 2 * y)},  # 10
        {"name": "y", "value": "2", "gradient": shown(2 * x + 2 * y)},  # 6
    ]


SYMPY_NAMES: dict[str, Any] = {
    "tanh": sympy.tanh, "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt,
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "atan": sympy.atan,
    "erf": sympy.erf, "abs": sympy.Abs,
    "sigmoid": lambda t: 1 / (1 + sympy.exp(-t)),
    "softplus": lambda t: sympy.log(1 + sympy.exp(t)),
    "relu": lambda t: sympy.Max(0, t),
    "e": sympy.E, "pi": sympy.pi,
}

EXPRESSIONS: list[tuple[str, dict[str, float]]] = [
    (SEED_EXPRESSION, {"x": 1.0, "y": 2.0}),
    ("tanh(x*w + b)", {"x": 0.5, "w": -1.2, "b": 0.3}),
    ("x*exp(-x) + log(y)/sqrt(z)", {"x": 1.5, "y": 3.0, "z": 2.0}),
    ("sin(x)**2 + cos(x*y) - atan(y)", {"x": 0.7, "y": -1.3}),
    ("sigmoid(a*b) / (1 + a**2) + softplus(b)", {"a": -0.4, "b": 2.5}),
    ("pi*x**3 - e**y + abs(x - y) + relu(y - x)*erf(x)", {"x": -1.1, "y": 0.6}),
]


def sympy_truth(expression: str, values: Mapping[str, float]) -> tuple[float, dict[str, float]]:
    """The value and the partial derivatives, exact (sympy), evaluated to 30 digits."""
    symbols = {name: sympy.Symbol(name, real=True) for name in values}
    tree = sympy.sympify(expression, locals={**SYMPY_NAMES, **symbols})
    point = {symbols[name]: sympy.Float(value, 30) for name, value in values.items()}
    value = float(tree.evalf(30, subs=point))
    gradients = {name: float(sympy.diff(tree, symbol).evalf(30, subs=point))
                 for name, symbol in symbols.items()}
    return value, gradients


@pytest.mark.parametrize(("expression", "values"), EXPRESSIONS)
def test_value_and_gradients_equal_sympys(expression: str, values: dict[str, float]) -> None:
    answer = ask({"action": "expression", "expression": expression,
                  "values": {name: repr(v) for name, v in values.items()}})
    value, gradients = sympy_truth(expression, values)
    assert answer["ok"] is True, answer
    assert answer["value"] == shown(value)
    assert answer["variables"] == [
        {"name": name, "value": shown(values[name]), "gradient": shown(gradients[name])}
        for name in values  # listed here in order of first appearance
    ]
    assert math.isclose(float(answer["value"]), value, rel_tol=5e-6, abs_tol=1e-12)


def graph_table(expression: str, values: Mapping[str, float],
                capsys: pytest.CaptureFixture[str]) -> tuple[str, list[list[str]]]:
    """What ``autograd-scalar graph`` prints: the value and the (variable, value, gradient) rows."""
    status = cli_main(["graph", expression, *(f"{n}={v!r}" for n, v in values.items())])
    out = capsys.readouterr().out
    assert status == 0, out
    first, *rest = out.splitlines()
    head, equals, value = first.rpartition(" = ")
    assert equals and head == " ".join(expression.split())
    rows = [line.split() for line in rest if line.strip()]
    assert rows[0] == ["variable", "value", "gradient"]
    return value, rows[1:]


@pytest.mark.parametrize(("expression", "values"), EXPRESSIONS)
def test_the_lab_shows_what_the_graph_command_prints(
    expression: str, values: dict[str, float], capsys: pytest.CaptureFixture[str]
) -> None:
    value, rows = graph_table(expression, values, capsys)
    answer = playground.expression_lab(expression, values, explorer=False)
    assert answer["value"] == value
    assert [[v["name"], v["value"], v["gradient"]] for v in answer["variables"]] == rows


def test_a_variable_without_a_value_is_1() -> None:
    answer = ask({"action": "expression", "expression": "x*y + z", "values": {"x": "2"}})
    # d/dx = y = 1, d/dy = x = 2, d/dz = 1; the value 2*1 + 1
    assert answer["value"] == "3"
    assert answer["variables"] == [{"name": "x", "value": "2", "gradient": "1"},
                                   {"name": "y", "value": "1", "gradient": "2"},
                                   {"name": "z", "value": "1", "gradient": "1"}]


def test_variables_come_in_order_of_first_appearance_without_constants_or_functions() -> None:
    answer = playground.expression_lab("b*a + tanh(c*a) + pi*b + e", {}, explorer=False)
    assert [v["name"] for v in answer["variables"]] == ["b", "a", "c"]


def test_values_may_be_numbers_or_their_text() -> None:
    as_text = ask({"action": "expression", "expression": "x / y",
                   "values": {"x": " 1.5 ", "y": "-4e-1"}})
    as_numbers = ask({"action": "expression", "expression": "x / y",
                      "values": {"x": 1.5, "y": -0.4}})
    assert as_text["variables"] == as_numbers["variables"]
    assert as_text["value"] == as_numbers["value"] == shown(1.5 / -0.4)


@pytest.mark.parametrize("bad", ["abc", "", "nan", "inf", [1], {"a": 1}, None])
def test_a_value_that_is_not_a_finite_number_is_refused_by_name(bad: object) -> None:
    answer = ask({"action": "expression", "expression": "x + 1", "values": {"x": bad}})
    assert answer["ok"] is False
    assert "the value of x" in answer["message"] and "\n" not in answer["message"]


# ---------------------------------------------------------------------------
# The expression lab: errors


HOSTILE = [  # (expression, the column, found by counting characters, a word of the message)
    ("__import__('os')", 1, "__import__"),
    ("x.data", 3, "attribute access"),
    ("().__class__", 4, "attribute access"),
    ("x**", 4, "syntax"),  # one past the end: the missing operand
    ("lambda: 0", 1, "lambda"),
    ("[c for c in x]", 1, "comprehension"),
]


@pytest.mark.parametrize(("expression", "column", "word"), HOSTILE)
def test_a_hostile_expression_comes_back_refused_with_the_parsers_message_and_column(
    expression: str, column: int, word: str, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = ask({"action": "expression", "expression": expression, "values": {"x": "1"}})
    with pytest.raises(ExpressionError) as raised:
        playground.expression_lab(expression, {"x": 1.0})
    assert answer["ok"] is False
    assert answer["column"] == raised.value.column == column
    assert answer["message"] == str(raised.value)
    assert answer["message"].startswith(f"column {column}: ") and word in answer["message"]
    # The same words as the graph command's one-line error.
    assert cli_main(["graph", expression, "x=1"]) == 2
    assert capsys.readouterr().err == f"autograd-scalar graph: error: {answer['message']}\n"


def test_an_error_answer_carries_the_expression_as_the_contract_says() -> None:
    # The contract: {"ok": false, "message": ..., "column": 3, "expression": "..."}
    answer = ask({"action": "expression", "expression": "x.data", "values": {}})
    assert answer["ok"] is False
    assert answer.get("expression") == "x.data"


# ---------------------------------------------------------------------------
# The expression lab: the explorer


def test_a_small_graph_comes_with_the_explorer() -> None:
    answer = ask({"action": "expression", "expression": SEED_EXPRESSION,
                  "values": {"x": "1", "y": "2"}})
    html = answer["explorer"]
    assert html.startswith('<div class="ag-explorer"') and html.rstrip().endswith("</div>")
    assert "<svg" in html and "<script" in html and "Next step" in html
    assert answer.get("explorer_message") is None


def tanh_sum(terms: int) -> str:
    """tanh(x) + ... + tanh(x): a graph of 2 * terms Values (x, the tanhs and the adds)."""
    return " + ".join(["tanh(x)"] * terms)


def test_a_graph_of_max_drawn_values_is_drawn_and_one_more_is_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(playground, "MAX_DRAWN", 10)
    drawn = playground.expression_lab(tanh_sum(5), {}, explorer=True)  # 10 Values
    assert drawn["explorer"] is not None and drawn["explorer_message"] is None
    refused = playground.expression_lab(tanh_sum(6), {}, explorer=True)  # 12 Values
    assert refused["explorer"] is None
    assert "12 Values" in refused["explorer_message"] and "10" in refused["explorer_message"]
    assert refused["value"] == shown(6 * math.tanh(1.0))  # still evaluated
    assert refused["variables"][0]["gradient"] == shown(6 * (1 - math.tanh(1.0) ** 2))


def test_above_max_drawn_the_explorer_is_replaced_by_a_message() -> None:
    terms = playground.MAX_DRAWN // 2 + 1
    answer = ask({"action": "expression", "expression": tanh_sum(terms), "values": {"x": 0.5}})
    assert answer["ok"] is True and answer["explorer"] is None
    assert answer["explorer_message"].startswith(f"the graph has {2 * terms} Values")
    assert answer["variables"][0]["gradient"] == shown(terms * (1 - math.tanh(0.5) ** 2))


def test_explorer_false_draws_nothing() -> None:
    answer = ask({"action": "expression", "expression": "x*y", "explorer": False})
    assert answer["ok"] is True and answer["explorer"] is None


# ---------------------------------------------------------------------------
# The expression lab: "copy as Python"


def printed_expression(stdout: str) -> tuple[str, list[list[str]]]:
    """The value and the (name, value, gradient) rows that an expression lab's code prints."""
    first, *rows = stdout.splitlines()
    label, value = first.split(" ")
    assert label == "value"
    return value, [row.split(" ") for row in rows]


CODE_EXPRESSIONS: list[tuple[str, dict[str, float]]] = [
    *EXPRESSIONS,
    # Names the code itself uses: it reads the expression with the parser instead.
    ("Value*out + v", {"Value": 1.5, "out": -2.0, "v": 0.25}),
    ("print + format*x + name*abs(x)", {"print": 3.0, "format": 2.0, "x": -1.0, "name": 0.5}),
    ("\uff58 * y + y", {"x": 0.5, "y": 3.0}),  # a fullwidth x is x (NFKC)
    ("abs(x) * exp(x) + 2", {"x": -0.3}),
    ("x", {"x": 4.0}),
    ("2 * pi", {}),  # no variables
]


@pytest.mark.parametrize(("expression", "values"), CODE_EXPRESSIONS)
def test_the_expression_labs_python_prints_the_numbers_the_lab_shows(
    expression: str, values: dict[str, float], tmp_path: Path
) -> None:
    lab = playground.expression_lab(expression, values, explorer=False)
    value, rows = printed_expression(run_python(lab["python"], tmp_path))
    assert value == lab["value"]
    assert rows == [[v["name"], v["value"], v["gradient"]] for v in lab["variables"]]


def test_names_the_code_needs_make_it_read_the_expression_with_the_parser() -> None:
    code = playground.expression_code("Value*out", {"Value": 1.0, "out": 2.0})
    assert "evaluate(" in code and "Value*out" in code
    plain = playground.expression_code("x*y", {"x": 1.0, "y": 2.0})
    assert "evaluate(" not in plain and "out = x*y" in plain


# ---------------------------------------------------------------------------
# The training lab: settings


DEFAULT_SETTINGS = {"dataset": "moons", "noise": "0.1", "points": "100", "hidden": "16,16",
                    "activation": "relu", "loss": "bce", "optimizer": "adam", "lr": "0.02",
                    "l2": "0.0001", "seed": "0", "added": ""}
"""The training lab's defaults, as its contract and the demo give them."""


def test_the_default_settings_are_the_demos_moons_mlp() -> None:
    assert playground.training_settings({}) == DEFAULT_SETTINGS
    assert ask({"action": "options"})["defaults"] == DEFAULT_SETTINGS
    lab = playground.TrainingLab({})
    # MLP(2, [16, 16, 1]): (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1 parameters
    assert len(lab.model.parameters()) == 3 * 16 + 17 * 16 + 17 == 337
    assert (lab.X, lab.labels) == tuple(data.make_moons(100, noise=0.1, seed=0))
    assert (lab.X_val, lab.labels_val) == data.make_moons(100, noise=0.1, seed=1)


MAKERS: dict[str, Callable[..., data.Dataset]] = {
    "moons": data.make_moons, "circles": data.make_circles, "xor": data.make_xor,
    "spirals": data.make_spirals, "blobs": data.make_blobs,
}
NOISE_NAME = {"blobs": "cluster_std"}


@pytest.mark.parametrize("dataset", list(MAKERS))
def test_each_datasets_default_noise_is_its_generators(dataset: str) -> None:
    parameter = inspect.signature(MAKERS[dataset]).parameters[NOISE_NAME.get(dataset, "noise")]
    assert float(playground.training_settings({"dataset": dataset})["noise"]) == parameter.default


def test_unknown_keys_are_ignored_and_numbers_normalised() -> None:
    settings = playground.training_settings({"dataset": "circles", "lr": "1e-2", "noise": "0.30",
                                             "colour": "red", "points": " 50 "})
    assert "colour" not in settings
    assert (settings["lr"], settings["noise"], settings["points"]) == ("0.01", "0.3", "50")


def test_blobs_trains_with_cross_entropy_whatever_the_loss_asked() -> None:
    for loss in ("bce", "hinge", "mse", "cross_entropy"):
        assert playground.training_settings({"dataset": "blobs", "loss": loss})["loss"] == \
            "cross_entropy"
    lab = playground.TrainingLab({"dataset": "blobs", "loss": "hinge", "points": "30",
                                  "hidden": "4"})
    state = lab.state()
    assert state["classes"] == 3 and state["settings"]["loss"] == "cross_entropy"
    with no_grad():
        assert len(lab.model([0.0, 0.0])) == 3
    assert set(state["train"]["labels"]) == {0, 1, 2}


BAD_SETTINGS = [  # (setting, value); the message must name the setting
    ("dataset", "mnist"),
    ("noise", "-0.1"), ("noise", "abc"), ("noise", "nan"), ("noise", "6"),
    ("points", "5"), ("points", "1001"), ("points", "1.5"), ("points", "-10"), ("points", "²"),
    ("hidden", "0"), ("hidden", "16,,16"), ("hidden", "a"), ("hidden", "65"),
    ("hidden", ",".join(["4"] * 7)), ("hidden", "1²"),
    ("activation", "linear"), ("activation", "swish"),
    ("loss", "kl"), ("optimizer", "lbfgs"),
    ("lr", "0"), ("lr", "10.5"), ("lr", "fast"), ("lr", "inf"),
    ("l2", "-1e-3"), ("l2", "2"),
    ("seed", "-1"), ("seed", "1.5"), ("seed", str(2**31)), ("seed", "²"),
    ("added", "1,2"), ("added", "1,2,5"), ("added", "a,b,0"), ("added", "0,0,²"),
]


@pytest.mark.parametrize(("setting", "value"), BAD_SETTINGS)
def test_a_bad_setting_is_refused_naming_itself(setting: str, value: str) -> None:
    with pytest.raises(playground.PlaygroundError) as raised:
        playground.training_settings({setting: value})
    assert setting in str(raised.value) and "\n" not in str(raised.value)
    answer = ask({"action": "train", "op": "start", "settings": {setting: value}})
    assert answer == {"ok": False, "message": str(raised.value), "column": None}


def test_the_shared_query_rebuilds_the_same_lab(tmp_path: Path) -> None:
    settings = {"dataset": "circles", "hidden": "8,8", "points": "40", "activation": "tanh",
                "optimizer": "rmsprop", "lr": "0.01", "l2": "0", "seed": "7",
                "added": "0.25,-0.5,1"}
    first = playground.TrainingLab(settings)
    first.add(0.1, 0.2, 0)  # clicked in before training: it joins the link
    query = first.state()["query"]
    again = playground.TrainingLab(dict(urllib.parse.parse_qsl(query, keep_blank_values=True)))
    assert again.state()["settings"] == first.state()["settings"]
    assert again.state()["query"] == query
    assert (again.X, again.labels) == (first.X, first.labels)
    assert (again.X_val, again.labels_val) == (first.X_val, first.labels_val)
    assert [p.data for p in again.model.parameters()] == [p.data for p in first.model.parameters()]
    assert again.run(epochs=6)["history"] == first.run(epochs=6)["history"]


# ---------------------------------------------------------------------------
# The training lab: training, against fit run eagerly


LOSS_FUNCTIONS: dict[str, Callable[..., Value]] = {
    "bce": binary_cross_entropy_with_logits, "hinge": hinge_loss, "mse": mse_loss,
    "cross_entropy": cross_entropy,
}
OPTIMIZERS: dict[str, Any] = {"adam": Adam, "sgd": SGD, "rmsprop": RMSprop}


def eager_fit(settings: Mapping[str, str], epochs: int) -> tuple[MLP, History]:
    """``settings`` trained by ``fit`` without compiling, built here from the settings' text."""
    s = {**DEFAULT_SETTINGS, **settings}
    make = MAKERS[s["dataset"]]
    # Without a noise setting, the generator's own default noise.
    noise = {NOISE_NAME.get(s["dataset"], "noise"): float(settings["noise"])} \
        if "noise" in settings else {}
    if s["dataset"] == "blobs":  # three clusters, where the lab puts them for both sets
        noise["centers"] = [[-3.0, -2.0], [3.0, -2.0], [0.0, 3.0]]
    X, y = make(int(s["points"]), seed=int(s["seed"]), **noise)
    X_val, y_val = make(int(s["points"]), seed=int(s["seed"]) + 1, **noise)
    loss = "cross_entropy" if s["dataset"] == "blobs" else s["loss"]
    if loss in ("hinge", "mse"):
        y, y_val = [2 * c - 1 for c in y], [2 * c - 1 for c in y_val]
    outputs = (3 if s["dataset"] == "blobs" else 2) if loss == "cross_entropy" else 1
    hidden = [int(h) for h in s["hidden"].split(",")] if s["hidden"] else []
    model = MLP(2, [*hidden, outputs], activation=s["activation"], seed=int(s["seed"]))
    optimizer = OPTIMIZERS[s["optimizer"]](model.parameters(), lr=float(s["lr"]))
    history = fit(model, X, y, loss=LOSS_FUNCTIONS[loss], optimizer=optimizer,
                  l2=float(s["l2"]), epochs=epochs, validation=(X_val, y_val), compile=False,
                  progress=False)
    return model, history


def assert_histories_close(lab: History, eager: History, rel: float = 1e-9) -> None:
    for field in ("loss", "accuracy", "validation_loss", "validation_accuracy"):
        got, want = getattr(lab, field), getattr(eager, field)
        assert len(got) == len(want), field
        for k, (a, b) in enumerate(zip(got, want)):
            assert math.isclose(a, b, rel_tol=rel, abs_tol=1e-15), f"{field}[{k}]: {a} != {b}"


TRAINED = [
    {},  # the defaults: moons, MLP(2, [16, 16, 1]), BCE, Adam
    {"points": "40", "hidden": "8", "loss": "hinge", "optimizer": "sgd", "lr": "0.1"},
    {"points": "40", "hidden": "6,6", "loss": "mse", "activation": "tanh", "dataset": "xor"},
    {"points": "45", "hidden": "8", "dataset": "blobs", "optimizer": "rmsprop", "lr": "0.01"},
    {"points": "40", "hidden": "", "dataset": "circles", "l2": "0"},
]


@pytest.mark.parametrize("settings", TRAINED)
def test_run_trains_as_fit_does_without_compiling(settings: dict[str, str]) -> None:
    lab = playground.TrainingLab(settings)
    lab.run(epochs=4)
    state = lab.run(epochs=6)  # two runs: one stretch of ten epochs
    model, eager = eager_fit(settings, epochs=10)
    assert state["epoch"] == 10
    assert_histories_close(lab.history, eager)
    assert len(lab.model.parameters()) == len(model.parameters())
    for mine, theirs in zip(lab.model.parameters(), model.parameters()):
        assert math.isclose(mine.data, theirs.data, rel_tol=1e-9, abs_tol=1e-12)
    assert state["history"] == {"loss": lab.history.loss, "accuracy": lab.history.accuracy,
                                "heldout_loss": lab.history.validation_loss,
                                "heldout_accuracy": lab.history.validation_accuracy}
    assert math.isclose(state["loss"], eager.loss[-1], rel_tol=1e-9)
    assert state["accuracy_text"] == f"training accuracy {100 * eager.accuracy[-1]:.1f}%"
    assert state["heldout_text"] == \
        f"held-out accuracy {100 * eager.validation_accuracy[-1]:.1f}%"


def test_a_fresh_lab_is_at_epoch_0_with_the_untrained_models_accuracies() -> None:
    state = playground.TrainingLab({"points": "20", "hidden": "4"}).state()
    assert state["epoch"] == 0 and state["epochs_per_second"] is None
    assert (state["loss"], state["heldout_loss"]) == (None, None)
    assert state["history"] == {"loss": [], "accuracy": [], "heldout_loss": [],
                                "heldout_accuracy": []}
    # the same untrained model, counted by hand: a point is right when its score's sign is
    model = MLP(2, [4, 1], seed=0)
    for (X, y), key in [(data.make_moons(20, noise=0.1, seed=0), "accuracy"),
                        (data.make_moons(20, noise=0.1, seed=1), "heldout_accuracy")]:
        with no_grad():
            right = sum((model(x).data > 0) == bool(label) for x, label in zip(X, y))
        assert state[key] == right / 20
    assert state["accuracy_text"] == f"training accuracy {state['accuracy']:.1%}"


def sigmoid(s: float) -> float:
    return 1 / (1 + math.exp(-s)) if s >= 0 else math.exp(s) / (1 + math.exp(s))


def decision(scores: list[float], loss: str) -> tuple[int, float]:
    """The class and the confidence in [0, 1] the lab's contract describes, by hand."""
    if len(scores) == 1:
        s = scores[0]
        sure = abs(2 * sigmoid(s) - 1) if loss == "bce" else min(abs(s), 1.0)
        return int(s > 0), sure
    k = len(scores)
    weights = [math.exp(s - max(scores)) for s in scores]
    top = max(range(k), key=lambda i: scores[i])
    return top, (weights[top] / sum(weights) - 1 / k) / (1 - 1 / k)


@pytest.mark.parametrize("settings", TRAINED[:4])
def test_the_grid_is_the_eager_model_at_each_grid_point(settings: dict[str, str]) -> None:
    lab = playground.TrainingLab(settings)
    state = lab.run(epochs=8)
    grid = state["grid"]
    everything = [*state["train"]["points"], *state["heldout"]["points"]]
    for axis, values in ((0, grid["xs"]), (1, grid["ys"])):
        low = min(p[axis] for p in everything) - 0.5
        high = max(p[axis] for p in everything) + 0.5
        assert len(values) == playground.GRID
        assert math.isclose(values[0], low) and math.isclose(values[-1], high)
        assert values == sorted(values)  # rows bottom to top, columns left to right
    shown_neurons = min(int(settings.get("hidden", "16,16").split(",")[0]),
                        playground.MAX_NEURON_MAPS)
    assert [n["name"] for n in state["neurons"]] == \
        [f"layer 1 neuron {k + 1}" for k in range(shown_neurons)]
    assert state["neurons_total"] == int(settings.get("hidden", "16,16").split(",")[0])
    loss = state["settings"]["loss"]
    with no_grad():
        for i, y in enumerate(grid["ys"]):
            for j, x in enumerate(grid["xs"]):
                out = lab.model([x, y])
                scores = [o.data for o in out] if isinstance(out, list) else [out.data]
                c, sure = decision(scores, loss)
                assert grid["class"][i][j] == c, (x, y, scores)
                assert math.isclose(grid["confidence"][i][j], sure, rel_tol=1e-12,
                                    abs_tol=1e-12)
                assert 0.0 <= grid["confidence"][i][j] <= 1.0
                first = lab.model.layers[0]([x, y])
                activations = [first.data] if isinstance(first, Value) else \
                    [v.data for v in first]
                for neuron, a in zip(state["neurons"], activations):
                    assert math.isclose(neuron["values"][i][j], a, rel_tol=1e-12,
                                        abs_tol=1e-12)


def test_without_hidden_layers_no_neurons_are_mapped() -> None:
    state = playground.TrainingLab({"hidden": "", "points": "20"}).state()
    assert state["neurons"] == [] and state["neurons_total"] == 0


def test_a_wide_first_layer_maps_its_first_neurons_and_says_how_many_it_has() -> None:
    state = playground.TrainingLab({"hidden": "40,4", "points": "20"}).state()
    assert len(state["neurons"]) == playground.MAX_NEURON_MAPS == 16
    assert state["neurons_total"] == 40


def test_an_added_point_joins_the_training_set_and_the_model_is_kept() -> None:
    lab = playground.TrainingLab({"points": "30", "hidden": "4"})
    lab.run(epochs=3)
    before = [p.data for p in lab.model.parameters()]
    state = lab.add(0.5, -0.25, 1)
    assert state["epoch"] == 3 and [p.data for p in lab.model.parameters()] == before
    assert state["train"]["points"][-1] == [0.5, -0.25] and state["train"]["labels"][-1] == 1
    assert len(state["train"]["points"]) == 31
    assert state["settings"]["added"] == "0.5,-0.25,1"
    assert lab.run(epochs=2)["epoch"] == 5


@pytest.mark.parametrize(("x", "y", "label"), [(0, 0, 2), (0, 0, -1), (0, 0, True),
                                               (0, 0, 1.0), ("a", 0, 0), (float("nan"), 0, 0)])
def test_a_bad_added_point_is_refused(x: Any, y: Any, label: Any) -> None:
    lab = playground.TrainingLab({"points": "20", "hidden": "4"})
    with pytest.raises(playground.PlaygroundError):
        lab.add(x, y, label)


def test_the_training_requests_start_step_add_and_reset() -> None:
    start = ask({"action": "train", "op": "start",
                 "settings": {"points": "20", "hidden": "4", "seed": "3"}})
    assert start["ok"] is True and start["epoch"] == 0
    assert ask({"action": "train", "op": "step", "epochs": 1})["epoch"] == 1
    assert ask({"action": "train", "op": "step"})["epoch"] == 2
    ran = ask({"action": "train", "op": "run", "seconds": 0.01, "max_epochs": 3})
    assert 3 <= ran["epoch"] <= 5 and ran["epochs_per_second"] > 0
    added = ask({"action": "train", "op": "add", "point": [0.5, 0.5], "label": 1})
    assert added["epoch"] == ran["epoch"] and len(added["train"]["points"]) == 21
    reset = ask({"action": "train", "op": "reset"})
    assert reset["epoch"] == 0 and reset["settings"] == added["settings"]
    assert reset["train"] == added["train"]
    assert reset["settings"]["seed"] == "3"


def start_small_lab() -> None:
    """Start the lab ``handle`` keeps (one per page) afresh, small."""
    assert ask({"action": "train", "op": "start",
                "settings": {"points": "10", "hidden": "2"}})["ok"] is True


def test_a_diverging_training_comes_back_as_an_answer_not_an_exception() -> None:
    # SGD at lr 10 on squared error: the held-out loss overflows to inf at epoch 5.
    assert ask({"action": "train", "op": "start",
                "settings": {"loss": "mse", "optimizer": "sgd", "lr": "10", "hidden": "8",
                             "points": "10"}})["ok"]
    try:
        for _ in range(8):
            answer = ask({"action": "train", "op": "step", "epochs": 1})
            if not answer["ok"]:
                assert "\n" not in answer["message"]
                break
    finally:
        start_small_lab()


# ---------------------------------------------------------------------------
# The training lab: "copy as Python"


def lab_after(settings: dict[str, str], plan: list[Any]) -> playground.TrainingLab:
    """A lab trained by ``plan``: numbers of epochs, and (x, y, label) points clicked in."""
    lab = playground.TrainingLab(settings)
    for move in plan:
        if isinstance(move, int):
            lab.run(epochs=move)
        else:
            lab.add(*move)
    return lab


CODE_LABS: list[tuple[dict[str, str], list[Any]]] = [
    ({}, [25]),
    ({}, [10, (0.5, 0.25, 1), 10]),
    ({"points": "40", "hidden": "8", "loss": "hinge"},
     [(-0.5, 0.75, 0), 8, (1.5, -0.25, 0), (0.0, 0.0, 1), 6]),
    ({"points": "40", "hidden": "8,8", "loss": "mse", "dataset": "circles",
      "optimizer": "sgd", "lr": "0.1"}, [15]),
    ({"points": "45", "hidden": "8", "dataset": "blobs", "lr": "0.01"}, [6, (0.0, 1.0, 2), 6]),
    ({"points": "40", "hidden": "8", "loss": "hinge", "added": "0.1,0.2,1;-0.5,0.5,0"}, [12]),
    ({"points": "40", "hidden": "", "dataset": "xor", "activation": "tanh", "l2": "0"}, [10]),
    ({"points": "30", "hidden": "4"}, []),                  # at epoch 0
    ({"points": "30", "hidden": "4"}, [5, (0.5, 0.5, 1)]),  # a point added since the last run
]


@pytest.mark.parametrize(("settings", "plan"), CODE_LABS)
def test_the_training_labs_python_prints_the_numbers_the_lab_shows(
    settings: dict[str, str], plan: list[Any], tmp_path: Path
) -> None:
    lab = lab_after(settings, plan)
    state = lab.state()
    code = state["python"] + "print(repr(history.loss[-1]))\n" if state["epoch"] else \
        state["python"]
    lines = run_python(code, tmp_path).splitlines()
    assert lines[:2] == [state["accuracy_text"], state["heldout_text"]]
    if state["epoch"]:
        assert math.isclose(float(lines[2]), state["loss"], rel_tol=1e-9)


# ---------------------------------------------------------------------------
# Trainer: fit's loop, one epoch at a time


def moons_model() -> tuple[MLP, list[list[float]], list[int]]:
    X, y = data.make_moons(30, noise=0.1, seed=4)
    return MLP(2, [6, 1], seed=2), X, y


@pytest.mark.parametrize("compile", [False, True])
def test_k_trainer_epochs_equal_fit_of_k_epochs_exactly(compile: bool) -> None:
    X_val, y_val = data.make_moons(20, noise=0.1, seed=5)
    model, X, y = moons_model()
    trainer = Trainer(model, X, y, loss=binary_cross_entropy_with_logits,
                      optimizer=Adam(model.parameters(), lr=0.05), l2=1e-3, compile=compile,
                      validation=(X_val, y_val))
    returned = [trainer.epoch() for _ in range(7)]
    other, _, _ = moons_model()
    history = fit(other, X, y, loss=binary_cross_entropy_with_logits,
                  optimizer=Adam(other.parameters(), lr=0.05), l2=1e-3, epochs=7,
                  compile=compile, validation=(X_val, y_val), progress=False)
    assert trainer.history == history
    assert returned == list(zip(history.loss, history.accuracy))
    assert [p.data for p in model.parameters()] == [p.data for p in other.parameters()]


def test_trainer_with_mini_batches_shuffles_as_fit_does() -> None:
    model, X, y = moons_model()
    trainer = Trainer(model, X, y, loss=binary_cross_entropy_with_logits, batch_size=8, seed=9)
    for _ in range(4):
        trainer.epoch()
    other, _, _ = moons_model()
    history = fit(other, X, y, loss=binary_cross_entropy_with_logits, batch_size=8, seed=9,
                  epochs=4, progress=False)
    assert trainer.history == history


def bad_trainer(case: str) -> None:
    model, X, y = moons_model()
    loss = binary_cross_entropy_with_logits
    cases: dict[str, dict[str, Any]] = {
        "no samples": {"X": [], "y": []},
        "mismatch": {"y": y[:-1]},
        "l2": {"l2": -1.0},
        "batch": {"batch_size": 0},
        "nan input": {"X": [[math.nan, 0.0], *X[1:]]},
        "text label": {"y": ["a", *y[1:]]},
        "validation": {"validation": 5},
        "validation size": {"validation": ([[0.0, 0.0]], [])},
    }
    given = {"X": X, "y": y, **cases[case]}
    Trainer(model, given.pop("X"), given.pop("y"), loss=loss, **given)


@pytest.mark.parametrize("case", ["no samples", "mismatch", "l2", "batch", "nan input",
                                  "text label", "validation", "validation size"])
def test_trainers_errors_name_trainer(case: str) -> None:
    with pytest.raises((ValueError, TypeError)) as raised:
        bad_trainer(case)
    assert str(raised.value).startswith("Trainer: "), str(raised.value)


# ---------------------------------------------------------------------------
# handle never raises


def test_malformed_requests_come_back_as_answers() -> None:
    for request in ["", "{", "null", "[]", '"expression"', "1e999", '{"action": 5}',
                    '{"action": "train", "op": "run", "seconds": -1}', "[" * 100_000]:
        answer = json.loads(playground.handle(request))
        assert answer["ok"] is False and isinstance(answer["message"], str), request[:40]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-20, 20) | st.floats(-1e3, 1e3) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)
KEYS = ["action", "expression", "values", "explorer", "op", "settings", "seconds", "max_epochs",
        "epochs", "point", "label"]
SETTING_VALUES = st.one_of(
    JSON, st.sampled_from(["moons", "blobs", "xor", "10", "12", "2", "4,2", "", "tanh", "hinge",
                           "mse", "sgd", "0.5", "0.1,0.2,1", "1,1,3"]))


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    """A request of random shape, often close to a real one. Training is kept short: at most
    10 ms a run and 3 epochs a step, and labs of at most 12 points, 4 neurons a layer."""
    request: dict[str, Any] = draw(st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6),
                                                   JSON, max_size=6))
    request["action"] = draw(st.sampled_from(["expression", "options", "train"]) | JSON)
    if request["action"] == "train":
        request["op"] = draw(st.sampled_from(["start", "run", "step", "add", "reset"]) | JSON)
        settings = draw(st.dictionaries(st.sampled_from([*playground.DEFAULTS, "x"]),
                                        SETTING_VALUES, max_size=5))
        request["settings"] = {**settings, "points": draw(st.sampled_from(["10", "12", "x"])),
                               "hidden": draw(st.sampled_from(["2", "4,2", "", "0"]))}
        seconds = request.get("seconds")
        if isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
            request["seconds"] = min(seconds, 0.01)
        else:
            request.setdefault("seconds", 0.01)
        for key in ("epochs", "max_epochs"):
            if isinstance(request.get(key), int) and not isinstance(request[key], bool):
                request[key] = min(request[key], 3)
        request.setdefault("max_epochs", 3)
    return request


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(requests())
def test_handle_answers_any_json_object(request: dict[str, Any]) -> None:
    start_small_lab()  # each example from the same lab: one that fails, fails again
    answer = json.loads(playground.handle(json.dumps(request)), parse_constant=_refuse_constant)
    assert answer["ok"] in (True, False)
    if answer["ok"] is False:
        assert isinstance(answer["message"], str) and "\n" not in answer["message"]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40) | JSON.map(json.dumps))
def test_handle_answers_any_text(request: str) -> None:
    answer = json.loads(playground.handle(request), parse_constant=_refuse_constant)
    assert answer["ok"] in (True, False)
