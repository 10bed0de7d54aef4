"""The functions op templates call, on floats and on Values.

Each derivative helper here is written once and serves floats and Values
alike, so the same template runs in a plain ``backward()`` and, building
Values, in ``backward(create_graph=True)``. :data:`FLOAT_FUNCTIONS` is the
float form of every row of :data:`autograd_scalar.core.ops.FUNCTIONS`, and
:data:`on_values` its Value form.

>>> FLOAT_FUNCTIONS["sigmoid"](0.0)
0.5
>>> sign(-3.0), sqrt_grad(0.0)
(-1.0, inf)
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from typing import Any

from .ops import FUNCTIONS, OPS

__all__ = [
    "FLOAT_FUNCTIONS",
    "HELPERS",
    "accumulate",
    "data",
    "on_values",
    "pow_grad_base",
    "pow_grad_exponent",
    "power",
    "reciprocal",
    "resolve",
    "sigmoid",
    "sign",
    "softplus",
    "sqrt_grad",
]


def data(x: Any) -> float:
    """The number behind ``x``: a float itself, or a Value's ``data``."""
    return x if type(x) is float else x.data


def sign(x: Any) -> float:
    """-1.0, 0.0 or 1.0: the derivative of ``abs`` (0 at 0, as PyTorch defines it; nan at nan)."""
    x = data(x)
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else x


def sqrt_grad(root: Any) -> Any:
    """d sqrt(x)/dx = 1 / (2 sqrt(x)), taken from the result; +inf at 0, as in PyTorch.

    On a Value at 0 the +inf is a node too (``0.5 * reciprocal(root)``), so that it
    stays infinite when differentiated again: d/dx of 1 / (2 sqrt x) is -inf at 0.
    """
    if data(root):
        return 0.5 / root
    return math.inf if type(root) is float else 0.5 * on_values.reciprocal(root)


def reciprocal(x: float) -> float:
    """1 / x in IEEE arithmetic: +-inf at +-0, for derivative formulas that reach a pole."""
    return 1.0 / x if x else math.copysign(math.inf, x)


def power(base: Any, exponent: Any) -> Any:
    """base ** exponent: ``math.pow`` on floats (never a complex number), ``**`` on Values."""
    if type(base) is float and type(exponent) is float:
        return math.pow(base, exponent)
    return base**exponent


def pow_grad_base(base: Any, exponent: Any) -> Any:
    """d(a**b)/da = b * a**(b-1); 0 when b == 0 (even at a == 0), +-inf at a == 0 for b < 1."""
    b, e = data(base), data(exponent)
    if e == 0.0 and (b == 0.0 or type(exponent) is float):
        return 0.0  # a Value exponent keeps its term elsewhere: its derivative is not 0
    if b == 0.0 and e < 1.0:
        if type(base) is float or e <= 0.0:
            return math.copysign(math.inf, e)
        # b * a**(b-1) = b / a**(1-b): a node that is +inf at 0 and stays infinite when
        # differentiated again, as PyTorch's formula does in IEEE arithmetic.
        return exponent * on_values.reciprocal(power(base, 1.0 - exponent))
    try:
        return exponent * power(base, exponent - 1.0)
    except OverflowError:  # IEEE gives +-inf here, as PyTorch does
        odd = b < 0.0 and (e - 1.0) % 2.0 == 1.0
        return math.copysign(math.inf, -e if odd else e)


def pow_grad_exponent(base: Any, result: Any) -> Any:
    """d(a**b)/db = a**b * log(a); 0 at a == 0 and nan for a < 0, as in PyTorch."""
    b = data(base)
    if b > 0.0:
        return result * on_values.log(base)
    if b == 0.0:
        return 0.0
    # log(a) is undefined for a < 0. On Values, nan times the result, so that every
    # derivative taken through it is nan too, in whatever order.
    return math.nan if type(result) is float else result * math.nan


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), computed without overflow for any float ``x``."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def softplus(x: float) -> float:
    """log(1 + e^x), computed without overflow or cancellation for any float ``x``."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def accumulate(total: Any, term: Any) -> Any:
    """``total + term`` for create_graph backward, without a useless ``0.0 + term`` node."""
    if type(total) is float and total == 0.0:
        return term
    return total + term


HELPERS: dict[str, Callable[..., Any]] = {
    "sign": sign,
    "sqrt_grad": sqrt_grad,
    "power": power,
    "pow_grad_base": pow_grad_base,
    "pow_grad_exponent": pow_grad_exponent,
}
"""The helpers that serve floats and Values alike: their own Value form."""


def resolve(form: str, helpers: dict[str, Any]) -> Any:
    """The function a form of :data:`~autograd_scalar.core.ops.FUNCTIONS` names.

    A dotted form is imported (``"math.exp"``); a bare one is looked up in ``helpers``.

    >>> resolve("math.exp", {}) is math.exp
    True
    """
    module, _, name = form.rpartition(".")
    if not module:
        return helpers[form]
    return getattr(importlib.import_module(module), name)


FLOAT_FUNCTIONS: dict[str, Callable[..., Any]] = {
    name: resolve(row.float, globals()) for name, row in FUNCTIONS.items()
}
"""The float form of every function a template may call: forward, backward, the float replay."""


class _OnValues:
    """The Value form of each function a template calls: the op's method, or a helper.

    ``on_values.exp(x)`` is ``x.exp()`` for a Value and ``math.exp(x)`` for a
    float (a constant operand stays a constant).
    """

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name in HELPERS:
            return HELPERS[name]
        op = OPS.get(name)
        if op is None or name not in FLOAT_FUNCTIONS:
            raise AttributeError(
                f"{name} has no Value form: add an op named {name!r} to the op table, "
                "or a helper serving floats and Values to autograd_scalar.core.functions"
            )
        on_floats = FLOAT_FUNCTIONS[name]
        method = op.method

        def apply(x: Any, *parameters: float) -> Any:
            if type(x) is float:
                return on_floats(x, *parameters)
            return getattr(x, method)(*parameters)

        apply.__name__ = name
        setattr(self, name, apply)
        return apply


on_values = _OnValues()
"""``on_values.NAME(x)``: the function NAME on a Value (its op) or a float (its float form)."""
