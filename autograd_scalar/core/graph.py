"""Walking a built graph: the two orders every interpreter uses, each one iterative.

>>> from autograd_scalar import Value
>>> x = Value(1.0, label="x")
>>> y = (x * 2).exp()
>>> [v.op or v.label for v in topological_order(y)]
['exp', 'mul', 'x']
>>> [v.op or v.label for v in parents_first([y])]
['x', 'mul', 'exp']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from itertools import chain
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value

__all__ = ["consumer_counts", "describe_op", "parents_first", "topological_order"]


def consumer_counts(root: Value) -> dict[Value, int]:
    """For every Value in ``root``'s graph: how many edges lead into it from the Values
    using it (the root: none).

    >>> from autograd_scalar import Value
    >>> x = Value(1.0)
    >>> consumer_counts(x * x + x)[x]
    3
    """
    seen = {root}
    stack = [root]
    edges = []
    while stack:
        parents = stack.pop().parents
        edges.append(parents)
        if len(parents) < _WIDE:
            for parent in parents:
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        else:  # a neuron's many inputs: the set operations run in C
            fresh = set(parents)
            fresh -= seen
            seen |= fresh
            stack.extend(fresh)
    # Counting every edge at once, in C, is what makes this fast on a batch of wide layers.
    counts: dict[Value, int] = Counter(chain.from_iterable(edges))
    counts[root] = 0
    return counts


_WIDE = 8
"""Parents past which a node's new parents are found with set operations."""


def topological_order(root: Value) -> list[Value]:
    """Every Value in ``root``'s graph, each after all the Values computed from it.

    The order backward visits them: ``root`` first, leaves last. Iterative, so
    any depth works; every interpreter of the graph (replays, renderer) walks
    it with this.
    """
    consumers = consumer_counts(root)
    order = []
    ready = [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            consumers[parent] -= 1
            if not consumers[parent]:
                ready.append(parent)
    return order


def parents_first(outputs: Sequence[Value]) -> list[Value]:
    """Every Value the ``outputs`` were computed from, and the outputs, each after its parents.

    The order forward mode evaluates a graph in: inputs first. It is one walk
    however many outputs share the graph.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    for output in outputs:
        if output in visited:
            continue
        visited.add(output)
        stack: list[tuple[Value, Iterator[Value]]] = [(output, iter(output.parents))]
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if parent not in visited:
                    visited.add(parent)
                    stack.append((parent, iter(parent.parents)))
                    break
            else:  # every parent is placed: the node can follow them
                stack.pop()
                order.append(node)
    return order


def describe_op(node: Value) -> str:
    """A short label for the operation that made ``node``, constants included.

    >>> from autograd_scalar import Value
    >>> x = Value(1.0)
    >>> describe_op(x * 2), describe_op(2 - x), describe_op(x.leaky_relu(0.1))
    ('* 2', '2 -', 'leaky_relu(0.1)')
    """
    op = node.operation
    return "" if op is None else op.label(node.arguments)
