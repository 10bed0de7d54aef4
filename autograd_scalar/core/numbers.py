"""Plain numbers at the engine's edge: which operands are constants, and errors that name them.

>>> constant(2), constant(True), constant("2")
(2.0, None, None)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .ops import Op

__all__ = ["constant", "describe_operand", "math_error", "number", "operand", "parameter"]


def constant(x: object) -> float | None:
    """``x`` as a float if it is a plain real number (not a bool, not a Value), else None."""
    kind = type(x)
    if kind is float or kind is int:
        return float(x)  # type: ignore[arg-type]
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    if hasattr(x, "__float__") and not hasattr(x, "__index__") and not hasattr(x, "grad"):
        # numpy scalars and other real-number types that convert losslessly
        try:
            return float(x)
        except (TypeError, ValueError):
            return None
    return None


def number(x: object) -> float:
    """The float behind a Value or a plain number, for comparisons."""
    if hasattr(x, "grad") and hasattr(x, "data"):
        value: float = x.data
        return value
    found = constant(x)
    if found is None:
        raise TypeError(f"cannot compare a Value with {type(x).__name__}")
    return found


def parameter(op_name: str, name: str, value: object) -> float:
    """An op's parameter as a float, or a TypeError naming the op and the parameter."""
    found = constant(value)
    if found is None:
        raise TypeError(f"{op_name}: {name} must be a number, not {type(value).__name__}")
    return found


def operand(x: object, op_name: str) -> float:
    """A plain-number operand as a float, or a TypeError naming the op."""
    found = constant(x)
    if found is None:
        raise TypeError(f"{op_name}: operands must be Values or numbers, not {type(x).__name__}")
    return found


def math_error(error: Exception, op: Op, operands: Sequence[Any]) -> Exception:
    """The error for an op whose forward rule failed: same type, a message that names the op,
    the operand values and labels, and where the op is defined.

    Every interpreter raises this, so that an error reads the same wherever it happens.

    >>> from autograd_scalar import Value
    >>> from autograd_scalar.core.ops import OPS
    >>> math_error(ValueError("math domain error"), OPS["log"], [Value(-1.0, label="x")])
    ValueError("log(-1.0 (Value 'x')) is undefined: log needs an argument > 0")
    """
    shown = ", ".join(describe_operand(x) for x in operands)
    if isinstance(error, OverflowError):
        return OverflowError(f"{op.name}({shown}) overflows: the result is too large for a float")
    return type(error)(f"{op.name}({shown}) is undefined: {op.domain}")


def describe_operand(x: Any) -> str:
    """An operand as an error shows it: its number, and its label for a labelled Value."""
    if hasattr(x, "grad"):
        return f"{x.data!r} (Value {x.label!r})" if x.label else repr(x.data)
    return repr(x)
