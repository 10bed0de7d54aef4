"""The table of operations: each op's forward rule and local derivatives, side by side.

Every element-wise operation is one :class:`Op` entry. Its forward rule and the
local derivative for each operand are short Python expression templates over
these names:

``{a}``, ``{b}``
    the operands (``{b}`` only for binary ops);
``{c}``
    the op's fixed parameter (``negative_slope`` of ``leaky_relu``);
``{out}``
    the op's result;
``{g}``
    the gradient arriving at the result.

Each template is one expression, so the same text serves three readers:

* the engine generates ``Value``'s operator methods and its float backward
  rules from them (on floats), and its ``create_graph=True`` rules (on Values,
  so derivatives are themselves differentiable);
* the compiler pastes them into straight-line replay code;
* the renderer shows ``symbol``.

The functions a template may call are listed in :data:`FLOAT_FUNCTIONS`; the
engine supplies a Value version of each for ``create_graph=True``.

Adding an operation means adding one entry to :data:`OPS` (and, if its rules
call a new function, one float function here and its Value twin in the engine).

>>> OPS["mul"].grads
('{g} * {b}', '{g} * {a}')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FLOAT_FUNCTIONS", "OPS", "Op"]


@dataclass(frozen=True)
class Op:
    """One element-wise operation: its name, how it is drawn, and its rules.

    ``arity`` is 1 or 2; ``parameter`` names the op's fixed parameter (stored as
    ``{c}``), if it has one. ``domain`` says, in words, where the op is defined;
    it becomes part of the error raised for an operand outside that domain.
    """

    name: str
    symbol: str
    arity: int
    forward: str
    grads: tuple[str, ...]
    domain: str = ""
    parameter: str = ""


def _entries(*ops: Op) -> dict[str, Op]:
    return {op.name: op for op in ops}


OPS: dict[str, Op] = _entries(
    Op("add", "+", 2, "{a} + {b}", ("{g}", "{g}")),
    Op("sub", "-", 2, "{a} - {b}", ("{g}", "-{g}")),
    Op("mul", "*", 2, "{a} * {b}", ("{g} * {b}", "{g} * {a}")),
    Op(
        "div", "/", 2, "{a} / {b}",
        ("{g} / {b}", "-{g} * {out} / {b}"),
        domain="the divisor must not be zero",
    ),
    Op(
        "pow", "**", 2, "pow({a}, {b})",
        ("{g} * pow_grad_base({a}, {b})", "{g} * pow_grad_exponent({a}, {out})"),
        domain="zero has no negative powers and a negative base needs an integer exponent",
    ),
    Op("neg", "-", 1, "-{a}", ("-{g}",)),
    Op("abs", "abs", 1, "abs({a})", ("{g} * sign({a})",)),
    Op("exp", "exp", 1, "exp({a})", ("{g} * {out}",), domain="the result must fit in a float"),
    Op("log", "log", 1, "log({a})", ("{g} / {a}",), domain="log needs an argument > 0"),
    Op("tanh", "tanh", 1, "tanh({a})", ("{g} * (1.0 - {out} * {out})",)),
    Op("sigmoid", "sigmoid", 1, "sigmoid({a})", ("{g} * {out} * (1.0 - {out})",)),
    Op("relu", "relu", 1, "({a} if {a} > 0.0 else 0.0)", ("({g} if {a} > 0.0 else 0.0)",)),
    Op(
        "leaky_relu", "leaky_relu", 1,
        "({a} if {a} > 0.0 else {a} * {c})",
        ("({g} if {a} > 0.0 else {g} * {c})",),
        parameter="negative_slope",
    ),
    Op("sin", "sin", 1, "sin({a})", ("{g} * cos({a})",), domain="sin needs a finite argument"),
    Op("cos", "cos", 1, "cos({a})", ("-{g} * sin({a})",), domain="cos needs a finite argument"),
    Op(
        "sqrt", "sqrt", 1, "sqrt({a})", ("{g} * sqrt_grad({out})",),
        domain="sqrt needs an argument >= 0",
    ),
)


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), computed without overflow for any float ``x``."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def sign(x: float) -> float:
    """-1.0, 0.0 or 1.0: the derivative of ``abs`` (0 at 0, as PyTorch defines it)."""
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0


def sqrt_grad(root: float) -> float:
    """d sqrt(x)/dx = 1 / (2 sqrt(x)), taken from the result; +inf at 0, as in PyTorch."""
    return 0.5 / root if root else math.inf


def pow_grad_base(base: float, exponent: float) -> float:
    """d(a**b)/da = b * a**(b-1); 0 when b == 0 (even at a == 0), +-inf at a == 0 for b < 1."""
    if exponent == 0.0:
        return 0.0
    if base == 0.0 and exponent < 1.0:
        return math.copysign(math.inf, exponent)
    try:
        return exponent * math.pow(base, exponent - 1.0)
    except OverflowError:  # IEEE gives +-inf here, as PyTorch does
        odd = base < 0.0 and (exponent - 1.0) % 2.0 == 1.0
        return math.copysign(math.inf, -exponent if odd else exponent)


def pow_grad_exponent(base: float, result: float) -> float:
    """d(a**b)/db = a**b * log(a); 0 at a == 0 and nan for a < 0, as in PyTorch."""
    if base > 0.0:
        return result * math.log(base)
    return 0.0 if base == 0.0 else math.nan


FLOAT_FUNCTIONS: dict[str, Callable[..., float]] = {
    "abs": abs,
    "pow": math.pow,
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "sin": math.sin,
    "cos": math.cos,
    "sqrt": math.sqrt,
    "sigmoid": sigmoid,
    "sign": sign,
    "sqrt_grad": sqrt_grad,
    "pow_grad_base": pow_grad_base,
    "pow_grad_exponent": pow_grad_exponent,
}
"""The functions op templates may call, on floats: forward, plain backward, compiled code."""
