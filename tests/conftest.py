"""Shared test helpers: an engine-independent float math namespace and central differences.

The helpers here never touch the engine's derivative rules. A test writes its
function once against a namespace ``m`` (``m.exp(x)``, ``m.sigmoid(x)`` ...) and
runs it twice: with ``m = FLOAT`` on plain floats (the oracle, differentiated
numerically below) and with ``m = autograd_scalar`` on Values (the engine).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd_scalar import Value


def _sigmoid(x: float) -> float:
    # Written out directly (not copied from the engine): 1 / (1 + e^-x),
    # in the form that does not overflow for large |x|.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    return math.exp(x) / (1.0 + math.exp(x))


def _relu(x: float) -> float:
    return x if x > 0.0 else 0.0


def _leaky_relu(x: float, negative_slope: float = 0.01) -> float:
    return x if x > 0.0 else negative_slope * x


def _elu(x: float, alpha: float = 1.0) -> float:
    return x if x > 0.0 else alpha * math.expm1(x)


def _softplus(x: float) -> float:
    # log(1 + e^x); for large x, x + log(1 + e^-x), so that e^x cannot overflow
    return x + math.log1p(math.exp(-x)) if x > 30.0 else math.log1p(math.exp(x))


def _gelu(x: float) -> float:
    return x * 0.5 * math.erfc(-x / math.sqrt(2.0))


def _clamp(x: float, min: float | None = None, max: float | None = None) -> float:
    if min is not None and x < min:
        return min
    if max is not None and x > max:
        return max
    return x


class FloatMath:
    """The op functions on plain floats, the same names as the ``autograd_scalar`` functions."""

    exp = staticmethod(math.exp)
    log = staticmethod(math.log)
    tanh = staticmethod(math.tanh)
    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)
    sqrt = staticmethod(math.sqrt)
    sigmoid = staticmethod(_sigmoid)
    relu = staticmethod(_relu)
    leaky_relu = staticmethod(_leaky_relu)
    tan = staticmethod(math.tan)
    atan = staticmethod(math.atan)
    erf = staticmethod(math.erf)
    elu = staticmethod(_elu)
    softplus = staticmethod(_softplus)
    gelu = staticmethod(_gelu)
    maximum = staticmethod(max)
    minimum = staticmethod(min)
    clamp = staticmethod(_clamp)

    def __getattr__(self, name: str) -> Any:
        # Any other function of the op table by its math name (asinh ...): its float form
        # from the standard library, independent of the engine.
        return getattr(math, name)


FLOAT = FloatMath()


def plain(x: float | Value) -> float:
    """The number behind ``x``, read from ``.data`` (never through the engine's ops)."""
    return x.data if isinstance(x, Value) else float(x)


def numeric_grad(
    f: Callable[..., float], xs: Sequence[float | Value], eps: float = 1e-6
) -> list[float]:
    """Central differences of a float function: (f(x + eps) - f(x - eps)) / (2 eps), per argument.

    ``f`` is called with plain floats only; Values in ``xs`` contribute their
    ``data``. Error is O(eps^2) from truncation plus O(1e-16 / eps) from rounding.
    """
    point = [plain(x) for x in xs]
    gradient = []
    for i, x in enumerate(point):
        above = [*point[:i], x + eps, *point[i + 1 :]]
        below = [*point[:i], x - eps, *point[i + 1 :]]
        gradient.append((float(f(*above)) - float(f(*below))) / (2.0 * eps))
    return gradient


def engine_grad(f: Callable[..., Value], xs: Sequence[float]) -> list[float]:
    """The engine's gradient of ``f`` at ``xs``: fresh leaves, one backward, their ``.grad``."""
    leaves = [Value(x) for x in xs]
    f(*leaves).backward()
    return [leaf.grad for leaf in leaves]


def assert_close(actual: Sequence[Any], expected: Sequence[Any], rel: float, abs_: float) -> None:
    """Element-wise ``math.isclose`` with a message showing both sequences."""
    assert len(actual) == len(expected), (actual, expected)
    for a, e in zip(actual, expected):
        assert math.isclose(a, e, rel_tol=rel, abs_tol=abs_), f"{list(actual)} != {list(expected)}"
