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

import hashlib
import inspect
import json
import math
import operator
import os
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from ._files import read_regular_file, write_atomically
from ._torch import LinearLayer, from_sequential, to_sequential
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
FORMAT_VERSION = 2
"""The ``version`` field :meth:`Module.save` writes. Version 2 names the class with its
module (``autograd_scalar.nn:MLP``) and carries a ``checksum``; version 1 files (a bare
class name, no checksum) still load."""
READABLE_VERSIONS = (1, 2)

MAX_NESTING = 64
"""How deeply a model file's JSON may nest (a library model's file nests 3 deep)."""
MAX_INT_DIGITS = 100
"""The most digits an integer in a model file may have."""


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
    """Every subclass by :func:`_class_key` (``module:qualname``), so that :meth:`load`
    can rebuild it; a user's own ``MLP`` never shadows the library's."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Module._classes[_class_key(cls)] = cls

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
        values = [float(state[name]) for name, _ in named]  # all checked finite: no error
        for (_, parameter), value in zip(named, values):
            parameter.data = value

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture and the weights to ``path`` as JSON, atomically.

        The file is written beside ``path`` under a temporary name and then
        renamed over it, so an interrupted save never leaves a half-written
        model (see :func:`~autograd_scalar._files.write_atomically`: ``path`` must
        be a regular file or new; a symlink is written through; an existing file
        keeps its permissions). Its fields: ``format``, ``version``, ``class``
        (``module:qualname``), ``config`` (the constructor arguments), ``state``
        (:meth:`state_dict`) and ``checksum``, the SHA-256 of class, config and
        state, which :meth:`load` verifies.
        """
        document: dict[str, Any] = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "class": _class_key(type(self)),
            "config": self.config(),
            "state": self.state_dict(),
        }
        try:
            text = json.dumps(document, allow_nan=False)
        except ValueError:
            bad = [name for name, x in self.state_dict().items() if not math.isfinite(x)]
            raise ValueError(f"cannot save {self!r}: not finite: {', '.join(bad[:5])}") from None
        # The checksum covers what a reader will parse, so tuples, int keys and the like
        # in a config are summed in their JSON form.
        document["checksum"] = _checksum(json.loads(text))
        text = json.dumps(document, indent=1, allow_nan=False)
        write_atomically(Path(path), text.encode("utf-8"))

    @classmethod
    def load(cls: type[ModuleT], path: str | os.PathLike[str]) -> ModuleT:
        """Rebuild the model saved at ``path``: the same class, architecture and weights.

        ``MLP.load(path)`` also checks that the file holds an MLP. A missing file
        raises ``FileNotFoundError``; a file that is not a saved model (truncated,
        foreign, altered so that its checksum fails, or with weights that do not fit
        its architecture) raises ``ValueError`` naming it. The whole file is checked
        before anything is built: a library model's config must describe exactly as
        many parameters as the file's state holds, so a small file cannot make a
        huge model.
        """
        document = _read_model_file(Path(path))
        name = document["class"]
        model_class = _find_class(name)
        if model_class is None:
            raise ValueError(
                f"{path} holds a model of class {name}, which is not defined here "
                "(import the module that defines it first)"
            )
        if not issubclass(model_class, cls):
            raise ValueError(
                f"{path} holds a model of class {_class_key(model_class)}, "
                f"not {_class_key(cls)}"
            )
        config, state = document["config"], document["state"]
        problems = model_class._config_problems(config, len(state))
        if problems:
            raise ValueError(
                f"{path} is not a valid saved {model_class.__name__}: bad config: "
                + "; ".join(problems)
            )
        try:
            model = model_class(**config)
            model.load_state_dict(state)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path} is not a valid saved {cls.__name__}: {error}") from None
        return model

    def to_torch(self) -> Any:
        """This model as a float64 ``torch.nn.Sequential`` with the same weights (needs PyTorch).

        For an MLP, a ``Linear`` per layer, each followed by its activation module;
        a Layer or a Neuron gives one ``Linear``. Only ``MLP``, ``Layer`` and
        ``Neuron`` convert: other modules raise ``TypeError``. Where this model
        returns one Value, torch returns a tensor whose last dimension is 1. See
        :func:`autograd_scalar._torch.to_sequential`. For example::

            net = MLP(2, [4, 1], seed=0).to_torch()
            net(torch.tensor([[0.5, -1.0]], dtype=torch.float64))   # shape (1, 1)
        """
        return to_sequential(_linear_layers(self))

    @classmethod
    def _config_problems(cls, config: dict[str, Any], parameters: int) -> list[str]:
        """What is wrong with ``config`` as this class's constructor arguments for a model of
        ``parameters`` parameters (nothing: []), found without building anything.

        A subclass whose constructor could build something large from a small file
        should override this (as :class:`MLP` does); the default only checks that
        the constructor takes these arguments.
        """
        try:
            inspect.signature(cls).bind(**config)
        except TypeError as error:
            return [str(error)]
        except ValueError:  # no signature to read: let the constructor decide
            return []
        return []


def _linear_layers(module: Module) -> list[LinearLayer]:
    """Each layer of ``module`` as plain numbers, for PyTorch; TypeError (before torch is
    imported) if it is not exactly an MLP, Layer or Neuron, whose forward is known."""
    if type(module) not in (MLP, Layer, Neuron):
        raise TypeError(
            f"cannot convert a {type(module).__qualname__} to PyTorch: only MLP, Layer and "
            "Neuron themselves convert, not subclasses or other modules, whose forward may "
            "compute something else"
        )
    stages: list[tuple[Sequence[Neuron], str]]
    if isinstance(module, MLP):
        stages = [(layer.neurons, layer.activation) for layer in module.layers]
    elif isinstance(module, Layer):
        stages = [(module.neurons, module.activation)]
    else:
        assert isinstance(module, Neuron)
        stages = [([module], module.activation)]
    return [
        LinearLayer([[w.data for w in neuron.w] for neuron in neurons],
                    [neuron.b.data for neuron in neurons], activation)
        for neurons, activation in stages
    ]


def _class_key(cls: type) -> str:
    """How a model file names ``cls``: ``module:qualname``, as ``autograd_scalar.nn:MLP``."""
    return f"{cls.__module__}:{cls.__qualname__}"


def _find_class(name: str) -> type[Module] | None:
    """The Module subclass a model file's ``class`` names, or None if there is none.

    Version 1 files wrote a bare class name: ``MLP``, ``Layer`` and ``Neuron`` mean the
    library's own; any other bare name means the one subclass of that name, if only one
    is defined.
    """
    if ":" in name:
        return Module._classes.get(name)
    own = Module._classes.get(f"{__name__}:{name}")
    if own is not None:
        return own
    matches = [c for c in Module._classes.values() if c.__qualname__ == name]
    return matches[0] if len(matches) == 1 else None


def _checksum(document: Mapping[str, Any]) -> str:
    """``sha256:`` and the hex SHA-256 of the canonical JSON of the document's class,
    config and state (sorted keys, no spaces, ASCII), the same however it was laid out."""
    content = {field: document.get(field) for field in ("class", "config", "state")}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return "sha256:" + hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _state_problems(names: list[str], state: object) -> list[str]:
    """What is wrong with ``state`` as the values of the parameters ``names`` (nothing: [])."""
    if not isinstance(state, dict):
        return [f"expected a dict of parameter values, got {type(state).__name__}"]
    problems = []
    not_strings = [key for key in state if not isinstance(key, str)]
    if not_strings:
        problems.append(f"keys that are not strings: {_shown([repr(k) for k in not_strings])}")
    wanted = set(names)
    missing = [name for name in names if name not in state]
    extra = sorted(key for key in state if isinstance(key, str) and key not in wanted)
    wrong = [name for name in names if name in state and not _is_finite_number(state[name])]
    kinds = (("missing", missing), ("unexpected", extra), ("not a finite number", wrong))
    for kind, found in kinds:
        if found:
            problems.append(f"{kind}: {_shown(found)}")
    return problems


def _shown(names: list[str]) -> str:
    """The first five of ``names`` (each cut to 60 characters), and how many more."""
    shown = [name if len(name) <= 60 else name[:57] + "..." for name in names[:5]]
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return ", ".join(shown) + more


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _is_finite_number(x: object) -> bool:
    """Whether ``x`` is an int or float (not a bool) that is a finite float."""
    if not _is_number(x):
        return False
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except OverflowError:  # an int too large for a float
        return False


class _FileProblem(ValueError):
    """Raised while parsing a model file, for a problem the JSON parser does not know."""


def _parse_int(digits: str) -> int:
    """``int(digits)``, refusing more than :data:`MAX_INT_DIGITS` digits (a million digits
    take seconds to convert)."""
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise _FileProblem(f"it holds an integer of {len(digits.lstrip('-'))} digits")
    return int(digits)


def _nesting(document: object, limit: int) -> bool:
    """Whether ``document`` nests lists and dicts at most ``limit`` deep (iteratively)."""
    level: list[object] = [document]
    for _ in range(limit + 1):
        level = [
            child for item in level if isinstance(item, (list, dict))
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return True
    return False


def _read_model_file(path: Path) -> dict[str, Any]:
    """The parsed contents of a saved model file, checked to be one.

    Every problem is a ``ValueError`` naming ``path``: not UTF-8, not JSON, nested too
    deeply, an integer too long, not a model file, an unknown or non-integer version,
    a missing or wrong field, or a checksum that does not match.
    """
    try:
        contents = read_regular_file(path)  # FileNotFoundError names the path
    except ValueError as error:  # a device or a FIFO: never read
        raise ValueError(f"{path} is not a saved model: {error}") from None
    try:
        document = json.loads(contents.decode("utf-8"), parse_int=_parse_int)
    except _FileProblem as problem:
        raise ValueError(f"{path} is not a saved model: {problem}") from None
    except RecursionError:
        raise ValueError(f"{path} is not a saved model: its JSON is nested too deeply") from None
    except ValueError as error:  # not UTF-8, or not JSON (truncated, foreign)
        raise ValueError(f"{path} is not a saved model: not JSON ({error})") from None
    if not _nesting(document, MAX_NESTING):
        raise ValueError(
            f"{path} is not a saved model: its JSON is nested too deeply "
            f"(more than {MAX_NESTING} levels)"
        )
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path} is not a saved model: it has no 'format': {FORMAT!r} field")
    version = document.get("version")
    if type(version) is not int or version not in READABLE_VERSIONS:
        raise ValueError(
            f"{path} is a saved model of format version {version!r}; this version of "
            f"autograd_scalar reads versions {', '.join(map(str, READABLE_VERSIONS))}"
        )
    for field, kind in (("class", str), ("config", dict), ("state", dict)):
        if not isinstance(document.get(field), kind):
            raise ValueError(f"{path} is not a valid saved model: bad or missing {field!r} field")
    checksum = document.get("checksum")
    if checksum is None and version >= 2:
        raise ValueError(f"{path} is not a valid saved model: it has no 'checksum' field")
    if checksum is not None and checksum != _checksum(document):
        raise ValueError(
            f"{path} is not a valid saved model: its contents do not match its checksum "
            "(the file was changed or damaged after it was saved)"
        )
    return document


def _config_fields(
    config: dict[str, Any], required: tuple[str, ...], optional: tuple[str, ...]
) -> list[str]:
    """Problems with the keys of a library model's ``config``: missing or unexpected ones."""
    problems = [f"missing {key!r}" for key in required if key not in config]
    known = set(required) | set(optional)
    unexpected = [key for key in config if key not in known]
    if unexpected:
        problems.append(f"unexpected {_shown([repr(key) for key in unexpected])}")
    return problems


def _size_problem(name: str, value: object) -> str | None:
    """Why ``value`` is not a size (an int of at least 1, not a bool), or None if it is."""
    if type(value) is not int:
        return f"{name!r} must be an integer, not {type(value).__name__}"
    if value < 1:
        return f"{name!r} must be at least 1, not {value}"
    return None


def _activation_problems(config: dict[str, Any], *names: str) -> list[str]:
    """Problems with the activation names in ``config`` (those present)."""
    return [
        f"{name!r} must be one of {', '.join(ACTIVATIONS)}, not {_short_repr(config[name])}"
        for name in names
        if name in config and not (isinstance(config[name], str) and config[name] in ACTIVATIONS)
    ]


def _short_repr(value: object) -> str:
    """``repr(value)``, cut to 60 characters."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _count_problem(expected: int, parameters: int) -> list[str]:
    """A problem if the config's ``expected`` parameter count is not the state's."""
    if expected == parameters:
        return []
    return [f"it describes {expected} parameters, but the state has {parameters}"]


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
        """``nin`` and ``activation``, the arguments that rebuild this neuron."""
        return {"nin": self.nin, "activation": self.activation}

    @classmethod
    def _config_problems(cls, config: dict[str, Any], parameters: int) -> list[str]:
        """Problems with a saved neuron's config: sizes, activation and ``nin + 1`` parameters."""
        problems = _config_fields(config, ("nin",), ("activation",))
        problems += _activation_problems(config, "activation")
        size = _size_problem("nin", config.get("nin")) if "nin" in config else None
        if size:
            problems.append(size)
        if not problems:
            problems += _count_problem(config["nin"] + 1, parameters)
        return problems

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
        """``nin``, ``nout`` and ``activation``, the arguments that rebuild this layer."""
        return {"nin": self.nin, "nout": len(self.neurons), "activation": self.activation}

    @classmethod
    def _config_problems(cls, config: dict[str, Any], parameters: int) -> list[str]:
        """Problems with a saved layer's config: sizes, activation and ``(nin + 1) * nout``
        parameters."""
        problems = _config_fields(config, ("nin", "nout"), ("activation",))
        problems += _activation_problems(config, "activation")
        for name in ("nin", "nout"):
            size = _size_problem(name, config[name]) if name in config else None
            if size:
                problems.append(size)
        if not problems:
            problems += _count_problem((config["nin"] + 1) * config["nout"], parameters)
        return problems

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

    @classmethod
    def _config_problems(cls, config: dict[str, Any], parameters: int) -> list[str]:
        """Problems with a saved MLP's config: sizes, activations, and as many parameters
        as the state holds (the sum of ``(fan_in + 1) * width`` over the layers)."""
        problems = _config_fields(
            config, ("nin", "nouts"), ("activation", "output_activation")
        )
        problems += _activation_problems(config, "activation", "output_activation")
        if "nin" in config:
            size = _size_problem("nin", config["nin"])
            if size:
                problems.append(size)
        nouts = config.get("nouts")
        if "nouts" in config:
            if not isinstance(nouts, list) or not nouts:
                problems.append(
                    f"'nouts' must be a non-empty list of sizes, not {_short_repr(nouts)}"
                )
            elif len(nouts) > parameters:  # every layer has parameters: it cannot fit
                problems.append(
                    f"'nouts' has {len(nouts)} layers, more than the state's {parameters} "
                    "parameters"
                )
            else:
                sizes = [_size_problem(f"nouts[{i}]", n) for i, n in enumerate(nouts)]
                problems += [problem for problem in sizes if problem]
        if not problems:
            widths: list[int] = [config["nin"], *config["nouts"]]
            expected = sum((widths[i] + 1) * widths[i + 1] for i in range(len(widths) - 1))
            problems += _count_problem(expected, parameters)
        return problems

    @classmethod
    def from_torch(cls, module: Any) -> MLP:
        """The MLP computing what the ``torch.nn.Sequential`` ``module`` computes, its weights
        copied exactly (needs PyTorch); ``module`` is not changed.

        ``module`` holds ``Linear`` layers, each followed by at most one supported
        activation (``ReLU``, ``Tanh``, ``GELU()`` ...), every hidden layer the
        same one; anything else raises ``TypeError`` or ``ValueError`` naming the
        item. See :func:`autograd_scalar._torch.from_sequential`. The weights come
        across exactly; the MLP computes in float64, so a float32 module agrees with
        it to float32 precision, its ``.double()`` copy to rounding. An MLP of one
        layer has no hidden activation to read; it gets the default, ``relu``, which
        it never applies. For example::

            MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(),
                                               torch.nn.Linear(4, 1)))
            # MLP(2 → 4 tanh → 1 linear, 17 parameters)
        """
        layers = from_sequential(module)
        hidden = [layer.activation for layer in layers[:-1]]
        if len(set(hidden)) > 1:
            raise ValueError(
                "an MLP applies one activation to every hidden layer, but this Sequential's "
                f"hidden layers use {', '.join(hidden)}"
            )
        model = MLP(
            len(layers[0].weight[0]),
            [len(layer.bias) for layer in layers],
            activation=hidden[0] if hidden else "relu",
            output_activation=layers[-1].activation,
            seed=0,  # every weight is overwritten; a seed keeps Python's random untouched
        )
        for ours, theirs in zip(model.layers, layers):
            for neuron, row, bias in zip(ours.neurons, theirs.weight, theirs.bias):
                for w, x in zip(neuron.w, row):
                    w.data = x
                neuron.b.data = bias
        return model

    def config(self) -> dict[str, Any]:
        """``nin``, ``nouts`` and the activations, the arguments that rebuild this MLP."""
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
