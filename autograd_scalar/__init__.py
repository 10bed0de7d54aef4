"""autograd_scalar: a scalar reverse-mode automatic differentiation engine.

The engine (``Value``, the op functions, ``no_grad``) loads with the package;
every other name loads its module on first use (PEP 562), so that
``import autograd_scalar`` pulls in neither the toolkit nor numpy, tqdm,
graphviz or matplotlib.

>>> from autograd_scalar import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> y.data, x.grad
(10.0, 7.0)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._generated.functions import *  # noqa: F403  (the op functions: exp, tanh, clamp ...)
from ._generated.functions import __all__ as _function_names
from .engine import Value as Value
from .engine import dot as dot
from .engine import is_grad_enabled as is_grad_enabled
from .engine import no_grad as no_grad
from .engine import sum as sum  # public, but kept out of __all__ (see below)
from .engine import topological_order as topological_order

if TYPE_CHECKING:  # what __getattr__ below loads on first use, for type checkers
    from .compile import CompiledGraph as CompiledGraph
    from .compile import compile_graph as compile_graph
    from .data import make_blobs as make_blobs
    from .data import make_circles as make_circles
    from .data import make_moons as make_moons
    from .data import make_spirals as make_spirals
    from .data import make_xor as make_xor
    from .data import to_plus_minus as to_plus_minus
    from .explorer import explore as explore
    from .functional import GradcheckError as GradcheckError
    from .functional import grad as grad
    from .functional import gradcheck as gradcheck
    from .functional import hessian as hessian
    from .functional import hvp as hvp
    from .functional import jacfwd as jacfwd
    from .functional import jacobian as jacobian
    from .functional import jacrev as jacrev
    from .functional import jvp as jvp
    from .functional import value_and_grad as value_and_grad
    from .functional import vjp as vjp
    from .history import History as History
    from .losses import binary_cross_entropy_with_logits as binary_cross_entropy_with_logits
    from .losses import cross_entropy as cross_entropy
    from .losses import hinge_loss as hinge_loss
    from .losses import l2_penalty as l2_penalty
    from .losses import log_softmax as log_softmax
    from .losses import mse_loss as mse_loss
    from .losses import softmax as softmax
    from .nn import MLP as MLP
    from .nn import Layer as Layer
    from .nn import Module as Module
    from .nn import Neuron as Neuron
    from .optim import SGD as SGD
    from .optim import Adam as Adam
    from .optim import RMSprop as RMSprop
    from .steps import backward_steps as backward_steps
    from .steps import forward_steps as forward_steps
    from .train import accuracy as accuracy
    from .train import fit as fit
    from .viz import draw_dot as draw_dot
    from .viz import render as render

__version__ = "0.1.0"

_LAZY = {
    "compile": ["CompiledGraph", "compile_graph"],
    "data": ["make_blobs", "make_circles", "make_moons", "make_spirals", "make_xor",
             "to_plus_minus"],
    "explorer": ["explore"],
    "functional": ["GradcheckError", "grad", "gradcheck", "hessian", "hvp", "jacfwd",
                   "jacobian", "jacrev", "jvp", "value_and_grad", "vjp"],
    "losses": ["binary_cross_entropy_with_logits", "cross_entropy", "hinge_loss",
               "l2_penalty", "log_softmax", "mse_loss", "softmax"],
    "nn": ["MLP", "Layer", "Module", "Neuron"],
    "optim": ["SGD", "Adam", "RMSprop"],
    "steps": ["backward_steps", "forward_steps"],
    "history": ["History"],
    "train": ["accuracy", "fit"],
    "viz": ["draw_dot", "render"],
}
_MODULE_OF = {name: module for module, names in _LAZY.items() for name in names}

# ``sum`` is importable (``autograd_scalar.sum``) but not star-exported, so that
# ``from autograd_scalar import *`` never shadows the built-in ``sum``.
__all__ = sorted(
    ["Value", "dot", "is_grad_enabled", "no_grad", "topological_order",
     *_function_names, *_MODULE_OF],
    key=lambda name: (not name.isupper(), not name[0].isupper(), name),
)
del _function_names


def draw(value: Value, **options: Any) -> Any:
    """Draw this Value's computation graph (a ``graphviz.Digraph``, shown inline in Jupyter).

    ``value.draw(**options)`` is :func:`autograd_scalar.viz.draw_dot` ``(value, **options)``;
    the renderer (and graphviz) loads on the first call, so the engine runs without it.
    """
    from .viz import draw_dot

    return draw_dot(value, **options)


draw.__qualname__ = "Value.draw"
Value.draw = draw  # the engine draws nothing itself: the package gives Value this method
del draw


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'autograd_scalar' has no attribute {name!r}")
    found = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = found  # later lookups are plain attribute reads
    return found


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})
