"""The one table of sample points: every op of the op table, how to call it and where.

In the spirit of PyTorch's OpInfo, each op has one entry in :data:`SAMPLES`: how
to call it (on Values, and with a constant operand on either side of a binary
op), where to sample it (points across its domain, at least 1e-3 away from any
kink, for finite differences), which parameter values to try, what derivative
it has by convention at its kinks, and how to apply it to operands that may take
any value (``anywhere``, for random expression trees). Every op list the tests
use comes from this table, so a new op gets the whole battery by adding its
entry here, and cannot be added without it.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import autograd_scalar as ag
from autograd_scalar import Value
from autograd_scalar.ops import OPS, Op

Parameters = tuple[tuple[str, float | None], ...]
UNARY: tuple[tuple[bool, ...], ...] = ((False,),)
BINARY: tuple[tuple[bool, ...], ...] = ((False, False), (False, True), (True, False))
"""Which operands are constants (True) rather than Values: Value∘Value, Value∘c, c∘Value."""
NAMES = "xyzuv"
"""The names of the Value operands, in order (also the command line's variables)."""


@dataclass(frozen=True)
class Sample:
    """One call of an op: every operand's number, which are constants, the parameters.

    ``grad`` is set for a kink: the derivative the convention gives there, per Value
    operand, compared exactly.
    """

    point: tuple[float, ...]
    constant: tuple[bool, ...]
    parameters: Parameters = ()
    grad: tuple[float, ...] | None = None


@dataclass(frozen=True)
class OpSamples:
    """How to call an op and where: ``call(m, *operands, **parameters)``, ``m`` a namespace.

    ``m`` is ``autograd_scalar`` (operands Values or numbers) or ``FLOAT`` (floats).
    ``anywhere(m, *operands)`` applies the op to operands that may take any value,
    keeping them inside its domain with other ops (``log(a * a + 0.5)``); one operand
    for a unary op, two for the others. None: ``call`` itself, for an op defined
    everywhere. ``anywhere_kinks`` are where that form's derivative jumps (default: the
    op's kinks).
    """

    call: Callable[..., Any]
    samples: tuple[Sample, ...]
    kinks: tuple[Sample, ...] = ()
    anywhere: Callable[..., Any] | None = None
    anywhere_kinks: tuple[float, ...] | None = None

    def apply_anywhere(self, m: Any, *operands: Any) -> Any:
        """The op on operands that may take any value (see ``anywhere``)."""
        return (self.anywhere or self.call)(m, *operands)


def at(
    points: Sequence[tuple[float, ...]],
    masks: tuple[tuple[bool, ...], ...] = UNARY,
    parameters: tuple[dict[str, float | None], ...] = ({},),
) -> tuple[Sample, ...]:
    """A sample per point, operand mask and parameter setting."""
    return tuple(
        Sample(tuple(point), mask, tuple(setting.items()))
        for setting in parameters
        for mask in masks
        for point in points
    )


def scalars(*xs: float) -> list[tuple[float, ...]]:
    return [(x,) for x in xs]


def kink(
    point: tuple[float, ...],
    grad: tuple[float, ...],
    constant: tuple[bool, ...] | None = None,
    **parameters: float | None,
) -> Sample:
    """A point where the derivative is a convention, and the derivative it must have."""
    mask = constant if constant is not None else (False,) * len(point)
    return Sample(point, mask, tuple(parameters.items()), grad)


def function(name: str) -> Callable[..., Any]:
    """The op called as ``m.<name>(*operands, **parameters)``."""
    return lambda m, *operands, **parameters: getattr(m, name)(*operands, **parameters)


def nary_sum(m: Any, *terms: Any) -> Any:
    return ag.sum(terms) if m is ag else builtins.sum(terms)


def nary_dot(m: Any, w0: Any, w1: Any, x0: Any, x1: Any, bias: Any) -> Any:
    if m is ag:
        return ag.dot([w0, w1], [x0, x1], bias=bias)
    return w0 * x0 + w1 * x1 + bias


ANY_X = scalars(-2.1, -0.4, 0.6, 1.9)
POSITIVE_X = scalars(0.3, 1.0, 2.7)
ANY_PAIRS = [(1.3, -0.7), (-2.0, 0.45), (0.8, 2.2)]

SAMPLES: dict[str, OpSamples] = {
    "add": OpSamples(lambda m, a, b: a + b, at(ANY_PAIRS, BINARY)),
    "sub": OpSamples(lambda m, a, b: a - b, at(ANY_PAIRS, BINARY)),
    "mul": OpSamples(lambda m, a, b: a * b, at(ANY_PAIRS, BINARY)),
    "div": OpSamples(lambda m, a, b: a / b, at(ANY_PAIRS, BINARY),
                     anywhere=lambda m, a, b: a / (b * b + 0.5)),
    "pow": OpSamples(
        lambda m, a, b: a**b,
        at([(1.3, -0.7), (0.4, 2.5), (2.0, 3.0), (0.7, 1.5)], BINARY)
        # a negative base takes a constant integer exponent only
        + at([(-1.5, 3.0), (-0.8, -2.0)], ((False, True),)),
        anywhere=lambda m, a, b: (a * a + 0.5) ** (2.0 * m.tanh(b)),  # an exponent in (-2, 2)
    ),
    "neg": OpSamples(lambda m, a: -a, at(ANY_X)),
    "abs": OpSamples(lambda m, a: abs(a), at(ANY_X), (kink((0.0,), (0.0,)),)),
    "exp": OpSamples(function("exp"), at(ANY_X)),
    "log": OpSamples(function("log"), at(POSITIVE_X),
                     anywhere=lambda m, a: m.log(a * a + 0.5)),
    "sqrt": OpSamples(function("sqrt"), at(POSITIVE_X), (kink((0.0,), (math.inf,)),),
                      anywhere=lambda m, a: m.sqrt(a * a + 0.5), anywhere_kinks=()),
    "sin": OpSamples(function("sin"), at(ANY_X)),
    "cos": OpSamples(function("cos"), at(ANY_X)),
    "tan": OpSamples(function("tan"), at(scalars(-1.2, -0.4, 0.6, 1.3)),
                     anywhere=lambda m, a: m.tan(m.tanh(a))),  # |tanh a| < 1 < pi / 2
    "atan": OpSamples(function("atan"), at(scalars(-3.0, -0.4, 0.6, 2.5))),
    "erf": OpSamples(function("erf"), at(scalars(-2.1, -0.4, 0.6, 1.9))),
    # engine-internal (derivative formulas): a method, and +-inf at the pole, as PyTorch's
    "reciprocal": OpSamples(
        lambda m, a: a._reciprocal() if m is ag else (1.0 / a if a else math.copysign(math.inf, a)),
        at(scalars(-2.1, -0.4, 0.6, 1.9)), (kink((0.0,), (-math.inf,)),),
        anywhere=lambda m, a: (
            (a * a + 0.5)._reciprocal() if m is ag else m.reciprocal(a * a + 0.5)
        ),
        anywhere_kinks=(),
    ),
    "relu": OpSamples(function("relu"), at(ANY_X), (kink((0.0,), (0.0,)),)),
    "leaky_relu": OpSamples(
        function("leaky_relu"),
        at(ANY_X, parameters=({}, {"negative_slope": 0.2})),
        (kink((0.0,), (0.01,)), kink((0.0,), (0.2,), negative_slope=0.2)),
        anywhere=lambda m, a: m.leaky_relu(a, 0.1),
    ),
    "tanh": OpSamples(function("tanh"), at(ANY_X)),
    "sigmoid": OpSamples(function("sigmoid"), at(ANY_X)),
    "elu": OpSamples(
        function("elu"),
        at(ANY_X, parameters=({}, {"alpha": 0.5})),
        (kink((0.0,), (1.0,)), kink((0.0,), (0.5,), alpha=0.5)),
        anywhere=lambda m, a: m.elu(a, 0.7),
    ),
    "softplus": OpSamples(function("softplus"), at(scalars(-15.0, -2.1, -0.4, 0.6, 1.9, 15.0))),
    "gelu": OpSamples(function("gelu"), at(scalars(-3.0, -2.1, -0.4, 0.6, 1.9))),
    "maximum": OpSamples(
        function("maximum"),
        at(ANY_PAIRS, BINARY),
        tuple(kink((0.7, 0.7), (0.5, 0.5)[: mask.count(False)], mask) for mask in BINARY),
    ),
    "minimum": OpSamples(
        function("minimum"),
        at(ANY_PAIRS, BINARY),
        tuple(kink((0.7, 0.7), (0.5, 0.5)[: mask.count(False)], mask) for mask in BINARY),
    ),
    "clamp": OpSamples(
        function("clamp"),
        at(
            ANY_X,
            parameters=(
                {}, {"min": 0.0, "max": 1.0}, {"min": -1.0}, {"min": None, "max": 0.5}
            ),
        ),
        (
            kink((0.0,), (1.0,), min=0.0, max=1.0),
            kink((1.0,), (1.0,), min=0.0, max=1.0),
            kink((-0.5,), (0.0,), min=0.0, max=1.0),
            kink((1.5,), (0.0,), min=0.0, max=1.0),
            kink((-1.0,), (1.0,), min=-1.0),
            kink((0.5,), (1.0,), min=None, max=0.5),
            kink((0.3,), (1.0,), min=0.3, max=0.3),
            kink((0.7,), (0.0,), min=0.3, max=0.3),
        ),
        anywhere=lambda m, a: m.clamp(a, -1.0, 1.0), anywhere_kinks=(-1.0, 1.0),
    ),
    "sum": OpSamples(
        nary_sum,
        at([(1.3, -0.7, 2.5), (-2.0, 0.45, 0.1)], ((False, False, False), (False, True, False))),
        anywhere=lambda m, a, b: m.sum([a, b, 0.25]),
    ),
    "dot": OpSamples(
        nary_dot,
        at(
            [(0.5, -1.0, 3.0, 4.0, 0.75), (-1.2, 0.3, 0.25, -2.0, -0.5)],
            (
                (False,) * 5,
                (False, False, True, True, False),  # a first layer: the inputs are numbers
                (False, False, True, True, True),  # ... and so is the bias
                (True, False, False, True, False),  # a mix of both in each role
            ),
        ),
        anywhere=lambda m, a, b: m.dot([a, b], [b, 0.5], bias=a),
    ),
}


@dataclass(frozen=True)
class OpCase:
    """One sample of one op, with the helpers every test uses to run it."""

    name: str
    sample: Sample

    @property
    def op(self) -> Op:
        return OPS[self.name]

    @property
    def leaf_point(self) -> list[float]:
        """The numbers of the Value operands, in order."""
        return [x for x, fixed in zip(self.sample.point, self.sample.constant) if not fixed]

    @property
    def leaf_names(self) -> list[str]:
        return list(NAMES[: len(self.leaf_point)])

    @property
    def id(self) -> str:
        """``clamp(x=0.6, min=0.0, max=1.0)``, ``maximum(x=1.3, -0.7)``; kinks start "kink"."""
        names = iter(NAMES)
        shown = [repr(x) if fixed else f"{next(names)}={x!r}"
                 for x, fixed in zip(self.sample.point, self.sample.constant)]
        shown += [f"{name}={value!r}" for name, value in self.sample.parameters]
        call = f"{self.name}({', '.join(shown)})"
        return call if self.sample.grad is None else f"kink {call}"

    def apply(self, m: Any, *leaves: Any) -> Any:
        """The op on ``leaves`` in the Value operands' places, the constants in theirs."""
        given = iter(leaves)
        operands = [x if fixed else next(given)
                    for x, fixed in zip(self.sample.point, self.sample.constant)]
        return SAMPLES[self.name].call(m, *operands, **dict(self.sample.parameters))

    def build(self, point: Sequence[float] | None = None) -> tuple[Value, list[Value]]:
        """The op's node on fresh leaves (at ``point``, default the sample's), and the leaves."""
        leaves = [Value(x, label=name) for x, name in zip(point or self.leaf_point, NAMES)]
        out = self.apply(ag, *leaves)
        assert isinstance(out, Value)
        return out, leaves


OP_CASES = [OpCase(name, s) for name, samples in SAMPLES.items() for s in samples.samples]
KINK_CASES = [OpCase(name, s) for name, samples in SAMPLES.items() for s in samples.kinks]
ALL_CASES = OP_CASES + KINK_CASES


def ops_of_arity(arity: int) -> list[str]:
    """The names of the ops with ``arity`` operands (0: n-ary), in the table's order."""
    return [name for name in SAMPLES if OPS[name].arity == arity]


def anywhere_kinks(name: str) -> tuple[float, ...]:
    """Where the op's ``anywhere`` form has a kink (see :class:`OpSamples`)."""
    kinks = SAMPLES[name].anywhere_kinks
    return OPS[name].kinks if kinks is None else kinks
