"""A drop-in for micrograd 0.1.0, running on autograd_scalar's engine.

Change ``micrograd`` to ``autograd_scalar.micrograd`` in the imports and
micrograd code runs unchanged::

    from autograd_scalar.micrograd.engine import Value
    from autograd_scalar.micrograd.nn import MLP, Layer, Module, Neuron

:mod:`.engine` holds :class:`~autograd_scalar.micrograd.engine.Value`, with
micrograd's ``data``, ``grad``, ``_prev``, ``_op``, operators, ``relu()`` and
``backward()``; :mod:`.nn` holds micrograd's ``Module``, ``Neuron``, ``Layer`` and
``MLP``, with micrograd's initialisation (so ``random.seed(k)`` gives micrograd's
weights). The graph has micrograd's nodes, the arithmetic and the gradients
are the engine's; where that is observable, :mod:`.engine` lists the differences.

>>> from autograd_scalar.micrograd import MLP, Value
>>> (Value(2.0) * 3).data
6.0
"""

from __future__ import annotations

from .engine import Value
from .nn import MLP, Layer, Module, Neuron

__all__ = ["MLP", "Layer", "Module", "Neuron", "Value"]
