"""autograd_scalar: a scalar reverse-mode automatic differentiation engine.

>>> from autograd_scalar import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> y.data, x.grad
(10.0, 7.0)
"""

from __future__ import annotations

from .compile import CompiledGraph, compile_graph
from .data import make_blobs, make_circles, make_moons, make_spirals, make_xor, to_plus_minus
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
from .train import History, accuracy, fit
from .viz import draw_dot, render

__version__ = "0.1.0"

# ``sum`` is importable (``autograd_scalar.sum``) but not star-exported, so that
# ``from autograd_scalar import *`` never shadows the built-in ``sum``.
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
    "binary_cross_entropy_with_logits",
    "compile_graph",
    "cos",
    "cross_entropy",
    "dot",
    "draw_dot",
    "exp",
    "fit",
    "grad",
    "gradcheck",
    "hinge_loss",
    "is_grad_enabled",
    "l2_penalty",
    "leaky_relu",
    "log",
    "log_softmax",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "mse_loss",
    "no_grad",
    "relu",
    "render",
    "sigmoid",
    "sin",
    "softmax",
    "sqrt",
    "tanh",
    "to_plus_minus",
    "topological_order",
    "value_and_grad",
]
