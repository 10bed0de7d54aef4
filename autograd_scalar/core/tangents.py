"""Forward mode's one mechanism: each op's tangent rule (see core/rule.py), applied node by node.

A tangent is how fast a Value moves when the inputs move along a direction.
Tangents are kept by Value in a dict; a Value without an entry has tangent 0,
and an exact float 0.0 is never stored. The same rules run either as the graph
is built (:func:`recording`: dual numbers) or over a graph already built
(:func:`propagate`).

>>> from autograd_scalar import Value
>>> x = Value(3.0)
>>> y = x * x
>>> propagate([x, y], {x: 1.0})[y]  # 2x
6.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import modes

if TYPE_CHECKING:
    from .value import Value

__all__ = ["is_zero", "propagate", "recording"]


def is_zero(tangent: Any) -> bool:
    """True for an exact float 0.0: a tangent that is stored as none."""
    return type(tangent) is float and tangent == 0.0


def propagate(
    order: Sequence[Value], seeds: Mapping[Value, Any], create_graph: bool = False
) -> dict[Value, Any]:
    """The tangent of every Value in ``order`` that moves with the seeded ones, by Value.

    ``order`` lists a graph parents first (``core.graph.parents_first``); a
    seeded Value keeps its seed whatever it was computed from. With
    ``create_graph=True`` the rules run on the graph's Values, so each tangent
    is a Value that can be differentiated again.
    """
    tangents = {node: t for node, t in seeds.items() if not is_zero(t)}
    for node in order:
        rule = node._rule
        if rule is not None and node not in tangents:
            (rule.tangent_graph if create_graph else rule.tangent)(node, tangents)
    return tangents


def recording(seeds: Mapping[Value, float] | None = None) -> modes.recording:
    """Forward mode as dual numbers: inside the block each op the engine runs in this thread
    gives its result a tangent by its tangent rule, on floats. Yields the tangents by Value.

    >>> from autograd_scalar import Value
    >>> x = Value(3.0)
    >>> with recording({x: 1.0}) as tangents:
    ...     y = x * x + 1.0
    >>> tangents[y]  # 2x
    6.0
    """
    return modes.recording({node: t for node, t in (seeds or {}).items() if not is_zero(t)})
