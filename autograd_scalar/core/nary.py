"""n-ary operations: one node for many terms. A neuron's sum of w_i * x_i + b is one
``dot`` node instead of 2n binary ones; ``sum`` adds many terms in one node.

>>> from autograd_scalar import Value
>>> w = [Value(0.5), Value(-1.0)]
>>> dot(w, [2.0, 3.0], bias=1.0).data
-1.0
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Iterable, Sequence
from typing import Any

from .._generated.value_methods import RULES
from .modes import OPEN, observe
from .numbers import constant, number
from .rule import Rule
from .value import Operand, Value

__all__ = ["dot", "dot_operands", "sum"]

_SUM = RULES["sum", "nary"]
_DOT = RULES["dot", "nary"]
_DOT_MIXED = RULES["dot", "mixed"]
_VALUE_TYPE = {Value}
_new = object.__new__


def sum(terms: Iterable[Operand]) -> Value:
    """The sum of many terms as one node; each Value term gets derivative 1.

    Plain numbers among the terms add up into one constant, not parents.

    >>> import autograd_scalar as ag
    >>> xs = [Value(1.0), Value(2.0), 3]
    >>> s = ag.sum(xs)
    >>> s.data, len(s.parents)
    (6.0, 2)
    """
    parents: list[Value] = []
    total = 0.0
    for term in terms:
        if isinstance(term, Value):
            parents.append(term)
        else:
            found = constant(term)
            if found is None:
                raise TypeError(f"sum: terms must be Values or numbers, not {type(term).__name__}")
            total += found
    data = builtins.sum([p.data for p in parents]) + total
    return _node(data, tuple(parents), _SUM, total)


def dot(
    weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand | None = None
) -> Value:
    """sum_i weights[i] * inputs[i] + bias, as one node.

    Derivatives: d/dw_i = x_i, d/dx_i = w_i, d/dbias = 1. Numbers among the
    arguments are constants; the Values among them are the node's parents.

    >>> w = [Value(0.5), Value(-1.0)]
    >>> out = dot(w, [2.0, 3.0], bias=Value(0.25))
    >>> out.data
    -1.75
    >>> out.backward(); [wi.grad for wi in w]
    [2.0, 3.0]
    """
    if len(weights) != len(inputs):
        raise ValueError(
            f"dot: got {len(weights)} weights but {len(inputs)} inputs; they must match"
        )
    # A hidden neuron's case first, checked with C-level loops: every weight and
    # every input a Value, and the bias a Value or absent.
    if (
        (bias is None or type(bias) is Value)
        and set(map(type, weights)) <= _VALUE_TYPE
        and set(map(type, inputs)) <= _VALUE_TYPE
    ):
        data = builtins.sum(
            map(operator.mul, [w.data for w in weights], [x.data for x in inputs])  # type: ignore[union-attr]
        )
        parents: tuple[Value, ...] = (*weights, *inputs)  # type: ignore[arg-type]
        if bias is None:
            return _node(data + 0.0, parents, _DOT, 0.0)
        return _node(data + bias.data, (*parents, bias), _DOT, None)
    ws = tuple(_dot_operand(w, "weights") for w in weights)
    xs = tuple(_dot_operand(x, "inputs") for x in inputs)
    b = _dot_operand(0.0 if bias is None else bias, "bias")
    data = builtins.sum(map(operator.mul, map(number, ws), map(number, xs))) + number(b)
    parents = tuple(v for v in (*ws, *xs, b) if type(v) is not float)  # type: ignore[misc]
    return _node(data, parents, _DOT_MIXED, (ws, xs, b))


def _dot_operand(x: Operand, role: str) -> Value | float:
    """A dot operand as stored: a Value, or a plain number as a float."""
    if isinstance(x, Value):
        return x
    found = constant(x)
    if found is None:
        raise TypeError(f"dot: {role} must be Values or numbers, not {type(x).__name__}")
    return found


def _node(data: float, parents: tuple[Value, ...], rule: Rule, second: Any) -> Value:
    out: Value = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._consumers = 0
    if not parents:
        out._rule = out._first = out._second = None
        return out
    out._rule = rule
    out._first = parents
    out._second = second
    return observe(out) if OPEN.count else out


def dot_operands(node: Value) -> tuple[tuple[Operand, ...], tuple[Operand, ...], Operand]:
    """The (weights, inputs, bias) of a ``dot`` node, Values and constants in their places.

    >>> w = Value(2.0)
    >>> dot_operands(dot([w], [3.0]))
    ((Value(data=2.0, grad=0.0),), (3.0,), 0.0)
    """
    arguments = node.arguments
    return arguments["weights"], arguments["inputs"], arguments["bias"]
