"""What the playground's web pages compute: this package, run in the page by Pyodide.

The playground (``autograd-scalar playground``) is a static site whose pages
run this very package in the browser, compiled CPython and all. This module is
their side of the conversation: :func:`handle` takes one JSON request and
returns one JSON answer, so the pages need to know nothing of Python but that
function. Two labs use it:

* the **expression lab** (``{"action": "expression", ...}``,
  :func:`expression_lab`): an expression typed in the page, read by the safe
  parser of ``autograd-scalar graph``, differentiated, shown as a gradient
  table and as the step-through explorer, with the Python that reproduces it;
* the **training lab** (``{"action": "train", ...}``, :class:`TrainingLab`):
  a small MLP trained on a 2-D toy dataset a few epochs at a time, with what
  the page draws after each run: the decision regions on a grid, the
  first-layer neurons' activations, the loss and accuracy curves.

It runs natively too (the tests drive it so), and everything here is plain
engine code: numbers are never computed by the page.

>>> import json
>>> answer = json.loads(handle(json.dumps(
...     {"action": "expression", "expression": "3*x**2 + 2*x*y + y**2",
...      "values": {"x": "1", "y": "2"}, "explorer": False})))
>>> answer["value"], [(v["name"], v["gradient"]) for v in answer["variables"]]
('11', [('x', '10'), ('y', '6')])
"""

from __future__ import annotations

import functools
import json
import keyword
import math
import time
import unicodedata
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import data
from .compile import CompiledGraph, compile_graph
from .engine import Value, topological_order
from .engine import sum as value_sum
from .expression import CONSTANTS, FUNCTIONS, NUMBER_FORMAT, ExpressionError, evaluate, variables
from .history import History
from .losses import binary_cross_entropy_with_logits, cross_entropy, hinge_loss, mse_loss
from .nn import ACTIVATIONS, MLP
from .optim import SGD, Adam, RMSprop
from .train import Trainer, accuracy

__all__ = ["PlaygroundError", "TrainingLab", "expression_lab", "handle", "training_settings"]

MAX_DRAWN = 200
"""The most Values the expression lab draws in its explorer (a bigger graph is still
evaluated and differentiated, and its table shown)."""

GRID = 30
"""Grid points along each axis of the plane on which the training lab evaluates the model."""

MAX_RUN = 10.0
"""The longest one training request may run, in seconds (the page asks for a quarter)."""

CURVE_POINTS = 1000
"""The most points of each curve a state carries (``history``: one per epoch up to this)."""

MAX_STEP = 1000
"""The most epochs one step request trains (the page's Step button asks for one)."""

MAX_NEURON_MAPS = 16
"""First-layer neurons the training lab maps over the plane (the first 16 of a wider layer)."""


class PlaygroundError(ValueError):
    """A request the playground cannot carry out: a bad setting or an unknown action.

    The message is one line for the page to show: what was wrong and what to do.
    """


def handle(request: str) -> str:
    """Answer one JSON request from a page with one JSON answer (see the module's doc).

    Every answer has ``"ok"``: true with the results, or false with a one-line
    ``"message"`` (and, for an expression, the ``"column"`` it points at).
    Anything the engine refuses comes back that way, never as an exception.

    >>> json.loads(handle('{"action": "dance"}'))["message"]
    "unknown action 'dance'; the actions are expression, options and train"
    """
    expression = None
    try:
        try:
            asked = json.loads(request)
        except RecursionError:
            raise PlaygroundError("the request is nested too deeply to read") from None
        if not isinstance(asked, dict):
            raise PlaygroundError("a request is a JSON object with an \"action\"")
        action = asked.get("action")
        if action == "expression":
            expression = str(asked.get("expression", ""))
            answer = expression_lab(expression, _mapping(asked.get("values", {}), "values"),
                                    explorer=asked.get("explorer", True) is not False)
        elif action == "options":
            answer = options()
        elif action == "train":
            answer = _train(asked)
        else:
            raise PlaygroundError(f"unknown action {action!r}; the actions are expression, "
                                  "options and train")
    except ExpressionError as error:
        answer = {"ok": False, "message": str(error), "column": error.column}
    except (ValueError, TypeError, ArithmeticError) as error:
        answer = {"ok": False, "message": " ".join(str(error).split()), "column": None}
    if expression is not None and not answer["ok"]:
        answer["expression"] = expression
    return json.dumps(_finite(answer), allow_nan=False, separators=(",", ":"))


def _finite(answer: Any) -> Any:
    """``answer`` with every infinite or nan number as None (JSON has no such numbers): a
    held-out loss can overflow while training goes on."""
    if isinstance(answer, float):
        return answer if math.isfinite(answer) else None
    if isinstance(answer, dict):
        return {key: _finite(value) for key, value in answer.items()}
    if isinstance(answer, list):
        return [_finite(value) for value in answer]
    return answer


def _mapping(value: object, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PlaygroundError(f"{name} must be a JSON object, not {type(value).__name__}")
    return value


# ---------------------------------------------------------------------------
# The expression lab


def expression_lab(expression: str, values: Mapping[str, object], explorer: bool = True
                   ) -> dict[str, Any]:
    """Evaluate and differentiate ``expression``: the value, each variable's gradient, the
    explorer's HTML and the Python that reproduces it.

    ``values`` gives numbers (or their text) by variable name; a variable the
    expression uses without one is 1, and a name it does not use is ignored.
    Numbers are formatted as ``autograd-scalar graph`` prints them. Raises :class:`ExpressionError`
    (with its column) for anything the parser refuses.

    >>> lab = expression_lab("x * y + 1", {"x": 3, "y": "-2"}, explorer=False)
    >>> lab["value"], lab["variables"][1]
    ('-5', {'name': 'y', 'value': '-2', 'gradient': '3'})
    """
    names = variables(expression)
    given = {unicodedata.normalize("NFKC", str(name)): value for name, value in values.items()}
    numbers = {name: _number(given[name], f"the value of {name}") if name in given else 1.0
               for name in names}  # a value for a name the expression does not use is ignored
    root, leaves = evaluate(expression, numbers)
    root.backward()
    answer: dict[str, Any] = {
        "ok": True,
        "expression": expression,
        "value": f"{root.data:{NUMBER_FORMAT}}",
        "variables": [{"name": name, "value": f"{leaf.data:{NUMBER_FORMAT}}",
                       "gradient": f"{leaf.grad:{NUMBER_FORMAT}}"}
                      for name, leaf in leaves.items()],
        "explorer": None,
        "explorer_message": None,
        "python": expression_code(expression, numbers),
    }
    if explorer:
        size = len(topological_order(root))
        if size > MAX_DRAWN:
            answer["explorer_message"] = (f"the graph has {size} Values, more than the "
                                          f"{MAX_DRAWN} drawn here; try a shorter expression")
        else:
            from .explorer import explore  # the explorer needs the renderer: only when drawing

            answer["explorer"] = explore(root).to_html()
    return answer


def _number(value: object, what: str) -> float:
    """A finite float from a number or its text, or a PlaygroundError naming ``what``."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PlaygroundError(f"{what} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise PlaygroundError(f"{what} must be a finite number, not {value!r}")
    return number


def expression_code(expression: str, values: Mapping[str, float]) -> str:
    """Python that builds ``expression`` from Values and prints what the lab shows.

    It is the expression as typed, with the functions imported from
    ``autograd_scalar``; where a variable's name would hide one of the names the
    code needs, the code reads the expression with the parser instead.

    >>> print(expression_code("tanh(x) * pi", {"x": 0.5}))
    from math import pi
    <BLANKLINE>
    from autograd_scalar import Value, tanh
    <BLANKLINE>
    x = Value(0.5, label="x")
    out = tanh(x) * pi
    out.backward()
    <BLANKLINE>
    print("value", format(out.data, ".6g"))
    for name, v in {"x": x}.items():
        print(name, format(v.data, ".6g"), format(v.grad, ".6g"))
    <BLANKLINE>
    """
    used = variables(expression)
    functions = sorted({name for name in FUNCTIONS if name != "abs" and
                        _calls(expression, name)})
    constants = sorted(name for name in CONSTANTS if _mentions(expression, name))
    taken = {"Value", "out", "name", "v", "print", "format", "abs", *functions, *constants}
    show = (f'print("value", format(out.data, "{NUMBER_FORMAT}"))\n'
            f"for name, v in {{{', '.join(f'{n!r}: {n}' for n in used)}}}.items():\n"
            f'    print(name, format(v.data, "{NUMBER_FORMAT}"), '
            f'format(v.grad, "{NUMBER_FORMAT}"))\n').replace("'", '"')
    if not used or taken & set(used) or not all(
            name.isidentifier() and not keyword.iskeyword(name) for name in used):
        # No variable (the expression is a number), or a name the code needs: the parser.
        numbers = ", ".join(f"{name!r}: {values[name]!r}" for name in used)
        return ("from autograd_scalar.expression import evaluate\n\n"
                f"out, leaves = evaluate({expression!r}, {{{numbers}}})\n"
                "out.backward()\n\n"
                f'print("value", format(out.data, "{NUMBER_FORMAT}"))\n'
                "for name, v in leaves.items():\n"
                f'    print(name, format(v.data, "{NUMBER_FORMAT}"), '
                f'format(v.grad, "{NUMBER_FORMAT}"))\n')
    lines = [f"from math import {', '.join(constants)}", ""] if constants else []
    lines.append(f"from autograd_scalar import {', '.join(['Value', *functions])}")
    lines.append("")
    lines += [f'{name} = Value({values[name]!r}, label="{name}")' for name in used]
    lines += [f"out = {' '.join(expression.split())}", "out.backward()", ""]
    return "\n".join(lines) + "\n" + show


def _calls(expression: str, name: str) -> bool:
    import ast

    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
               and node.func.id == name for node in ast.walk(ast.parse(expression, mode="eval")))


def _mentions(expression: str, name: str) -> bool:
    import ast

    return any(isinstance(node, ast.Name) and node.id == name
               for node in ast.walk(ast.parse(expression, mode="eval")))


# ---------------------------------------------------------------------------
# The training lab's settings


@dataclass(frozen=True)
class _Dataset:
    make: Callable[..., data.Dataset]
    noise: str  # the generator's name for its noise
    default_noise: float
    classes: int
    fixed: tuple[tuple[str, Any], ...] = ()  # arguments the training and held-out sets share


BLOB_CENTERS = [[-3.0, -2.0], [3.0, -2.0], [0.0, 3.0]]
"""The blobs' centres, fixed so that the held-out points come from the same clusters."""

_DATASETS: dict[str, _Dataset] = {
    "moons": _Dataset(data.make_moons, "noise", 0.1, 2),
    "circles": _Dataset(data.make_circles, "noise", 0.05, 2),
    "xor": _Dataset(data.make_xor, "noise", 0.2, 2),
    "spirals": _Dataset(data.make_spirals, "noise", 0.1, 2),
    "blobs": _Dataset(data.make_blobs, "cluster_std", 1.0, 3, (("centers", BLOB_CENTERS),)),
}


@dataclass(frozen=True)
class _Loss:
    function: Callable[[list[Any], list[Any]], Value]
    title: str
    name: str  # as imported in the Python the lab gives


_LOSSES: dict[str, _Loss] = {
    "bce": _Loss(binary_cross_entropy_with_logits, "logistic (BCE with logits)",
                 "binary_cross_entropy_with_logits"),
    "hinge": _Loss(hinge_loss, "hinge (SVM)", "hinge_loss"),
    "mse": _Loss(mse_loss, "squared error", "mse_loss"),
    "cross_entropy": _Loss(cross_entropy, "cross-entropy (softmax)", "cross_entropy"),
}

_OPTIMIZERS: dict[str, type[Adam | SGD | RMSprop]] = {"adam": Adam, "sgd": SGD, "rmsprop": RMSprop}

DEFAULTS: dict[str, str] = {
    "dataset": "moons", "noise": "0.1", "points": "100", "hidden": "16,16",
    "activation": "relu", "loss": "bce", "optimizer": "adam", "lr": "0.02", "l2": "0.0001",
    "seed": "0", "added": "",
}
"""The training lab's settings when the URL gives none: the demo's moons MLP(2, [16, 16, 1])."""

POINTS = (10, 1000)
"""The fewest and most points of a dataset (and as many held out)."""
MAX_LAYERS, MAX_WIDTH = 6, 64
"""The most hidden layers, and the most neurons in one."""
MAX_SEED = 2**31 - 1


def options() -> dict[str, Any]:
    """What the training lab's controls offer, and the defaults."""
    return {
        "ok": True,
        "datasets": list(_DATASETS),
        "noise": {name: dataset.default_noise for name, dataset in _DATASETS.items()},
        "activations": [name for name in ACTIVATIONS if name != "linear"],
        "losses": [{"name": name, "title": loss.title} for name, loss in _LOSSES.items()],
        "optimizers": list(_OPTIMIZERS),
        "defaults": dict(DEFAULTS),
    }


def training_settings(given: Mapping[str, object]) -> dict[str, str]:
    """The training lab's settings from a URL's query (or the page's controls), checked.

    Missing settings take :data:`DEFAULTS` (the noise, the dataset's own
    default); unknown keys are ignored. Each value is returned as the text a
    URL carries. A dataset of more than two classes trains with the
    cross-entropy loss, whatever loss was asked for. Raises
    :class:`PlaygroundError` naming the first bad setting.

    >>> training_settings({"dataset": "blobs", "hidden": "8"})["loss"]
    'cross_entropy'
    >>> training_settings({"points": "5"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    autograd_scalar.playground.PlaygroundError: points must be a whole number from 10 to ...
    """
    text = {key: str(value).strip() for key, value in given.items() if key in DEFAULTS}
    dataset = text.get("dataset", DEFAULTS["dataset"])
    if dataset not in _DATASETS:
        raise PlaygroundError(f"dataset must be one of {', '.join(_DATASETS)}, not {dataset!r}")
    settings = {**DEFAULTS, "noise": repr(_DATASETS[dataset].default_noise), **text}
    noise = _number(settings["noise"], "noise")
    if not 0.0 <= noise <= 5.0:
        raise PlaygroundError(f"noise must be from 0 to 5, not {settings['noise']!r}")
    points = _whole(settings["points"], "points", *POINTS)
    hidden = _hidden(settings["hidden"])
    if settings["activation"] not in ACTIVATIONS or settings["activation"] == "linear":
        raise PlaygroundError(f"activation must be one of {', '.join(options()['activations'])}"
                              f", not {settings['activation']!r}")
    if _DATASETS[dataset].classes > 2:
        settings["loss"] = "cross_entropy"
    if settings["loss"] not in _LOSSES:
        raise PlaygroundError(f"loss must be one of {', '.join(_LOSSES)}, "
                              f"not {settings['loss']!r}")
    if settings["optimizer"] not in _OPTIMIZERS:
        raise PlaygroundError(f"optimizer must be one of {', '.join(_OPTIMIZERS)}, "
                              f"not {settings['optimizer']!r}")
    lr = _number(settings["lr"], "the learning rate (lr)")
    if not 0.0 < lr <= 10.0:
        raise PlaygroundError(f"the learning rate (lr) must be above 0 and at most 10, "
                              f"not {settings['lr']!r}")
    l2 = _number(settings["l2"], "l2")
    if not 0.0 <= l2 <= 1.0:
        raise PlaygroundError(f"l2 must be from 0 to 1, not {settings['l2']!r}")
    seed = _whole(settings["seed"], "seed", 0, MAX_SEED)
    added = _added(settings["added"], _DATASETS[dataset].classes)
    return {
        "dataset": dataset, "noise": _shown(noise), "points": str(points),
        "hidden": ",".join(map(str, hidden)), "activation": settings["activation"],
        "loss": settings["loss"], "optimizer": settings["optimizer"], "lr": _shown(lr),
        "l2": _shown(l2), "seed": str(seed),
        "added": ";".join(f"{_shown(x)},{_shown(y)},{c}" for x, y, c in added),
    }


def _shown(x: float) -> str:
    """A number as a URL shows it: the shortest text that reads back as the same float."""
    return repr(x) if x != int(x) or abs(x) >= 1e16 else str(int(x))


def _digits(text: str) -> bool:
    """Whether ``text`` is a whole number written in ASCII digits, as a URL writes one."""
    return text.isascii() and text.isdigit()


def _whole(text: str, name: str, low: int, high: int) -> int:
    if not _digits(text) or not low <= int(text) <= high:
        raise PlaygroundError(f"{name} must be a whole number from {low} to {high}, not {text!r}")
    return int(text)


def _hidden(text: str) -> list[int]:
    """The hidden layers' widths from ``"16,16"`` (``""`` for none)."""
    parts = [part.strip() for part in text.split(",")] if text.strip() else []
    if len(parts) > MAX_LAYERS or not all(
            _digits(part) and 1 <= int(part) <= MAX_WIDTH for part in parts):
        raise PlaygroundError(
            f"hidden must be at most {MAX_LAYERS} layer widths from 1 to {MAX_WIDTH}, "
            f"separated by commas (as in 16,16), not {text!r}")
    return [int(part) for part in parts]


def _added(text: str, classes: int) -> list[tuple[float, float, int]]:
    """The points clicked into the plane, from ``"x,y,c;x,y,c"``."""
    points = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        fields = part.split(",")
        if len(fields) != 3 or not _digits(fields[2].strip()) or int(fields[2]) >= classes:
            raise PlaygroundError(
                f"added must be points x,y,class separated by ';' (class 0 to {classes - 1}), "
                f"not {part!r}")
        x, y = (_number(f, "an added point's coordinate") for f in fields[:2])
        points.append((x, y, int(fields[2])))
    return points


# ---------------------------------------------------------------------------
# The training lab


class TrainingLab:
    """One training experiment of the training lab: data, model, optimizer and history.

    ``settings`` are :func:`training_settings`' (URL text). The held-out set is
    as many fresh points, drawn with ``seed + 1``. Training is full-batch with
    the compiled replay (:class:`~autograd_scalar.train.Trainer` with
    ``compile``, ``True`` by default: numpy where it is installed, float code in
    the page), so each :meth:`run` trains exactly as one call of ``fit`` would,
    and :meth:`python` gives that call.

    >>> lab = TrainingLab({"points": "40", "hidden": "8"})
    >>> lab.run(epochs=5)["epoch"]
    5
    """

    def __init__(self, settings: Mapping[str, object], compile: bool | str = True) -> None:
        self.settings = training_settings(settings)
        self.compile = compile  # fit's compile=: the replay the lab trains with
        s = self.settings
        self.dataset = _DATASETS[s["dataset"]]
        self.loss = _LOSSES[s["loss"]]
        generate = {**dict(self.dataset.fixed), self.dataset.noise: float(s["noise"])}
        X, labels = self.dataset.make(int(s["points"]), seed=int(s["seed"]), **generate)
        self.X_val, self.labels_val = self.dataset.make(int(s["points"]), seed=int(s["seed"]) + 1,
                                                        **generate)
        self.X, self.labels = [list(x) for x in X], list(labels)
        for x, y, c in _added(s["added"], self.dataset.classes):
            self.X.append([x, y])
            self.labels.append(c)
        self.given = len(self.X)  # the points of the settings; more may be clicked in
        outputs = self.dataset.classes if s["loss"] == "cross_entropy" else 1
        self.model = MLP(2, [*_hidden(s["hidden"]), outputs], activation=s["activation"],
                         seed=int(s["seed"]))
        self.optimizer = _OPTIMIZERS[s["optimizer"]](self.model.parameters(), lr=float(s["lr"]))
        self.segments: list[tuple[int, int]] = []  # (training points, epochs) per added point
        self.past = History()  # the epochs before the last point was added
        self.trainer = self._trainer()
        self.epochs_per_second: float | None = None
        xs = [x[0] for x in [*self.X, *self.X_val]]
        ys = [x[1] for x in [*self.X, *self.X_val]]
        self.xs, self.ys = _axis(xs, GRID), _axis(ys, GRID)

    def _targets(self, labels: Sequence[int]) -> list[int]:
        return data.to_plus_minus(labels) if self.loss.name in ("hinge_loss", "mse_loss") \
            else list(labels)

    def _trainer(self) -> Trainer:
        return Trainer(self.model, self.X, self._targets(self.labels), loss=self.loss.function,
                       optimizer=self.optimizer, l2=float(self.settings["l2"]),
                       compile=self.compile,
                       validation=(self.X_val, self._targets(self.labels_val)))

    @property
    def history(self) -> History:
        """Every epoch so far, across added points."""
        now = self.trainer.history
        return History(loss=[*self.past.loss, *now.loss],
                       accuracy=[*self.past.accuracy, *now.accuracy],
                       validation_loss=[*self.past.validation_loss, *now.validation_loss],
                       validation_accuracy=[*self.past.validation_accuracy,
                                            *now.validation_accuracy])

    def run(self, epochs: int | None = None, seconds: float | None = None) -> dict[str, Any]:
        """Train ``epochs`` epochs, or whole epochs for about ``seconds``; returns :meth:`state`.

        With both, whichever ends first; with ``seconds`` at least one epoch runs.
        """
        if epochs is None and seconds is None:
            raise PlaygroundError("run needs epochs or seconds")
        if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int)
                                   or not 0 <= epochs <= 100_000):
            raise PlaygroundError(f"epochs must be a whole number from 0 to 100000, "
                                  f"not {epochs!r}")
        start = time.perf_counter()
        done = 0
        while epochs is None or done < epochs:
            self.trainer.epoch()
            done += 1
            if seconds is not None and time.perf_counter() - start >= seconds:
                break
        elapsed = time.perf_counter() - start
        if done:
            self.epochs_per_second = done / elapsed if elapsed > 0 else None
        return self.state()

    def add(self, x: float, y: float, label: int) -> dict[str, Any]:
        """Add a training point of class ``label`` at (x, y), keeping the model and optimizer;
        returns the state."""
        x, y = _number(x, "x"), _number(y, "y")
        if isinstance(label, bool) or not isinstance(label, int) or not (
                0 <= label < self.dataset.classes):
            raise PlaygroundError(f"label must be a class from 0 to {self.dataset.classes - 1}, "
                                  f"not {label!r}")
        now = self.trainer.history
        if now.epochs:
            self.segments.append((len(self.X), now.epochs))
        self.past = self.history
        self.X.append([x, y])
        self.labels.append(label)
        self.trainer = self._trainer()
        return self.state()

    def state(self) -> dict[str, Any]:
        """What the page shows now, as JSON-ready data:

        * ``settings`` (with the points added so far) and ``query``, the URL query
          that restores them;
        * ``epoch``; ``loss``, ``accuracy``, ``heldout_loss``, ``heldout_accuracy`` of
          the last epoch (at epoch 0 the untrained model's accuracies and no losses),
          and ``accuracy_text`` / ``heldout_text`` as the page prints them
          ("training accuracy 87.0%");
        * ``history``: the four per-epoch lists, thinned to :data:`CURVE_POINTS`;
        * ``classes``, ``train`` and ``heldout``: the points and their labels;
        * ``grid``: ``xs``, ``ys`` and, per row of ``ys`` and column of ``xs``, the
          predicted ``class`` and its ``confidence`` from 0 to 1;
        * ``neurons`` (each ``name`` and ``values`` on the grid) for the first
          :data:`MAX_NEURON_MAPS` first-layer neurons, of ``neurons_total``;
        * ``epochs_per_second`` of the last run (training only), and ``python``,
          the code that reproduces these numbers (:meth:`python`).
        """
        history = self.history
        classes, confidence, neurons = self._plane()
        last = history.epochs > 0
        accuracy, held_out = ((history.accuracy[-1], history.validation_accuracy[-1]) if last
                              else self._untrained())
        return {
            "ok": True,
            "settings": self._current_settings(),
            "query": urllib.parse.urlencode(self._current_settings()),
            "epoch": history.epochs,
            "loss": history.loss[-1] if last else None,
            "accuracy": accuracy,
            "heldout_loss": history.validation_loss[-1] if last else None,
            "heldout_accuracy": held_out,
            "accuracy_text": f"training accuracy {_percent(accuracy)}",
            "heldout_text": f"held-out accuracy {_percent(held_out)}",
            "history": {"loss": _thinned(history.loss), "accuracy": _thinned(history.accuracy),
                        "heldout_loss": _thinned(history.validation_loss),
                        "heldout_accuracy": _thinned(history.validation_accuracy)},
            "classes": self.dataset.classes,
            "train": {"points": self.X, "labels": self.labels},
            "heldout": {"points": [list(x) for x in self.X_val], "labels": list(self.labels_val)},
            "grid": {"xs": self.xs, "ys": self.ys, "class": classes, "confidence": confidence},
            "neurons": neurons,
            "neurons_total": len(self.model.layers[0].neurons) if len(self.model.layers) > 1
            else 0,
            "epochs_per_second": self.epochs_per_second,
            "python": self.python(),
        }

    def _untrained(self) -> tuple[float, float]:
        """The untrained model's training and held-out accuracy (what epoch 0 shows)."""
        return (accuracy(self.model, self.X, self._targets(self.labels)),
                accuracy(self.model, self.X_val, self._targets(self.labels_val)))

    def _current_settings(self) -> dict[str, str]:
        """The settings with every point added so far, as a shared link carries them."""
        added = [(x, y, c) for (x, y), c in zip(self.X[int(self.settings["points"]):],
                                                self.labels[int(self.settings["points"]):])]
        return {**self.settings,
                "added": ";".join(f"{_shown(x)},{_shown(y)},{c}" for x, y, c in added)}

    def _plane(self) -> tuple[list[list[int]], list[list[float]], list[dict[str, Any]]]:
        """The predicted class and its confidence at each grid point, and the first-layer
        neurons' activations there (rows follow ``ys``, columns ``xs``).

        The model's graph for one point is compiled once (the float replay, which
        reads the weights as they are at each replay) and replayed at every grid
        point: several times faster than building the graph 900 times.
        """
        replay, point, outputs, hidden = self._grid
        classes: list[list[int]] = []
        confidence: list[list[float]] = []
        maps: list[list[list[float]]] = [[] for _ in hidden]
        for y in self.ys:
            point[1].data = y
            row_class, row_confidence = [], []
            rows: list[list[float]] = [[] for _ in hidden]
            for x in self.xs:
                point[0].data = x
                replay.forward()
                for row, neuron in zip(rows, hidden):
                    row.append(neuron.data)
                c, p = self._decision([o.data for o in outputs])
                row_class.append(c)
                row_confidence.append(p)
            classes.append(row_class)
            confidence.append(row_confidence)
            for values, row in zip(maps, rows):
                values.append(row)
        neurons = [{"name": f"layer 1 neuron {k + 1}", "values": values}
                   for k, values in enumerate(maps)]
        return classes, confidence, neurons

    @functools.cached_property
    def _grid(self) -> tuple[CompiledGraph, list[Value], list[Value], list[Value]]:
        """The compiled graph of the model at one point: (graph, the point's two leaves,
        the outputs, the first-layer neurons mapped)."""
        point = [Value(0.0, label="x"), Value(0.0, label="y")]
        hidden = self.model.layers[0].outputs(point)
        outputs = hidden
        for layer in self.model.layers[1:]:
            outputs = layer.outputs(outputs)
        shown = hidden[:MAX_NEURON_MAPS] if len(self.model.layers) > 1 else []
        replay = compile_graph(value_sum([*outputs, *shown]), observe=[*outputs, *shown])
        return replay, point, outputs, shown

    def _decision(self, scores: list[float]) -> tuple[int, float]:
        """The class a model's outputs predict, and how sure it is, from 0 to 1."""
        if len(scores) == 1:
            s = scores[0]
            if self.loss.name == "binary_cross_entropy_with_logits":
                sure = abs(math.tanh(s / 2))  # |2 sigmoid(s) - 1|
            else:
                sure = min(abs(s), 1.0)
            return int(s > 0), sure
        top = max(scores)
        weights = [math.exp(s - top) for s in scores]
        k = len(scores)
        return scores.index(top), (max(weights) / sum(weights) - 1 / k) / (1 - 1 / k)

    def python(self) -> str:
        """The notebook code that trains as this lab has, to the numbers it shows.

        One ``fit`` call per stretch of training between two added points, all
        with one optimizer, so the epochs, and their numbers, are the lab's.
        """
        s = self.settings
        dataset, optimizer = f"make_{s['dataset']}", _OPTIMIZERS[s["optimizer"]].__name__
        arguments = ", ".join([s["points"], *(f"{k}={v!r}" for k, v in self.dataset.fixed),
                               f"{self.dataset.noise}={s['noise']}"])
        outputs = self.dataset.classes if s["loss"] == "cross_entropy" else 1
        sizes = [*_hidden(s["hidden"]), outputs]
        plus_minus = self.loss.name in ("hinge_loss", "mse_loss")
        trained = "fit" if self.history.epochs else "accuracy"
        lines = [f"from autograd_scalar import MLP, {optimizer}, {trained}, {dataset}"]
        if plus_minus:
            lines.append("from autograd_scalar.data import to_plus_minus")
        lines += [
            f"from autograd_scalar.losses import {self.loss.name}",
            "",
            f"X, y = {dataset}({arguments}, seed={s['seed']})",
            f"X_val, y_val = {dataset}({arguments}, seed={int(s['seed']) + 1})",
        ]
        points = int(s["points"])
        if self.given > points:  # points the link carries
            lines.append(f"X += {self.X[points:self.given]!r}")
            lines.append(f"y += {self.labels[points:self.given]!r}")
        if plus_minus:
            lines.append("y, y_val = to_plus_minus(y), to_plus_minus(y_val)")
        lines += [
            f'model = MLP(2, {sizes}, activation="{s["activation"]}", seed={s["seed"]})',
            f"optimizer = {optimizer}(model.parameters(), lr={s['lr']})",
        ]
        start = self.given
        for end, epochs in [*self.segments, (len(self.X), self.trainer.history.epochs)]:
            for k in range(start, end):  # a point clicked in before these epochs
                label = 2 * self.labels[k] - 1 if plus_minus else self.labels[k]
                lines.append(f"X.append({self.X[k]!r}); y.append({label})")
            start = end
            if epochs:
                lines.append(f"history = fit(model, X, y, loss={self.loss.name}, "
                             "optimizer=optimizer,")
                lines.append(f"              l2={s['l2']}, epochs={epochs}, "
                             "validation=(X_val, y_val), compile=True, progress=False)")
        if self.history.epochs:
            lines.append('print(f"training accuracy {history.accuracy[-1]:.1%}")')
            lines.append('print(f"held-out accuracy {history.validation_accuracy[-1]:.1%}")')
        else:  # nothing trained yet: the set-up, ready for fit(model, X, y, ...)
            lines.append('print(f"training accuracy {accuracy(model, X, y):.1%}")')
            lines.append('print(f"held-out accuracy {accuracy(model, X_val, y_val):.1%}")')
        return "\n".join(lines) + "\n"


def _axis(coordinates: list[float], count: int) -> list[float]:
    """``count`` evenly spaced points from 0.5 below to 0.5 above ``coordinates``."""
    low, high = min(coordinates) - 0.5, max(coordinates) + 0.5
    return [low + (high - low) * i / (count - 1) for i in range(count)]


def _thinned(values: list[float]) -> list[float]:
    """At most :data:`CURVE_POINTS` of ``values``, evenly spaced, the first and last kept:
    a curve to draw, of the same shape, that stays small however long training runs."""
    if len(values) <= CURVE_POINTS:
        return values
    last = len(values) - 1
    return [values[round(k * last / (CURVE_POINTS - 1))] for k in range(CURVE_POINTS)]


def _percent(fraction: float | None) -> str:
    return "-" if fraction is None else f"{fraction:.1%}"


_labs: dict[str, TrainingLab] = {}


def _train(asked: Mapping[str, Any]) -> dict[str, Any]:
    """The training lab's requests: start, run, step, add and reset (one lab per page)."""
    op = asked.get("op")
    if op == "start":
        _labs["lab"] = TrainingLab(_mapping(asked.get("settings", {}), "settings"))
        return _labs["lab"].state()
    lab = _labs.get("lab")
    if lab is None:
        raise PlaygroundError("no training lab yet: start one first (op \"start\")")
    if op == "run":
        seconds = _number(asked.get("seconds", 0.25), "seconds")
        if not 0.0 < seconds <= MAX_RUN:
            raise PlaygroundError(f"seconds must be above 0 and at most {MAX_RUN:g}, "
                                  f"not {seconds!r}")
        return lab.run(epochs=asked.get("max_epochs", 100_000), seconds=seconds)
    if op == "step":
        epochs = asked.get("epochs", 1)
        if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= MAX_STEP:
            raise PlaygroundError(f"epochs must be a whole number from 1 to {MAX_STEP}, "
                                  f"not {epochs!r}")
        return lab.run(epochs=epochs)
    if op == "add":
        point = asked.get("point")
        if not isinstance(point, list) or len(point) != 2:
            raise PlaygroundError("add needs a point [x, y]")
        return lab.add(point[0], point[1], asked.get("label", 0))
    if op == "reset":
        _labs["lab"] = TrainingLab(lab._current_settings())
        return _labs["lab"].state()
    raise PlaygroundError(f"unknown training op {op!r}; the ops are start, run, step, add "
                          "and reset")
