"""Writing and running generated code: what the float replay and the numpy replay share.

Both back ends turn a graph into Python source, one named line per node, as
``torch.fx`` does. This module holds the pieces they write it with:

* :class:`Names`: the variable holding each node's value and gradient;
* :func:`literal`: a float as source that gives back exactly that float;
* :func:`leaf_names`: variable names for leaves, after their labels;
* :func:`forward_expression` and :func:`backward_lines`: a node's forward line
  and the lines sending its gradient to its parents, from the op table's
  templates;
* :func:`run_source`: running generated source registered with ``linecache``,
  so that tracebacks and pdb show its lines.

>>> from autograd_scalar import Value
>>> a, b = Value(3.0, label="a"), Value(4.0, label="b")
>>> c = a * b
>>> names = Names()
>>> names.value.update({a: "a", b: "b", c: "v0"})
>>> names.grad.update({a: "d_a", b: "d_b", c: "g0"})
>>> forward_expression(c, names)
'a * b'
>>> backward_lines(c, names, "")
['d_a = g0 * b', 'd_b = g0 * a']
"""

from __future__ import annotations

import itertools
import keyword
import linecache
import math
import re
import sys
from types import TracebackType
from typing import Any

from .engine import Value
from .ops import FLOAT_FUNCTIONS, Op

__all__ = [
    "MAX_CHAIN",
    "Names",
    "backward_lines",
    "backward_start",
    "forward_expression",
    "last_frame",
    "leaf_names",
    "literal",
    "operand_names",
    "run_source",
    "term_fields",
]

MAX_CHAIN = 32
"""The most terms a dot's sum is written with ``+`` (nesting one level per term) rather
than ``sum()``."""

# sum() adds floats one by one from 0.0, so ``0.0 + a + b`` is the same number; from
# Python 3.12 it compensates rounding error, and only one or two terms still agree.
_PLAIN_SUM = sys.version_info < (3, 12)

_serial = itertools.count()


def run_source(source: str) -> tuple[str, dict[str, Any]]:
    """Run generated ``source``: its file name and the namespace it defined.

    The source is registered with linecache, so that tracebacks and pdb show it; the
    namespace holds the float helpers op templates call (``relu``, ``inf`` ...).

    >>> filename, namespace = run_source("def double(x):\\n    return 2 * x\\n")
    >>> namespace["double"](21.0), linecache.getline(filename, 2).strip()
    (42.0, 'return 2 * x')
    """
    filename = f"<autograd_scalar compiled graph {next(_serial)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    namespace: dict[str, Any] = {**FLOAT_FUNCTIONS, "inf": math.inf, "nan": math.nan}
    exec(compile(source, filename, "exec"), namespace)
    return filename, namespace


def last_frame(traceback: TracebackType | None, filename: str) -> TracebackType | None:
    """The innermost entry of ``traceback`` in the generated file ``filename`` (None if none)."""
    found = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == filename:
            found = traceback
        traceback = traceback.tb_next
    return found


def literal(x: float) -> str:
    """Source for the float ``x`` that gives back exactly ``x``: inf, nan and -0.0 too.

    >>> literal(0.1), literal(-0.0), literal(float("-inf"))
    ('0.1', '-0.0', '-inf')
    """
    if math.isfinite(x):
        return repr(x)
    return "nan" if math.isnan(x) else ("-inf" if x < 0 else "inf")


class Names:
    """Variable names for one stretch of generated code: values, gradients, constants.

    ``computed`` maps the variable each node's forward line assigns to the node's op
    and operands (the variable holding each number, and where its label comes
    from), so that a failing line can be reported as eager evaluation reports it.
    """

    def __init__(self, computed: dict[str, tuple[Op, list[tuple[Any, Any]]]] | None = None):
        self.value: dict[Value, str] = {}
        self.grad: dict[Value, str] = {}
        self.constant: dict[tuple[Value, int], str] = {}
        self.holder: dict[Value, str] = {}  # per-sample leaves: the local holding the Value
        self.assigned: set[str] = set()  # gradient variables already holding a term
        self.computed = {} if computed is None else computed

    def const(self, node: Value, position: int, value: float) -> str:
        """The name of a per-sample constant, or the constant written out."""
        return self.constant.get((node, position), literal(value))

    def add(self, target: Value, term: str, indent: str) -> str:
        """A line adding ``term`` to ``target``'s gradient (assigning the first time)."""
        name = self.grad[target]
        if name in self.assigned:
            return f"{indent}{name} += {term}"
        self.assigned.add(name)
        return f"{indent}{name} = {term}"

    def name_leaves(self, leaves: list[Value], reserved: re.Pattern[str] | None = None) -> None:
        """Name each leaf's value after its label (see :func:`leaf_names`) and its gradient
        ``d_<name>`` (``gl<i>`` for a leaf named ``l<i>``); ``reserved`` names are taken."""
        for i, (leaf, name) in enumerate(zip(leaves, leaf_names(leaves))):
            if reserved is not None and reserved.fullmatch(name):
                name = f"l{i}"
            self.value[leaf] = name
            self.grad[leaf] = f"d_{name}" if not re.fullmatch(r"l\d+", name) else f"g{name}"


_INTERNAL = re.compile(r"[lvgTRSuhcnox]\d+[vg]?|[LON]|count|node|ready")


def leaf_names(leaves: list[Value]) -> list[str]:
    """Variable names for the leaves: their labels where those make unique identifiers,
    else ``l<i>``.

    >>> leaf_names([Value(1.0, label="w.0"), Value(2.0, label="lambda"), Value(3.0)])
    ['w_0', 'l1', 'l2']
    """
    names: list[str] = []
    taken: set[str] = set(FLOAT_FUNCTIONS) | {"sum", "inf", "nan", "zip", "reversed"}
    for i, leaf in enumerate(leaves):
        name = re.sub(r"\W", "_", leaf.label)
        if (not name.isidentifier() or keyword.iskeyword(name) or name in taken
                or name.startswith("d_") or _INTERNAL.fullmatch(name)):
            name = f"l{i}"
        taken.add(name)
        names.append(name)
    return names


def operand_names(node: Value, names: Names) -> dict[str, str | list[str]]:
    """Each argument of ``node`` as the generated code reads it: a variable, or a constant
    (written out, or a per-sample constant's name); sequences as lists."""
    found: dict[str, str | list[str]] = {}
    position = 0
    for name, argument in node.arguments.items():
        items = argument if type(argument) is tuple else (argument,)
        shown = []
        for x in items:
            if isinstance(x, Value):
                shown.append(names.value[x])
            else:
                shown.append(names.const(node, position, x))
                position += 1
        found[name] = shown if type(argument) is tuple else shown[0]
    return found


def term_fields(node: Value, operands: dict[str, str | list[str]], k: int) -> dict[str, str]:
    """The template names of an n-ary node's ``k``-th term (``w``, ``x`` of a ``dot``)."""
    op: Op = node.operation  # type: ignore[assignment]
    return {name: operands[role][k] for name, role in zip(op.operands, op.roles)}


def forward_expression(node: Value, names: Names) -> str:
    """The float expression computing ``node`` from its parents' variables."""
    op: Op = node.operation  # type: ignore[assignment]
    operands = operand_names(node, names)
    if op.arity:
        _remember(node, names, operands)
        return op.forward.format(**operands, out=names.value[node], g=names.grad[node])
    terms = [op.forward.format(**term_fields(node, operands, k))
             for k in range(len(operands[op.roles[0]]))]
    if len(terms) <= 2 or (_PLAIN_SUM and len(terms) <= MAX_CHAIN):
        # What the eager sum() gives, without building a tuple and calling it.
        total = " + ".join(["0.0", *terms])
    else:
        total = f"sum(({''.join(f'{t}, ' for t in terms)}))"
    return f"{total} + {operands['bias']}"


def _remember(node: Value, names: Names, operands: dict[str, str | list[str]]) -> None:
    """Note what the node's forward line reads, for reporting a failure as eager does."""
    op: Op = node.operation  # type: ignore[assignment]
    if not op.domain:
        return
    read: list[tuple[Any, Any]] = []
    for name in op.operands:
        argument = node.arguments[name]
        if isinstance(argument, Value):
            read.append((operands[name], names.holder.get(argument, argument)))
        else:
            read.append((argument, None))
    names.computed[names.value[node]] = (op, read)


def backward_lines(node: Value, names: Names, indent: str) -> list[str]:
    """Float lines adding ``node``'s gradient, through its local derivatives, into its
    parents'."""
    op: Op = node.operation  # type: ignore[assignment]
    g = names.grad[node]
    operands = operand_names(node, names)
    arguments = node.arguments
    if op.arity:
        fields = {**operands, "out": names.value[node], "g": g}
        return [
            names.add(arguments[name], template.format(**fields), indent)
            for name, template in zip(op.operands, op.grads)
            if isinstance(arguments[name], Value)
        ]
    return _nary_backward(node, names, operands, indent)


def backward_start(names: Names, leaves: list[Value], root: Value) -> list[str]:
    """The first lines of a backward pass: every leaf's gradient 0.0, then the root's 1.0
    (added to its leaf's, when the root is itself a leaf, where backward stops)."""
    grads = [names.grad[leaf] for leaf in leaves]
    lines = [f"    {' = '.join(grads[start:start + 100])} = 0.0"
             for start in range(0, len(grads), 100)]
    names.assigned.update(grads)
    if root.is_leaf:
        return [*lines, f"    {names.grad[root]} += 1.0"]
    names.assigned.add(names.grad[root])
    return [*lines, f"    {names.grad[root]} = 1.0"]


def _nary_backward(
    node: Value, names: Names, operands: dict[str, str | list[str]], indent: str
) -> list[str]:
    """An n-ary node's backward, skipped when its gradient is zero (a relu that is off),
    as the engine skips it. Skipping only leaves out adding 0.0 terms, which change no sum.
    """
    op: Op = node.operation  # type: ignore[assignment]
    g = names.grad[node]
    arguments = node.arguments
    before = set(names.assigned)
    inner = indent + "    "
    lines = [f"{indent}if {g}:"]
    for k in range(len(arguments[op.roles[0]])):
        fields = {**term_fields(node, operands, k), "g": g}
        for role, template in zip(op.roles, op.grads):
            operand = arguments[role][k]
            if isinstance(operand, Value):
                lines.append(names.add(operand, template.format(**fields), inner))
    if isinstance(arguments["bias"], Value):
        lines.append(names.add(arguments["bias"], g, inner))
    first = sorted(names.assigned - before)
    if len(lines) == 1:
        return []
    if first:
        lines += [f"{indent}else:", f"{inner}{' = '.join(first)} = 0.0"]
    return lines
