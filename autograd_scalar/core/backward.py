"""``backward``: the chain rule applied over a graph, output first, without recursion.

Read this third. Reverse mode has two steps:

1. count, for every node below the output, the edges into it from the nodes
   that use it (its *consumers*);
2. Kahn's algorithm from the output: a node's gradient is complete once every
   node that consumes it has passed its share back, so it is processed right
   then; its Rule's backward adds ``node.grad`` times each local derivative into
   its parents' ``grad`` and releases each parent whose count reaches zero.

Each count returns to zero on the way, ready for the next backward.

>>> from autograd_scalar import Value
>>> x = Value(2.0)
>>> y = x * x + x  # x is used three times: 2x + 1 = 5
>>> y.backward()
>>> x.grad
5.0
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from .functions import accumulate
from .graph import topological_order
from .numbers import number

if TYPE_CHECKING:
    from .value import Value

__all__ = ["backward"]

_lock = threading.RLock()
"""Held by every backward pass: passes through shared nodes from several threads take
turns, because each pass keeps scratch counts and gradients in the nodes it visits."""


def backward(root: Value, gradient: float | Value = 1.0, create_graph: bool = False) -> None:
    """Add ``d root / d leaf`` (times ``gradient``) to every leaf's grad below ``root``.

    ``Value.backward`` documents the semantics; this is its implementation.
    """
    with _lock:
        _backward(root, gradient, create_graph)


def _backward(root: Value, gradient: float | Value, create_graph: bool) -> None:
    value_type = type(root)
    if root._rule is None:  # a leaf: nothing to propagate
        if create_graph:
            total = accumulate(root.grad, gradient)
            root.grad = total if isinstance(total, value_type) else value_type(total)
        else:
            root.grad = root.grad + gradient
        return
    _count_consumers(root)
    root.grad = gradient if create_graph else number(gradient)
    try:
        _propagate(root, create_graph)
    except BaseException:
        for node in topological_order(root):  # leave no count behind for the next pass
            node._consumers = 0
        raise
    if create_graph:
        for node in topological_order(root):
            if type(node.grad) is not value_type:
                node.grad = value_type(node.grad)


def _count_consumers(root: Value) -> None:
    """Set ``_consumers`` of every non-leaf below ``root`` to the number of edges into it,
    and reset its grad. Leaves are skipped: they are never processed, only added to."""
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        fanin = node._rule.fanin  # type: ignore[union-attr]  # only non-leaves are pushed
        if fanin == 1:  # the commonest case, without making a tuple
            parent = node._first
            if parent._rule is not None:
                count = parent._consumers
                parent._consumers = count + 1
                if not count:
                    parent.grad = 0.0
                    push(parent)
            continue
        for parent in (node._first, node._second) if fanin else node._first:
            if parent._rule is not None:
                count = parent._consumers
                parent._consumers = count + 1
                if not count:
                    parent.grad = 0.0
                    push(parent)


def _propagate(root: Value, create_graph: bool) -> None:
    ready = [root]
    pop, push = ready.pop, ready.append
    if create_graph:
        while ready:
            node = pop()
            node._rule.backward_graph(node, push)  # type: ignore[union-attr]
    else:
        while ready:
            node = pop()
            node._rule.backward(node, push)  # type: ignore[union-attr]  # only non-leaves
