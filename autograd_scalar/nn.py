"""Neural networks on the engine: :class:`Module`, :class:`Neuron`, :class:`Layer`, :class:`MLP`.

A :class:`Neuron` computes ``activation(w · x + b)``; a :class:`Layer` is a list
of neurons reading the same inputs; an :class:`MLP` is a stack of layers. Every
weight and bias is a :class:`~autograd_scalar.Value`, so after ``loss.backward()``
each one holds its gradient in ``.grad``, under the name that
:meth:`Module.named_parameters` gives it (also its ``label``).

>>> from autograd_scalar.nn import MLP
>>> model = MLP(2, [16, 16, 1])
>>> model
MLP(2 → 16 relu → 16 relu → 1 linear, 337 parameters)
>>> model([0.5, -1.0]).backward()
>>> name, weight = model.named_parameters()[0]
>>> name, weight.label, type(weight.grad)
('layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.0', <class 'float'>)
"""

from __future__ import annotations

import json
import math
import operator
import os
import random
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from ._files import write_atomically
from .engine import Value, dot
from .ops import OPS

__all__ = ["ACTIVATIONS", "MLP", "Layer", "Module", "Neuron", "init_bound"]

Input = Sequence[Value | float]
"""What a model reads: plain numbers, or Values (whose gradients then flow back too)."""

Seed = int | random.Random | None
"""An int seed, a ``random.Random`` to draw from (how a layer shares one generator
among its neurons), or None for a different model each time."""

ModuleT = TypeVar("ModuleT", bound="Module")

FORMAT = "autograd_scalar.model"
"""The ``format`` field of a saved model file."""
FORMAT_VERSION = 1


def _linear(x: Value) -> Value:
    return x


ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    **{op.name: operator.methodcaller(op.method) for op in OPS.values() if op.activation},
    "linear": _linear,
}
"""The activation functions a neuron can apply, by name: the ops the table marks as
activations (with their default parameters: ``leaky_relu``'s slope is 0.01), and
``linear``."""

_RELU_FAMILY = ("relu", "leaky_relu", "elu", "gelu", "softplus")


class Module:
    """The base of every model: parameters by name, gradients, state and files.

    A subclass defines ``forward``. As in ``torch.nn.Module``, its parameters and
    the modules it is made of are found in its attributes, in the order they were
    set: a Value is a parameter, a Module a child, and so is each Value or Module
    in a list, tuple or dict attribute (named ``w.0`` or ``heads.left``).
    Attributes whose names start with ``_`` are private and not searched. To be
    saved and loaded, a subclass also defines ``config``, its constructor's
    arguments.

    >>> class Line(Module):
    ...     def __init__(self) -> None:
    ...         self.slope, self.intercept = Value(2.0), Value(1.0)
    ...     def forward(self, x: float) -> Value:
    ...         return self.slope * x + self.intercept
    >>> line = Line()
    >>> line(3.0).data, line.state_dict()
    (7.0, {'slope': 2.0, 'intercept': 1.0})
    >>> class Head(Module):
    ...     def __init__(self) -> None:
    ...         self.body = MLP(2, [3, 1], seed=0)
    ...         self.scale = Value(1.0)
    ...     def forward(self, x: list[float]) -> Value:
    ...         return self.body(x) * self.scale
    >>> Head().num_parameters(), Head().named_parameters()[-1][0]
    (14, 'scale')
    """

    _classes: ClassVar[dict[str, type[Module]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Module._classes[cls.__name__] = cls  # so that ``Module.load`` can rebuild it

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The module's output for the given inputs."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def named_members(self) -> list[tuple[str, Value | Module]]:
        """This module's own Values and child Modules, by attribute name, in attribute order."""
        found: list[tuple[str, Value | Module]] = []
        for name, attribute in vars(self).items():
            if name.startswith("_"):
                continue
            if isinstance(attribute, dict):
                items: Iterable[tuple[Any, Any]] = attribute.items()
            elif isinstance(attribute, (list, tuple)):
                items = enumerate(attribute)
            else:
                items = [(None, attribute)]
            for key, item in items:
                if isinstance(item, (Value, Module)):
                    found.append((name if key is None else f"{name}.{key}", item))
        return found

    def named_children(self) -> list[tuple[str, Module]]:
        """The modules this one is made of, with their names (found in its attributes)."""
        return [(name, m) for name, m in self.named_members() if isinstance(m, Module)]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name (``layers.0.neurons.3.w.1``), in a stable order.

        A Value reachable in two places (a shared weight) is listed once, under its
        first name, as in PyTorch.
        """
        found: list[tuple[str, Value]] = []
        seen: set[Value] = set()
        for name, member in self.named_members():
            inner = [(name, member)] if isinstance(member, Value) else [
                (f"{name}.{key}", p) for key, p in member.named_parameters()]
            for key, parameter in inner:
                if parameter not in seen:
                    seen.add(parameter)
                    found.append((key, parameter))
        return found

    def parameters(self) -> list[Value]:
        """Every parameter (weights and biases), in the order of :meth:`named_parameters`."""
        return [parameter for _, parameter in self.named_parameters()]

    def num_parameters(self) -> int:
        """How many parameters the module has."""
        return len(self.named_parameters())

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (gradients accumulate across ``backward`` calls)."""
        for parameter in self.parameters():
            parameter.grad = 0.0

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this architecture (used by :meth:`save`)."""
        raise NotImplementedError(f"{type(self).__name__} must define config() to be saved")

    def state_dict(self) -> dict[str, float]:
        """Every parameter's value by name: ``{"layers.0.neurons.0.w.0": 0.12, ...}``."""
        return {name: parameter.data for name, parameter in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Set every parameter from ``state`` (as made by :meth:`state_dict`).

        ``state`` must name exactly this module's parameters, each with a finite
        number; otherwise ``ValueError`` lists what is missing, extra or wrong,
        and no parameter is changed.
        """
        named = self.named_parameters()
        problems = _state_problems([name for name, _ in named], state)
        if problems:
            raise ValueError(
                f"state dict does not fit {self!r}: " + "; ".join(problems)
            )
        for name, parameter in named:
            parameter.data = float(state[name])

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture and the weights to ``path`` as JSON, atomically.

        The file is written beside ``path`` under a temporary name and then
        renamed over it, so an interrupted save never leaves a half-written
        model. Its fields: ``format``, ``version``, ``class``, ``config`` (the
        constructor arguments) and ``state`` (:meth:`state_dict`).
        """
        document = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "class": type(self).__name__,
            "config": self.config(),
            "state": self.state_dict(),
        }
        try:
            text = json.dumps(document, indent=1, allow_nan=False)
        except ValueError:
            bad = [name for name, x in self.state_dict().items() if not math.isfinite(x)]
            raise ValueError(f"cannot save {self!r}: not finite: {', '.join(bad[:5])}") from None
        write_atomically(Path(path), text.encode("utf-8"))

    @classmethod
    def load(cls: type[ModuleT], path: str | os.PathLike[str]) -> ModuleT:
        """Rebuild the model saved at ``path``: the same class, architecture and weights.

        ``MLP.load(path)`` also checks that the file holds an MLP. A missing file
        raises ``FileNotFoundError``; a file that is not a saved model (truncated,
        foreign, or with weights that do not fit) raises ``ValueError`` naming it.
        """
        document = _read_model_file(Path(path))
        model_class = Module._classes.get(document["class"])
        if model_class is None or not issubclass(model_class, cls):
            raise ValueError(
                f"{path} holds a model of class {document['class']}, not {cls.__name__}"
            )
        try:
            model = model_class(**document["config"])
            model.load_state_dict(document["state"])
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path} is not a valid saved {cls.__name__}: {error}") from None
        return model


def _state_problems(names: list[str], state: dict[str, Any]) -> list[str]:
    """What is wrong with ``state`` as the values of the parameters ``names`` (nothing: [])."""
    if not isinstance(state, dict):
        return [f"expected a dict of parameter values, got {type(state).__name__}"]
    problems = []
    missing = [name for name in names if name not in state]
    extra = sorted(set(state) - set(names))
    wrong = [
        name for name in names
        if name in state and not (_is_number(state[name]) and math.isfinite(state[name]))
    ]
    kinds = (("missing", missing), ("unexpected", extra), ("not a finite number", wrong))
    for kind, found in kinds:
        if found:
            shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
            problems.append(f"{kind}: {shown}")
    return problems


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _read_model_file(path: Path) -> dict[str, Any]:
    """The parsed contents of a saved model file, checked to be one."""
    contents = path.read_bytes()  # FileNotFoundError names the path
    try:
        document = json.loads(contents.decode("utf-8"))
    except ValueError as error:  # not UTF-8, or not JSON (truncated, foreign)
        raise ValueError(f"{path} is not a saved model: not JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path} is not a saved model: it has no 'format': {FORMAT!r} field")
    if document.get("version") != FORMAT_VERSION:
        raise ValueError(
            f"{path} is a saved model of format version {document.get('version')!r}; "
            f"this version of autograd_scalar reads version {FORMAT_VERSION}"
        )
    for field, kind in (("class", str), ("config", dict), ("state", dict)):
        if not isinstance(document.get(field), kind):
            raise ValueError(f"{path} is not a valid saved model: bad or missing {field!r} field")
    return document


def _random(seed: Seed) -> random.Random:
    """The generator for ``seed``: itself if a ``random.Random``, one seeded with it if a
    number, and for None one seeded from Python's global ``random``, so that
    ``random.seed(k)`` makes an unseeded model reproducible, as in micrograd and PyTorch."""
    if isinstance(seed, random.Random):
        return seed
    return random.Random(random.getrandbits(64) if seed is None else seed)


def _check_activation(activation: str) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}"
        )


def _check_size(module: Module, expected: int, x: Input) -> None:
    if len(x) != expected:
        raise ValueError(
            f"{type(module).__name__} expects {expected} inputs, but was given {len(x)}"
        )


def init_bound(activation: str, fan_in: int, fan_out: int) -> float:
    """Half-width of the uniform distribution a neuron's initial weights are drawn from.

    He (Kaiming) uniform, ``sqrt(6 / fan_in)``, for ``relu`` and its smooth
    relatives (``leaky_relu``, ``elu``, ``gelu``, ``softplus``): it keeps the
    variance of the signal through layers that zero about half of it.
    Xavier (Glorot) uniform, ``sqrt(6 / (fan_in + fan_out))``, for the others.

    >>> init_bound("relu", 6, 1), init_bound("tanh", 4, 2)
    (1.0, 1.0)
    """
    if activation in _RELU_FAMILY:
        return math.sqrt(6.0 / fan_in)
    return math.sqrt(6.0 / (fan_in + fan_out))


class Neuron(Module):
    """One neuron: ``activation(w · x + b)``, computed with one ``dot`` node.

    Weights start uniform in ``±init_bound(activation, nin, fan_out)`` from
    ``seed`` (``fan_out`` is the width of the layer the neuron is in); the bias
    starts at ``bias_init``.

    >>> neuron = Neuron(3, activation="tanh", seed=1)
    >>> neuron
    Neuron(3 → 1 tanh, 4 parameters)
    >>> [name for name, _ in neuron.named_parameters()]
    ['w.0', 'w.1', 'w.2', 'b']
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        seed: Seed = None,
        bias_init: float = 0.0,
        fan_out: int = 1,
    ) -> None:
        if nin < 1:
            raise ValueError(f"a neuron needs at least one input, not nin={nin}")
        _check_activation(activation)
        rng = _random(seed)
        bound = init_bound(activation, nin, fan_out)
        self.nin = nin
        self.activation = activation
        self.w = [Value(rng.uniform(-bound, bound), label=f"w.{i}") for i in range(nin)]
        self.b = Value(bias_init, label="b")
        self._activate = ACTIVATIONS[activation]

    def forward(self, x: Input) -> Value:
        """``activation(w · x + b)`` for the ``nin`` inputs ``x``."""
        _check_size(self, self.nin, x)
        return self._activate(dot(self.w, x, self.b))

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation}

    def __repr__(self) -> str:
        return f"Neuron({self.nin} → 1 {self.activation}, {self.num_parameters()} parameters)"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs.

    Calling a layer of one neuron returns a Value, otherwise a list of Values
    (:meth:`outputs` always returns the list).

    >>> layer = Layer(2, 3, seed=0)
    >>> layer
    Layer(2 → 3 relu, 9 parameters)
    >>> len(layer([1.0, 2.0]))
    3
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        seed: Seed = None,
        bias_init: float = 0.0,
    ) -> None:
        if nout < 1:
            raise ValueError(f"a layer needs at least one neuron, not nout={nout}")
        rng = _random(seed)
        self.nin = nin
        self.activation = activation
        self.neurons = [
            Neuron(nin, activation, rng, bias_init, fan_out=nout) for _ in range(nout)
        ]
        _label_parameters(self)

    def outputs(self, x: Input) -> list[Value]:
        """Every neuron's output, as a list (even for one neuron)."""
        _check_size(self, self.nin, x)
        return [neuron(x) for neuron in self.neurons]

    def forward(self, x: Input) -> Value | list[Value]:
        """The neurons' outputs: a Value for a layer of one neuron, else a list."""
        return _single_or_list(self.outputs(x))

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": len(self.neurons), "activation": self.activation}

    def __repr__(self) -> str:
        return (
            f"Layer({self.nin} → {len(self.neurons)} {self.activation}, "
            f"{self.num_parameters()} parameters)"
        )


class MLP(Module):
    """A multi-layer perceptron: ``nin`` inputs, then a layer of each size in ``nouts``.

    Hidden layers use ``activation``; the last layer uses ``output_activation``
    (``linear`` by default: raw scores for a loss such as
    :func:`~autograd_scalar.losses.hinge_loss` or
    :func:`~autograd_scalar.losses.cross_entropy`). All weights come from one
    ``random.Random(seed)``, so the same seed gives the same model everywhere;
    with no seed they come from Python's global ``random`` (``random.seed(k)``
    reproduces them).

    >>> model = MLP(3, [4, 4, 1], seed=0)
    >>> model
    MLP(3 → 4 relu → 4 relu → 1 linear, 41 parameters)
    >>> model([1.0, -2.0, 0.5]).data == MLP(3, [4, 4, 1], seed=0)([1.0, -2.0, 0.5]).data
    True
    >>> model([1.0, 2.0])
    Traceback (most recent call last):
      ...
    ValueError: MLP expects 3 inputs, but was given 2
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        seed: Seed = None,
        bias_init: float = 0.0,
    ) -> None:
        if not nouts:
            raise ValueError("an MLP needs at least one layer: nouts is empty")
        rng = _random(seed)
        sizes = [nin, *nouts]
        activations = [activation] * (len(nouts) - 1) + [output_activation]
        self.nin = nin
        self.activation = activation
        self.output_activation = output_activation
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activations[i], rng, bias_init)
            for i in range(len(nouts))
        ]
        _label_parameters(self)

    def forward(self, x: Input) -> Value | list[Value]:
        """The last layer's outputs: a Value for one output, else a list."""
        _check_size(self, self.nin, x)
        outputs = self.layers[0].outputs(x)
        for layer in self.layers[1:]:
            outputs = layer.outputs(outputs)
        return _single_or_list(outputs)

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nouts": [len(layer.neurons) for layer in self.layers],
            "activation": self.activation,
            "output_activation": self.output_activation,
        }

    def __repr__(self) -> str:
        stages = " → ".join(f"{len(layer.neurons)} {layer.activation}" for layer in self.layers)
        return f"MLP({self.nin} → {stages}, {self.num_parameters()} parameters)"


def _single_or_list(outputs: list[Value]) -> Value | list[Value]:
    return outputs[0] if len(outputs) == 1 else outputs


def _label_parameters(module: Module) -> None:
    """Label every parameter with its name in ``module``, so drawn graphs show where it lives."""
    for name, parameter in module.named_parameters():
        parameter.label = name
