"""autograd_scalar: a scalar reverse-mode automatic differentiation engine.

>>> from autograd_scalar import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> y.data, x.grad
(10.0, 7.0)
"""

from __future__ import annotations

from .engine import (
    Value,
    cos,
    dot,
    exp,
    is_grad_enabled,
    leaky_relu,
    log,
    no_grad,
    relu,
    sigmoid,
    sin,
    sqrt,
    tanh,
    topological_order,
)
from .engine import sum as sum  # public, but kept out of __all__ (see below)
from .functional import GradcheckError, grad, gradcheck, value_and_grad

__version__ = "0.1.0"

# ``sum`` is importable (``autograd_scalar.sum``) but not star-exported, so that
# ``from autograd_scalar import *`` never shadows the built-in ``sum``.
__all__ = [
    "GradcheckError",
    "Value",
    "cos",
    "dot",
    "exp",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "leaky_relu",
    "log",
    "no_grad",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "tanh",
    "topological_order",
    "value_and_grad",
]
