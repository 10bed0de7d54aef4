"""Compile a built graph into straight-line Python and replay it.

A training loop rebuilds the same graph every step with new numbers. That is
wasted work for a scalar engine, whose time goes into creating and walking
Python objects. :func:`compile_graph` walks the graph once and generates plain
float code for its forward and backward passes, one named line per node, as
``torch.fx`` does; replaying it reads the leaves' current ``.data`` and leaves
gradients in their ``.grad`` exactly as ``root.backward()`` would.

What is captured, as with ``torch.jit.trace``: the operations that built this
graph. Python control flow in *your* code ran once, when the graph was built,
and is frozen; only the branches *inside* operations (``relu``, ``abs``,
``leaky_relu``) are taken again at every replay:

>>> from autograd_scalar import Value
>>> x = Value(2.0, label="x")
>>> y = (x * x).relu() if x.data > 0 else -x   # the `if` is decided now, for good
>>> g = compile_graph(y)
>>> g(), x.grad                                 # value and dy/dx at x = 2
(4.0, 4.0)
>>> x.data, x.grad = -3.0, 0.0
>>> g(), x.grad                                 # still (x*x).relu(), never -x
(9.0, -6.0)

Batches: a loss summed over many samples has one subgraph per sample, all of
the same shape. The compiler recognises such repeated structure
(:mod:`autograd_scalar.batches`), generates the per-sample code once and runs it
in a loop over the samples; anything else is compiled as flat straight-line code.

This module chooses the back end: the float replay
(:mod:`autograd_scalar.compile_float`) or the numpy replay
(:mod:`autograd_scalar.compile_numpy`), which both write their code with
:mod:`autograd_scalar.emit`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .compile_float import CompiledGraph, compile_float
from .emit import literal
from .engine import Value

__all__ = ["CompiledGraph", "compile_graph", "literal"]


def compile_graph(
    root: Value, observe: Iterable[Value] = (), backend: str = "python"
) -> CompiledGraph:
    """Flatten the graph under ``root`` into generated code, once, for fast replay.

    ``backend="python"`` writes float code, one line per node, with a loop over
    the samples of a batch; ``backend="numpy"`` writes array code, every sample at
    once and each layer of neurons as a matrix product
    (:mod:`autograd_scalar.compile_numpy`; needs numpy:
    ``pip install "autograd-scalar[fast]"``).

    ``observe`` lists intermediate Values whose ``.data`` every replay keeps up
    to date (a model's predictions, say), without a full :meth:`~CompiledGraph.sync`.
    Only first derivatives are replayed: a graph that came from
    ``backward(create_graph=True)`` compiles like any other graph.

    >>> from autograd_scalar import Value
    >>> a, b = Value(3.0, label="a"), Value(4.0, label="b")
    >>> g = compile_graph((a * a + b * b).sqrt())
    >>> g(), round(a.grad, 12), round(b.grad, 12)
    (5.0, 0.6, 0.8)
    >>> print(g.source.splitlines()[3])
        v0 = a * a
    """
    if backend == "numpy":
        return _numpy_backend()(root, observe)
    if backend != "python":
        raise ValueError(f"compile_graph: backend must be 'python' or 'numpy', not {backend!r}")
    return compile_float(root, observe)


def _numpy_backend() -> Callable[[Value, Iterable[Value]], CompiledGraph]:
    """The numpy replay's compiler, imported on first use: numpy is an optional dependency.

    The arrow points one way: :mod:`~autograd_scalar.compile_numpy` never imports this
    module, so importing it here closes no cycle.
    """
    try:
        from .compile_numpy import compile_numpy
    except ModuleNotFoundError as error:
        if error.name != "numpy":
            raise
        raise ImportError(
            'compile_graph(..., backend="numpy") needs numpy: pip install "autograd-scalar[fast]"'
        ) from None
    return compile_numpy
