"""autograd_scalar: a scalar reverse-mode automatic differentiation engine.

>>> from autograd_scalar import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> y.data, x.grad
(10.0, 7.0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .compile import CompiledGraph, compile_graph
from .data import make_blobs, make_circles, make_moons, make_spirals, make_xor, to_plus_minus

# <generated: imports>
# written by `python -m autograd_scalar.codegen` from the op table; do not edit
from .engine import (
    Value,
    atan,
    clamp,
    cos,
    dot,
    elu,
    erf,
    exp,
    gelu,
    is_grad_enabled,
    leaky_relu,
    log,
    maximum,
    minimum,
    no_grad,
    relu,
    sigmoid,
    sin,
    softplus,
    sqrt,
    tan,
    tanh,
    topological_order,
)
from .engine import sum as sum  # public, but kept out of __all__ (see below)

# </generated: imports>
from .functional import (
    GradcheckError,
    grad,
    gradcheck,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    value_and_grad,
    vjp,
)
from .losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l2_penalty,
    log_softmax,
    mse_loss,
    softmax,
)
from .nn import MLP, Layer, Module, Neuron
from .optim import SGD, Adam, RMSprop
from .steps import backward_steps, forward_steps
from .train import History, accuracy, fit

if TYPE_CHECKING:
    from .explorer import explore
    from .viz import draw_dot, render

__version__ = "0.1.0"

# ``sum`` is importable (``autograd_scalar.sum``) but not star-exported, so that
# ``from autograd_scalar import *`` never shadows the built-in ``sum``.
# <generated: all>
# written by `python -m autograd_scalar.codegen` from the op table; do not edit
__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "CompiledGraph",
    "GradcheckError",
    "History",
    "Layer",
    "Module",
    "Neuron",
    "RMSprop",
    "Value",
    "accuracy",
    "atan",
    "backward_steps",
    "binary_cross_entropy_with_logits",
    "clamp",
    "compile_graph",
    "cos",
    "cross_entropy",
    "dot",
    "draw_dot",
    "elu",
    "erf",
    "exp",
    "explore",
    "fit",
    "forward_steps",
    "gelu",
    "grad",
    "gradcheck",
    "hessian",
    "hinge_loss",
    "hvp",
    "is_grad_enabled",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "l2_penalty",
    "leaky_relu",
    "log",
    "log_softmax",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "maximum",
    "minimum",
    "mse_loss",
    "no_grad",
    "relu",
    "render",
    "sigmoid",
    "sin",
    "softmax",
    "softplus",
    "sqrt",
    "tan",
    "tanh",
    "to_plus_minus",
    "topological_order",
    "value_and_grad",
    "vjp",
]
# </generated: all>


def __getattr__(name: str) -> Any:
    # The renderer (and the explorer, which draws with it) imports graphviz; it is loaded
    # when a picture is first asked for, so that importing the engine never loads it.
    if name in ("draw_dot", "render"):
        from . import viz

        return getattr(viz, name)
    if name == "explore":
        from .explorer import explore

        return explore
    raise AttributeError(f"module 'autograd_scalar' has no attribute {name!r}")
