"""The op table and the functions its templates call, under their documented path.

The table is :mod:`autograd_scalar.core.ops`; the float and Value forms of
the functions are :mod:`autograd_scalar.core.functions`.

>>> OPS["mul"].grads
('{g} * {b}', '{g} * {a}')
"""

from __future__ import annotations

from .core.functions import FLOAT_FUNCTIONS, HELPERS, accumulate, on_values
from .core.ops import FUNCTIONS, OPS, Function, Op, called_functions, template_names

__all__ = [
    "FLOAT_FUNCTIONS",
    "FUNCTIONS",
    "HELPERS",
    "OPS",
    "Function",
    "Op",
    "accumulate",
    "called_functions",
    "on_values",
    "template_names",
]
