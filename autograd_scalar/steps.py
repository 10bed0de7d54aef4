"""The forward and backward passes as sequences of steps, to watch and to check them.

:func:`forward_steps` lists a graph's Values in an order they can be computed
in, each after the Values it is made from. :func:`backward_steps` is the chain
rule as ``backward()`` applies it, one :class:`BackwardStep` per Value in the
order backward reaches them (:func:`~autograd_scalar.engine.topological_order`,
the output first): the Value's gradient, complete at that point, and for each
parent an :class:`Edge` with the local derivative and the contribution added
into the parent's gradient. Both come from the op table's templates, evaluated
on floats as the engine's rules evaluate them, and they are added up in
backward's order, so each running sum is bit for bit the ``grad`` that
``backward()`` computes.

The step-through explorer (:func:`autograd_scalar.explore`) shows these steps;
code and notebooks can read them too:

>>> from autograd_scalar import Value
>>> x, w = Value(0.5, label="x"), Value(-1.2, label="w")
>>> out = x * w
>>> [v.label or v.op for v in forward_steps(out)]
['x', 'w', 'mul']
>>> first = backward_steps(out)[0]
>>> first.node is out, first.gradient
(True, 1.0)
>>> [(e.parent.label, e.local_derivative, e.contribution) for e in first.edges]
[('x', -1.2, -1.2), ('w', 0.5, 0.5)]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from types import CodeType
from typing import Any

from .engine import Value, topological_order
from .ops import FLOAT_FUNCTIONS, Op

__all__ = ["BackwardStep", "Edge", "backward_steps", "forward_steps"]


@dataclass(frozen=True, eq=False)
class Edge:
    """Gradient sent by one backward step from ``consumer`` into one of its ``parent`` Values.

    * ``role``: which operand the parent is, as the op table names it: ``"a"``,
      ``"b"``, ``"terms[2]"``, ``"weights[0]"``, ``"inputs[0]"``, ``"bias"``;
    * ``template``: the op table's derivative template for that operand
      (``"{g} * {b}"``; ``"{g}"`` for a bias);
    * ``local_derivative``: d consumer / d parent, the template with ``g = 1``;
    * ``contribution``: the template with the consumer's gradient as ``g``,
      which is what ``backward()`` adds into the parent's gradient;
    * ``grad_after``: the parent's gradient once this contribution is added, the
      running sum over the parent's consumers so far.

    ``sum`` and ``dot`` nodes add nothing when their gradient is 0 (a ReLU that
    is off), as ``backward()`` skips them: then ``contribution`` is 0.0 and
    ``grad_after`` the parent's gradient before.
    """

    consumer: Value
    parent: Value
    role: str
    template: str
    local_derivative: float
    contribution: float
    grad_after: float


@dataclass(frozen=True, eq=False)
class BackwardStep:
    """One Value as ``backward()`` processes it.

    * ``node``: the Value;
    * ``gradient``: d root / d node, complete at this step: the seed for the
      root, else the sum of ``received``'s contributions;
    * ``received``: the edges that brought it, in the order they were added
      (empty for the root);
    * ``edges``: what it sends on to its parents, one :class:`Edge` per operand
      that is a Value, in the order backward adds them (empty for a leaf).
    """

    node: Value
    gradient: float
    received: tuple[Edge, ...]
    edges: tuple[Edge, ...]


def forward_steps(root: Value) -> list[Value]:
    """The Values of ``root``'s graph in an order of computing them: each after its parents.

    It is the reverse of the order backward processes them, so ``root`` comes last.

    >>> from autograd_scalar import Value
    >>> x = Value(3.0, label="x")
    >>> [v.label or v.op for v in forward_steps((x * x).tanh())]
    ['x', 'mul', 'tanh']
    """
    _check_root(root, "forward_steps")
    return topological_order(root)[::-1]


def backward_steps(root: Value, gradient: float = 1.0) -> list[BackwardStep]:
    """The backward pass from ``root`` as steps: what ``root.backward(gradient)`` computes.

    One :class:`BackwardStep` per Value, in the order backward processes them,
    ``root`` first. Each node's ``gradient`` equals, bit for bit, the ``grad`` that
    ``backward()`` gives it when the leaves start from zero gradients; nothing
    in the graph changes (no ``.grad`` is written).

    >>> from autograd_scalar import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x                      # dy/dx = 2x + 3 = 7
    >>> steps = backward_steps(y)
    >>> [(s.node.label or s.node.op, s.gradient) for s in steps]
    [('add', 1.0), ('mul', 1.0), ('mul', 1.0), ('x', 7.0)]
    >>> [e.contribution for e in steps[-1].received]   # from 3 * x, then from x * x (twice)
    [3.0, 2.0, 2.0]
    """
    _check_root(root, "backward_steps")
    if isinstance(gradient, bool) or not isinstance(gradient, (int, float)):
        raise TypeError(
            f"backward_steps: gradient must be a number, not {type(gradient).__name__}"
        )
    order = topological_order(root)
    # A non-leaf root starts from the gradient itself, a leaf from 0.0 + gradient, as in backward.
    totals: dict[Value, float] = {root: float(gradient) if root.parents else 0.0 + gradient}
    received: dict[Value, list[Edge]] = {}
    steps = []
    for node in order:
        g = totals.get(node, 0.0)
        edges = []
        for role, parent, template, local, contribution in _terms(node, g):
            total = totals.get(parent, 0.0)
            if contribution is not None:
                total = total + contribution
            totals[parent] = total
            edge = Edge(node, parent, role, template, local,
                        0.0 if contribution is None else contribution, total)
            edges.append(edge)
            received.setdefault(parent, []).append(edge)
        steps.append(BackwardStep(node, g, tuple(received.pop(node, ())), tuple(edges)))
    return steps


def _check_root(root: object, name: str) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"{name} needs a Value, the output of a computation, "
                        f"not {type(root).__name__}")


Term = tuple[str, Value, str, float, "float | None"]


def _terms(node: Value, g: float) -> Iterator[Term]:
    """(role, parent, template, local derivative, contribution or None) per Value operand,
    in the order the engine's backward rule adds them."""
    op = node.operation
    if op is None:
        return
    arguments = node.arguments
    out = node.data
    if op.arity:
        fields = {name: _number(arguments[name]) for name in (*op.operands,
                                                             *op.parameter_names)}
        for index, (name, template) in enumerate(zip(op.operands, op.grads)):
            parent = arguments[name]
            if isinstance(parent, Value):
                local = _evaluate(op, index, {**fields, "out": out, "g": 1.0})
                added = _evaluate(op, index, {**fields, "out": out, "g": g})
                yield name, parent, template, local, added
        return
    # sum and dot: per term, each role's operand; then the bias. They skip a zero gradient.
    skipped = not g
    for k in range(len(arguments[op.roles[0]])):
        fields = {name: _number(arguments[role][k]) for name, role in zip(op.operands, op.roles)}
        for index, role in enumerate(op.roles):
            parent = arguments[role][k]
            if isinstance(parent, Value):
                local = _evaluate(op, index, {**fields, "out": out, "g": 1.0})
                sent = None if skipped else _evaluate(op, index, {**fields, "out": out, "g": g})
                yield f"{role}[{k}]", parent, op.grads[index], local, sent
    bias = arguments["bias"]
    if isinstance(bias, Value):
        yield "bias", bias, "{g}", 1.0, None if skipped else g


def _number(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _evaluate(op: Op, index: int, fields: dict[str, float]) -> float:
    """The op's ``index``-th derivative template evaluated on floats, as its rule computes it."""
    code = _compiled(op.name, op.grads[index], op.operands, op.parameter_names)
    result: float = eval(code, _FUNCTIONS, fields)  # a template of the op table, compiled once
    return result


_FUNCTIONS: dict[str, Any] = {"__builtins__": {}, **FLOAT_FUNCTIONS}


@cache
def _compiled(
    op_name: str, template: str, operands: tuple[str, ...], parameters: tuple[str, ...]
) -> CodeType:
    """A derivative template as a Python expression over its own names, compiled once."""
    names = {name: name for name in (*operands, *parameters, "g", "out")}
    return compile(template.format(**names), f"<{op_name} derivative>", "eval")
