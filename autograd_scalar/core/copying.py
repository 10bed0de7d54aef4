"""Copying and pickling a whole graph, iteratively, so that a chain of any depth works.

A pickled graph is flat: its nodes listed inputs first, each linked to its
parents by position. Its leaves are pickled as objects, so a model's
parameters stay shared with it.

>>> import copy, pickle
>>> from autograd_scalar import Value
>>> x = Value(2.0, label="x")
>>> y = pickle.loads(pickle.dumps(x * x + 1))
>>> y.data, y.op, copy.deepcopy(y).parents[0].op
(5.0, 'add', 'mul')
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .._generated.value_methods import RULES
from .graph import topological_order

if TYPE_CHECKING:
    from .value import Value

__all__ = ["deep_copy", "flatten", "unflatten"]

_new = object.__new__


class _Position(int):
    """In a flattened graph: the position of the node a slot refers to."""


def _relink(slot: Any, found: Any, value_type: type) -> Any:
    """A node slot with each Value in it replaced by ``found[id(value)]`` (or by position)."""
    if type(slot) is tuple:
        return tuple(_relink(item, found, value_type) for item in slot)
    if type(slot) is value_type:
        return found[id(slot)]
    if type(slot) is _Position:
        return found[slot]
    return slot


def deep_copy(root: Value, memo: dict[int, Any]) -> Value:
    """A copy of the graph below ``root``, sharing nothing (``copy.deepcopy``'s hook)."""
    value_type = type(root)
    for node in reversed(topological_order(root)):
        if id(node) in memo:
            continue
        twin = _new(value_type)
        twin.data, twin.label, twin._consumers = node.data, node.label, 0
        twin.grad = copy.deepcopy(node.grad, memo)
        twin._rule = node._rule
        twin._first = _relink(node._first, memo, value_type)
        twin._second = _relink(node._second, memo, value_type)
        memo[id(node)] = twin
    copied: Value = memo[id(root)]
    return copied


def flatten(root: Value) -> list[Any]:
    """The graph below ``root`` as records, inputs first: a leaf as itself, any other node
    as (data, grad, label, (op name, layout), first, second) with parents as positions."""
    value_type = type(root)
    position: dict[int, _Position] = {}
    records: list[Any] = []
    for node in reversed(topological_order(root)):
        rule = node._rule
        if rule is None:
            records.append(node)
        else:
            records.append((node.data, node.grad, node.label, (rule.op.name, rule.layout),
                            _relink(node._first, position, value_type),
                            _relink(node._second, position, value_type)))
        position[id(node)] = _Position(len(records) - 1)
    return records


def unflatten(records: list[Any]) -> Value:
    """The graph :func:`flatten` listed; returns its root (the last record)."""
    value_type = type(records[0])  # inputs come first: the first record is a leaf
    nodes: list[Value] = []
    for record in records:
        if type(record) is value_type:
            nodes.append(record)
            continue
        node = _new(value_type)
        node.data, node.grad, node.label = record[:3]
        node._rule = RULES[record[3]]
        node._first = _relink(record[4], nodes, value_type)
        node._second = _relink(record[5], nodes, value_type)
        node._consumers = 0
        nodes.append(node)
    return nodes[-1]
