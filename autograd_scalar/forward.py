"""Forward mode: tangents carried through a computation graph from its inputs to its outputs.

Reverse mode (``backward``) sends the gradient of one output back to every
input, so a full Jacobian of m outputs takes m passes. Forward mode sends one
direction of change forward instead: give each input a *tangent* (how fast it
moves), and every Value computed from them gets its own tangent, how fast it
then moves, by the chain rule applied input side first. A full Jacobian over n
inputs takes n passes; a Jacobian-vector product (``jvp``) takes one.

This is one more interpreter of the op table. Each op's tangent rule, in the
generated ``_tangents.py`` and registered as the op's ``"jvp"`` rule, is its own
derivative templates (the ones backward uses) with the operands' tangents in
place of the incoming gradient ``g``::

    tangent(out) = d out/da · tangent(a) + d out/db · tangent(b)

so a kink or a pole has the same derivative in both modes (``relu`` at 0 passes
nothing on, ``sqrt`` at 0 gives +inf), as in PyTorch. It runs two ways:

* as dual numbers, while the graph is built (:func:`recording`): each of the
  engine's op methods, generated from the same templates, also computes its
  result's tangent from its operands'. This is what ``jvp`` does with numbers,
  at little more than the cost of the forward pass itself;
* over a graph already built (:func:`propagate`), parents first
  (:func:`parents_first`), never backward: for several tangents over one graph
  (``jacfwd``), and for tangents that are Values to differentiate again.

Tangents are plain floats, or with ``create_graph=True`` Values built from the
graph's own Values, so that a tangent can be differentiated again, by either
mode. A tangent of exactly ``0.0`` (a plain number) is passed on as no tangent
at all, as backward passes nothing on through ``relu`` and ``dot``: forward mode
never turns 0 · inf into nan below a unit that is off, and the tangent along
(1, 0, ...) is exactly the partial derivative that ``grad`` gives, even where
another input's derivative is infinite. (``torch.func.jvp`` gives nan there.)

>>> from autograd_scalar import Value
>>> x, y = Value(1.0, label="x"), Value(2.0, label="y")
>>> out = x * y + x.sin()
>>> tangents = propagate(parents_first([out]), {x: 1.0})
>>> tangents[out]  # d out/dx = y + cos x
2.5403023058681398
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from ._tangents import TANGENTS
from .engine import Value, _local, _TangentRecording
from .engine import sum as sum_of
from .ops import OPS, Op, register_rule

__all__ = ["INTERPRETER", "parents_first", "propagate", "recording", "recording_here"]

TangentRule = Callable[..., Any]
"""A tangent rule: ``rule(a, [b,] out, ta, [tb,] *parameters)`` (see ``_tangents.py``)."""

INTERPRETER = "jvp"
"""The name forward mode's rules go by in :attr:`autograd_scalar.ops.Op.rules`."""


def _register_rules() -> None:
    for name, rule in TANGENTS.items():
        register_rule(name, INTERPRETER, rule)
    missing = sorted(set(OPS) - set(TANGENTS))
    if missing:
        raise ImportError(f"no tangent rule for {', '.join(missing)}: "
                          "run python -m autograd_scalar.codegen")


_register_rules()


def parents_first(outputs: Sequence[Value]) -> list[Value]:
    """Every Value the ``outputs`` were computed from, and the outputs, each after its parents.

    The order forward mode evaluates a graph in: inputs first. It is one walk
    however many outputs share the graph, and iterative, so chains of any depth
    work.

    >>> from autograd_scalar import Value
    >>> x = Value(1.0, label="x")
    >>> y = (x * 2).exp()
    >>> [v.op or v.label for v in parents_first([y])]
    ['x', 'mul', 'exp']
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


def propagate(
    order: Sequence[Value], seeds: Mapping[Value, Any], create_graph: bool = False
) -> dict[Value, Any]:
    """The tangent of every Value in ``order`` that moves with the seeded ones, by Value.

    ``order`` lists a graph parents first (:func:`parents_first`); ``seeds``
    gives the tangents of the inputs, floats or Values. A seeded Value keeps its
    seed whatever it was computed from, so a fresh variable made from another
    Value (``x * 1.0``) is differentiated as itself. Values that do not depend
    on a seeded one are left out: their tangent is 0.

    With ``create_graph=True`` the operands handed to the rules are the graph's
    Values, so each tangent is a Value that can be differentiated again;
    otherwise everything is computed on floats.

    >>> from autograd_scalar import Value
    >>> x = Value(3.0)
    >>> y = x * x
    >>> propagate(parents_first([y]), {x: 1.0})[y]  # 2x
    6.0
    """
    tangents = {node: t for node, t in seeds.items() if not _is_zero(t)}
    get = tangents.get
    # One loop with the unary and binary cases written out: it runs once per node.
    for node in order:
        if node in tangents:
            continue
        op = node.operation
        if op is None:
            continue
        rule = op.rules[INTERPRETER]
        parents = node.parents
        if op.arity == 1:
            a = parents[0]
            ta = get(a)
            if ta is None:
                continue
            parameters = [node.arguments[p] for p in op.parameter_names] if op.parameters else ()
            if create_graph:
                tangent = rule(a, node, ta, *parameters)
            else:
                tangent = rule(a.data, node.data, ta, *parameters)
        elif op.arity == 2:
            if len(parents) == 2:
                a, b = parents
                ta, tb = get(a), get(b)
                if ta is None and tb is None:
                    continue
                if create_graph:
                    tangent = rule(a, b, node, ta, tb)
                else:
                    tangent = rule(a.data, b.data, node.data, ta, tb)
            else:  # one operand is a constant, which only the arguments hold
                arguments = node.arguments
                a, b = arguments["a"], arguments["b"]
                moving = parents[0]
                t = get(moving)
                if t is None:
                    continue
                ta, tb = (t, None) if a is moving else (None, t)
                if create_graph:
                    tangent = rule(a, b, node, ta, tb)
                elif a is moving:
                    tangent = rule(a.data, b, node.data, ta, tb)
                else:
                    tangent = rule(a, b.data, node.data, ta, tb)
        else:
            tangent = _nary(node, op, rule, tangents, create_graph)
            if tangent is None:
                continue
        if not (type(tangent) is float and tangent == 0.0):
            tangents[node] = tangent
    return tangents


def recording(
    seeds: Mapping[Value, float] | None = None,
) -> AbstractContextManager[dict[Value, float]]:
    """Forward mode as dual numbers: tangents computed with the values, as the graph is built.

    Inside the block, every op the engine runs in this thread gives its result
    a tangent, from its operands' tangents and its derivative templates (the
    same rules :func:`propagate` applies), on floats. The block yields the
    tangents by Value: ``seeds`` to start with, and more may be added (an input
    made inside the block). A Value without an entry has tangent 0. This is
    what ``jvp`` runs on numbers: no second walk over the graph.

    >>> from autograd_scalar import Value
    >>> x = Value(3.0)
    >>> with recording({x: 1.0}) as tangents:
    ...     y = x * x + 1.0
    >>> tangents[y]  # 2x
    6.0
    """
    tangents = {node: t for node, t in (seeds or {}).items() if not _is_zero(t)}
    return _TangentRecording(tangents, _record_nary)


def recording_here() -> bool:
    """Whether forward mode is :func:`recording` in this thread."""
    return _local.tangents is not None


def _record_nary(node: Value, tangents: dict[Value, float]) -> None:
    """A ``sum`` or ``dot`` node's tangent, recorded as it is made."""
    op = node.operation
    assert op is not None
    tangent = _nary(node, op, op.rules[INTERPRETER], tangents, create_graph=False)
    if tangent is not None and not _is_zero(tangent):
        tangents[node] = tangent


def _is_zero(tangent: Any) -> bool:
    return type(tangent) is float and tangent == 0.0


def _nary(node: Value, op: Op, rule: TangentRule, tangents: dict[Value, Any],
          create_graph: bool) -> Any:
    """A ``sum`` or ``dot`` node's tangent: the sum of its terms' (and its bias's), or None.

    Only the terms with a moving operand are evaluated. Constants are floats, never
    keys of ``tangents``, so looking one up finds nothing.
    """
    get = tangents.get
    arguments = node.arguments
    out = node if create_graph else node.data
    terms = []
    if len(op.roles) == 1:  # sum: a term is one operand
        for a in arguments[op.roles[0]]:
            ta = get(a)
            if ta is not None:
                terms.append(rule(a if create_graph else a.data, out, ta))
    else:  # dot: a term is a weight and an input
        for a, b in zip(*(arguments[role] for role in op.roles)):
            ta, tb = get(a), get(b)
            if ta is None and tb is None:
                continue
            if not create_graph:
                a = a if type(a) is float else a.data
                b = b if type(b) is float else b.data
            terms.append(rule(a, b, out, ta, tb))
    bias = get(arguments["bias"])
    if bias is not None:
        terms.append(bias)
    if not terms:
        return None
    if any(isinstance(t, Value) for t in terms):
        return terms[0] if len(terms) == 1 else sum_of(terms)
    return builtins.sum(terms)
