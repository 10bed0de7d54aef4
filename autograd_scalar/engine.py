"""The engine's public names in one place: ``Value``, ``backward``'s modes, ``sum`` and ``dot``.

The engine itself lives in :mod:`autograd_scalar.core` (read ``core/ops.py``,
``core/value.py`` and ``core/backward.py``, in that order); the op functions
(``tanh``, ``maximum`` ...) are generated into ``autograd_scalar/_generated/``.
This module gathers them, so that ``from autograd_scalar.engine import Value``
works as it always has.

>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad  # d(x^2 + 3x)/dx = 2x + 3
7.0
"""

from __future__ import annotations

from ._generated.functions import *  # noqa: F403  (the op functions: exp, tanh, clamp ...)
from ._generated.functions import __all__ as _function_names
from .core.graph import describe_op, topological_order
from .core.modes import is_grad_enabled, no_grad
from .core.nary import dot, dot_operands
from .core.nary import sum as sum  # public, but kept out of __all__
from .core.numbers import math_error
from .core.rule import Rule
from .core.value import Number, Operand, Value

# ``sum`` is importable but kept out of ``__all__``, so that a star import never
# shadows the built-in.
__all__ = [
    "Number",
    "Operand",
    "Rule",
    "Value",
    "describe_op",
    "dot",
    "dot_operands",
    "is_grad_enabled",
    "math_error",
    "no_grad",
    "topological_order",
    *_function_names,
]
del _function_names
