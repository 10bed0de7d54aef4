"""A Rule: an op as one node runs it, with the node's operand layout and its rules.

An op has a Rule per operand layout, which says what the node's ``_first``
and ``_second`` slots hold:

=========  ==================================================================
layout     slots
=========  ==================================================================
unary      ``_first``: the operand; ``_second``: the parameter, a tuple of
           them, or None
values     ``_first``, ``_second``: the two operands, both Values
left       ``_first``: the first operand; ``_second``: the second, a constant
           (``x * 2``)
right      ``_first``: the second operand; ``_second``: the first, a constant
           (``2 * x``)
nary       ``_first``: every operand, all Values, role by role (then the bias
           if a Value); ``_second``: the bias as a constant, or None
mixed      ``_first``: the Values among the operands; ``_second``: (role
           tuples..., bias) with Values and constants in place
=========  ==================================================================

Each rule (backward on floats, backward on Values, tangent on floats, tangent
on Values) is generated from the op's templates into
``autograd_scalar/_generated/``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .ops import Op

if TYPE_CHECKING:
    from .value import Value

__all__ = ["BackwardRule", "Layout", "Rule", "TangentRule"]

Layout = str
"""One of ``"unary"``, ``"values"``, ``"left"``, ``"right"``, ``"nary"``, ``"mixed"``."""

BackwardRule = Callable[["Value", Callable[["Value"], None]], None]
"""``backward(node, ready)``: see :class:`Rule`."""

TangentRule = Callable[["Value", dict[Any, Any]], None]
"""``tangent(node, tangents)``: see :class:`Rule`."""

FANIN = {"values": 2, "nary": 0, "mixed": 0}
"""How a node of each layout holds its parents (see :attr:`Rule.fanin`); 1 for the others."""


class Rule:
    """An operation as one node runs it: the op, the operand layout, and its rules.

    ``fanin`` is how the node holds its parents: 1 (``_first``), 2 (``_first``
    and ``_second``) or 0 (all of them, as a tuple in ``_first``).

    ``backward(node, ready)`` adds the node's gradient, times its local
    derivatives, into its parents' ``grad``, then releases each parent: it
    counts down the parent's ``_consumers`` and calls ``ready(parent)`` when
    none are left, so the parent's gradient is complete.
    ``backward_graph`` does the same with Values, for ``create_graph=True``.

    ``tangent(node, tangents)`` sets ``tangents[node]`` from its operands'
    entries in ``tangents`` (forward mode: the same derivative templates with the
    operands' tangents in place of the gradient); no entry means tangent 0.
    ``tangent_graph`` does the same with Values.
    """

    __slots__ = ("backward", "backward_graph", "fanin", "layout", "op", "tangent",
                 "tangent_graph")

    def __init__(self, op: Op, layout: Layout, backward: BackwardRule,
                 backward_graph: BackwardRule, tangent: TangentRule,
                 tangent_graph: TangentRule) -> None:
        self.op = op
        self.layout = layout
        self.fanin = FANIN.get(layout, 1)
        self.backward = backward
        self.backward_graph = backward_graph
        self.tangent = tangent
        self.tangent_graph = tangent_graph

    def __repr__(self) -> str:
        return f"Rule({self.op.name}, {self.layout})"

    def arguments(self, node: Value) -> dict[str, Any]:
        """The node's operands and parameters by name (see ``Value.arguments``)."""
        layout, first, second = self.layout, node._first, node._second
        op = self.op
        if layout == "nary":
            count = len(op.roles)
            n = (len(first) - (second is None)) // count
            found: dict[str, Any] = {
                role: first[k * n : (k + 1) * n] for k, role in enumerate(op.roles)
            }
            found["bias"] = first[-1] if second is None else second
            return found
        if layout == "mixed":
            return {**dict(zip(op.roles, second)), "bias": second[-1]}
        if layout == "values" or layout == "left":
            return {"a": first, "b": second}
        if layout == "right":
            return {"a": second, "b": first}
        names = op.parameter_names
        values = (second,) if len(names) == 1 else (second or ())
        return {"a": first, **dict(zip(names, values))}
