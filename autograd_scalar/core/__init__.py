"""The engine: the op table, ``Value`` and ``backward``, in the order to read them.

1. :mod:`~autograd_scalar.core.ops`: every operation, its forward rule and local derivatives;
2. :mod:`~autograd_scalar.core.value`: ``Value``, the node of a computation graph;
3. :mod:`~autograd_scalar.core.backward`: the chain rule over a graph.

Beside them: :mod:`~autograd_scalar.core.functions` (the functions the templates
call), :mod:`~autograd_scalar.core.rule` (an op as one node runs it),
:mod:`~autograd_scalar.core.modes` (``no_grad`` and forward mode's recording),
:mod:`~autograd_scalar.core.graph` (walking a graph), :mod:`~autograd_scalar.core.nary`
(``sum`` and ``dot``), :mod:`~autograd_scalar.core.numbers` (constants and errors) and
:mod:`~autograd_scalar.core.copying` (copying and pickling graphs). Nothing here
imports any other part of the package but the generated code in
``autograd_scalar/_generated/``.
"""
