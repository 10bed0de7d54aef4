"""Replay a batch's graph as numpy array code: every sample at once, neurons as matrix products.

``compile_graph(loss, backend="numpy")`` takes the batches the float replay
loops over (:func:`~autograd_scalar.batches.find_batches`: the same-shaped
per-sample subgraphs that feed a ``sum``, the terms of a batch loss), and writes
each one's body once as array code over a sample axis:

* a per-sample leaf (an input) is a column, gathered once per replay; a
  per-sample constant (an input given as a number, a target) is a column fixed
  at compile time; a shared leaf (a weight) is one number;
* each op runs once over all samples, through its numpy form (derived from its
  templates in the op table: ``a if c else b`` becomes ``where(c, a, b)``);
* the ``dot`` nodes of a sample that read the same inputs with shared weights
  (a layer of neurons) become one matrix product, and the element-wise ops
  applied to each of their results become one op on the matrix, so an MLP's
  step is a handful of ``@``: the tensor program a person would write, found
  in scalar code without knowing about :class:`~autograd_scalar.nn.MLP`;
* a shared leaf's gradient is the sum over the samples.

The program does not depend on the number of samples: ``g(samples)`` replays it
on another batch of any size. Graph parts that are not repeated run as float
code, as in the float replay.

>>> from autograd_scalar import Value, dot, sum
>>> w = [Value(0.5, label="w0"), Value(-1.0, label="w1")]
>>> loss = sum([dot(w, [x, 1.0]).tanh() for x in (0.0, 1.0, 2.0, 3.0)])
>>> g = compile_numpy(loss)
>>> round(g(), 12), round(w[0].grad, 12)
(-0.761594155956, 5.145790931864)
>>> print(next(line for line in g.source.splitlines() if "@" in line))
    h0 = C0 @ W0.T
"""

from __future__ import annotations

import ast
import functools
import math
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .batches import Batch, find_batches
from .compile_float import CompiledGraph
from .core.graph import consumer_counts
from .emit import (
    Names,
    backward_lines,
    backward_start,
    forward_expression,
    literal,
    operand_names,
    run_source,
    term_fields,
)
from .engine import Value

if TYPE_CHECKING:
    from .optim import Optimizer
from .core.functions import HELPERS, resolve
from .ops import FUNCTIONS, OPS, Op, called_functions, template_names

__all__ = [
    "NUMPY_FUNCTIONS", "NUMPY_HELPERS", "ArrayGraph", "TorchLoss", "compile_numpy", "numpy_form",
]

# ---------------------------------------------------------------------------
# The numpy form of each op: its templates, with conditionals as where()


def _elementwise(function: Any, arity: int = 1) -> Any:
    """A scalar helper applied element by element (exactly the float semantics, slower).

    Where it raises, the element is nan, as the other array forms give: the check after
    an op with a domain then evaluates that sample as eager evaluation does, which raises
    eager's error."""

    def one(*xs: Any) -> float:
        try:
            return float(function(*map(float, xs)))
        except (ArithmeticError, ValueError):
            return math.nan

    each = np.frompyfunc(one, arity, 1)
    return lambda *xs: np.asarray(each(*xs), dtype=float)


def _sign(x: Any) -> Any:
    return np.sign(x) + 0.0  # 0.0 at -0.0, as the float helper gives


def _sqrt_grad(root: Any) -> Any:
    return np.where(root == 0.0, math.inf, 0.5 / root)


def _sigmoid(x: Any) -> Any:
    z = np.exp(-np.abs(x))
    return np.where(x >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))


def _softplus(x: Any) -> Any:
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


NUMPY_HELPERS: dict[str, Any] = {
    "erf": _elementwise(math.erf),
    "sigmoid": _sigmoid,
    "softplus": _softplus,
    "reciprocal": lambda x: 1.0 / x,
    "sign": _sign,
    "sqrt_grad": _sqrt_grad,
    "power": _elementwise(HELPERS["power"], 2),
    "pow_grad_base": _elementwise(HELPERS["pow_grad_base"], 2),
    "pow_grad_exponent": _elementwise(HELPERS["pow_grad_exponent"], 2),
}
"""The array helpers that the numpy forms of :data:`~autograd_scalar.ops.FUNCTIONS` name."""

NUMPY_FUNCTIONS: dict[str, Any] = {
    "where": np.where,
    **{name: resolve(row.numpy, NUMPY_HELPERS)
       for name, row in FUNCTIONS.items() if row.numpy},
}
"""The array form of every function an op template may call that has one, and ``where``."""


class _ToArrays(ast.NodeTransformer):
    """``a if c else b`` -> ``where(c, a, b)``; ``or``/``and`` -> ``|``/``&``."""

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        return ast.Call(ast.Name("where", ast.Load()), [node.test, node.body, node.orelse], [])

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        combine = ast.BitOr() if isinstance(node.op, ast.Or) else ast.BitAnd()
        result = node.values[0]
        for value in node.values[1:]:
            result = ast.BinOp(result, combine, value)
        return result


def _to_arrays(template: str) -> str:
    names = template_names(template)
    tree = ast.parse(template.format(**{name: f"_{name}_" for name in names}), mode="eval")
    text = ast.unparse(_ToArrays().visit(tree))
    return re.sub(r"\b_(\w+)_\b", r"{\1}", text)


@functools.cache
def numpy_form(op: Op) -> tuple[str, tuple[str, ...]]:
    """The op's forward and derivative templates as array code.

    Raises NotImplementedError, naming the op and the function, for an op that
    calls a function without a numpy form: only a graph using it fails to replay.

    >>> numpy_form(OPS["relu"])
    ('where({a} <= 0.0, 0.0, {a})', ('where({a} <= 0.0, 0.0, {g})',))
    """
    for template in (op.forward, *op.grads):
        for name in sorted(called_functions(template)):
            if name not in NUMPY_FUNCTIONS:
                raise NotImplementedError(
                    f"op {op.name!r} calls {name}, which has no numpy form, so a graph using "
                    f"it cannot be replayed with numpy: give the row of {name!r} in the "
                    "FUNCTIONS table (autograd_scalar/core/ops.py) its numpy form"
                )
    return _to_arrays(op.forward), tuple(map(_to_arrays, op.grads))


# ---------------------------------------------------------------------------
# The graph outside the batches (found by autograd_scalar.batches)


def _flat_order(root: Value, stops: set[Value]) -> list[Value]:
    """The Values computed outside the groups (and the leaves they read), parents first."""
    order: list[Value] = []
    done: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if node in done:
            continue
        if expanded or node in stops:
            done.add(node)
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((p, False) for p in reversed(node.parents) if p not in done)
    return order


# ---------------------------------------------------------------------------
# Array code for one group


class _Axes(Enum):
    """What an array expression holds, by the axes it has."""

    SCALAR = "one number"
    ROW = "one number per column of a block: a row of width numbers"
    SAMPLES = "one number per sample and column: shape (samples, width)"


@dataclass(frozen=True)
class _Shape:
    """The axes an array expression has, and its number of columns."""

    axes: _Axes
    width: int = 1

    def join(self, other: _Shape) -> _Shape:
        """The shape of an expression combining these two (numpy's broadcast)."""
        if self.axes is _Axes.SAMPLES or other.axes is _Axes.SAMPLES:
            return _Shape(_Axes.SAMPLES, max(self.width if self.axes is not _Axes.SCALAR else 1,
                                             other.width if other.axes is not _Axes.SCALAR else 1))
        if self.axes is _Axes.ROW or other.axes is _Axes.ROW:
            return _Shape(_Axes.ROW, max(self.width, other.width))
        return self


SCALAR = _Shape(_Axes.SCALAR)
COLUMN = _Shape(_Axes.SAMPLES, 1)


def _reduce(text: str, shape: _Shape, to: _Shape, count: str | None = None) -> str:
    """``text`` summed down to the shape ``to`` (over samples, columns or both).

    ``count`` names the number of samples when ``text`` is each sample's own term: if it
    has no sample axis (it is the same in every sample) and ``to`` has none either, the
    sum over the samples is ``count`` times it.
    """
    if count and to.axes is not _Axes.SAMPLES and shape.axes is not _Axes.SAMPLES:
        text = f"{count} * ({text})"
    if to.axes is _Axes.SCALAR and shape.axes is not _Axes.SCALAR:
        return f"({text}).sum()"
    if to.axes is _Axes.ROW and shape.axes is _Axes.SAMPLES:
        return f"({text}).sum(0)"
    if (to.axes is _Axes.SAMPLES and to.width == 1 and shape.axes is _Axes.SAMPLES
            and shape.width > 1):
        return f"({text}).sum(1, keepdims=True)"
    return text


def _term_shape(template: str, shapes: dict[str, _Shape]) -> _Shape:
    """The shape of a template's value: the broadcast of the shapes of the names it reads."""
    shape = SCALAR
    for name in template_names(template):
        shape = shape.join(shapes.get(name, SCALAR))
    return shape


class _Source(Enum):
    """Where array code reads an operand of a template node from."""

    NODE = "another node of the sample; the operand's value is its position"
    SHARED = "a leaf the same in every sample; the value is its place"
    SAMPLE = "a leaf of each sample's own; the value is its place"
    CONSTANT = "a number the same in every sample; the value is that number"
    COLUMN = "a number of each sample's own; the value is the key of their column"


class _Operand(NamedTuple):
    """An operand of a template node: where it comes from, and which one it is there."""

    source: _Source
    value: Any


@dataclass
class _Ref:
    """An operand as array code reads it, and where a gradient for it goes (None: a constant)."""

    text: str
    shape: _Shape
    sink: Any = None  # a _Sink
    labels: Any = None  # a leaf's label, or each sample's leaf's (for errors)


class _Sink:
    """Somewhere gradient terms are added: a leaf's slot in G, a column of X, a variable."""

    def __init__(self, target: str, shape: _Shape, mode: str = "add") -> None:
        self.target, self.shape, self.mode = target, shape, mode

    def lines(self, term: str, shape: _Shape, writer: _GroupWriter | None,
              aggregated: bool = False) -> list[str]:
        """Lines adding ``term`` (of ``shape``): each sample's term, or with ``aggregated``
        already summed over the samples."""
        count = None if aggregated or writer is None else writer.count
        term = _reduce(term, shape, self.shape, count)
        if self.mode == "add.at":
            return [f"add.at(G, {self.target}, ({term}).ravel())"]
        if self.mode == "ravel" and shape.axes is not _Axes.SCALAR:
            return [f"{self.target} += ({term}).ravel()"]
        return [f"{self.target} += {term}"]


class _VarSink(_Sink):
    """The gradient of a variable of the array code (the whole of it)."""

    def __init__(self, var: _Var) -> None:
        super().__init__(var.grad, var.shape)
        self.var = var

    def lines(self, term: str, shape: _Shape, writer: _GroupWriter | None,
              aggregated: bool = False) -> list[str]:
        var = self.var
        count = None if aggregated or writer is None else writer.count
        term = _reduce(term, shape, var.shape, count)
        shape = shape if _reduce("", shape, var.shape) == "" else var.shape
        if var.preallocated:
            assert writer is not None
            return [*writer.allocate(var), f"{var.grad} += {term}"]
        if var.grad_shape is None:
            var.grad_shape = shape
            return [f"{var.grad} = {term}"]
        var.grad_shape = var.grad_shape.join(shape)
        return [f"{var.grad} = {var.grad} + {term}"]


class _ColumnSink(_Sink):
    """One column of a block variable's gradient."""

    def __init__(self, var: _Var, column: int) -> None:
        super().__init__(var.grad, COLUMN)
        self.var, self.column = var, column

    def lines(self, term: str, shape: _Shape, writer: _GroupWriter | None,
              aggregated: bool = False) -> list[str]:
        assert writer is not None
        c = self.column
        term = _reduce(term, shape, COLUMN)
        return [*writer.allocate(self.var), f"{self.var.grad}[:, {c}:{c + 1}] += {term}"]


@dataclass
class _Var:
    """One variable of the array code: a node's values, or a block of nodes' (one per column)."""

    name: str
    shape: _Shape
    preallocated: bool = False  # gradient built column by column: starts as zeros
    grad_shape: _Shape | None = None

    @property
    def grad(self) -> str:
        return f"g{self.name}"


@dataclass
class _Step:
    """One line of the forward array code and how to run it backward."""

    out: _Var
    forward: str
    backward: Any  # callable(writer) -> list[str]
    check: str = ""


class _GroupWriter:
    """Writes one group's forward and backward array code."""

    def __init__(self, k: int, group: Batch, observed: dict[int, list[Value]],
                 leaves: _ArrayLeaves, namespace: dict[str, Any]) -> None:
        self.k, self.group, self.leaves, self.namespace = k, group, leaves, namespace
        self.observed_nodes = observed
        self.template = group.template
        self.steps: list[_Step] = []
        self.location: dict[int, _Ref] = {}
        self.allocated: set[str] = set()
        self.serial = 0
        self.places = [p for p, same in enumerate(group.shared) if not same]
        self.place_column = {p: i for i, p in enumerate(self.places)}
        self.index = {node: j for j, node in enumerate(self.template.nodes)}
        self.sample_constants: list[str] = []
        self.columns: dict[bytes, Any] = {}  # per-sample constants: the numbers of each column
        self.column_names: dict[bytes, str] = {}
        self.place_of = {leaf: p for p, leaf in enumerate(self.template.places)}
        self.refs = [self._operand_refs(j) for j in range(len(self.template.nodes))]
        self.uniform = self._uniform()
        self.consumers = self._consumers()
        self.blocks = self._blocks()
        for j in range(len(self.template.nodes)):
            if j not in self.location:
                self._lower(j)

    # --- operands -----------------------------------------------------------------------

    def _operand_refs(self, j: int) -> dict[str, Any]:
        """Each argument of template node j as an _Operand; sequences as lists."""
        node = self.template.nodes[j]
        columns = self.group.constants.get(j)
        position = 0
        found: dict[str, Any] = {}
        for name, argument in node.arguments.items():
            items = argument if type(argument) is tuple else (argument,)
            refs = []
            for x in items:
                if not isinstance(x, Value):
                    refs.append(self._constant(position, x, columns))
                    position += 1
                elif x.is_leaf:
                    p = self.place_of[x]
                    source = _Source.SHARED if self.group.shared[p] else _Source.SAMPLE
                    refs.append(_Operand(source, p))
                else:
                    refs.append(_Operand(_Source.NODE, self.index[x]))
            found[name] = refs if type(argument) is tuple else refs[0]
        return found

    def _constant(self, position: int, first: float,
                  columns: list[tuple[float, ...]] | None) -> _Operand:
        if columns is None:
            return _Operand(_Source.CONSTANT, first)
        values = np.array([row[position] for row in columns], dtype=float)
        same = values == values[0]
        if bool(same.all()) and bool((np.signbit(values) == np.signbit(values[0])).all()):
            return _Operand(_Source.CONSTANT, first)
        key = values.tobytes()
        self.columns.setdefault(key, values.reshape(-1, 1))  # the same numbers: one column
        return _Operand(_Source.COLUMN, key)

    def _flat_refs(self, j: int) -> list[_Operand]:
        found: list[_Operand] = []
        for refs in self.refs[j].values():
            found.extend(refs if type(refs) is list else [refs])
        return found

    def _uniform(self) -> set[int]:
        """Nodes whose value is the same in every sample (from shared leaves and constants)."""
        uniform: set[int] = set()
        for j in range(len(self.template.nodes)):
            if all(kind in (_Source.SHARED, _Source.CONSTANT)
                   or (kind is _Source.NODE and ref in uniform)
                   for kind, ref in self._flat_refs(j)):
                uniform.add(j)
        return uniform

    def _consumers(self) -> dict[int, list[int]]:
        consumers: dict[int, list[int]] = {}
        for j in range(len(self.template.nodes)):
            for kind, ref in self._flat_refs(j):
                if kind is _Source.NODE and j not in consumers.setdefault(ref, []):
                    consumers[ref].append(j)
        return consumers

    # --- finding blocks: a layer of dots and the element-wise ops on its results --------

    def _blocks(self) -> dict[int, tuple[str, list[int], Any]]:
        """Template node -> (kind, members, detail) for nodes computed as one block."""
        found: dict[int, tuple[str, list[int], Any]] = {}
        layers: dict[Any, list[int]] = {}
        for j, node in enumerate(self.template.nodes):
            if node.op != "dot" or j in self.uniform:
                continue
            refs = self.refs[j]
            inputs = [kind for kind, _ in refs["inputs"]]
            weights_shared = all(kind is _Source.SHARED for kind, _ in refs["weights"])
            bias_fixed = refs["bias"].source in (_Source.SHARED, _Source.CONSTANT)
            per_sample = (all(k in (_Source.NODE, _Source.SAMPLE, _Source.COLUMN) for k in inputs)
                          or all(k in (_Source.COLUMN, _Source.CONSTANT) for k in inputs))
            if weights_shared and bias_fixed and per_sample:
                layers.setdefault((tuple(refs["inputs"]), refs["bias"][0]), []).append(j)
        queue = []
        for members in layers.values():
            block = ("dot", members, None)
            for j in members:
                found[j] = block
            if len(members) > 1:
                queue.append(members)
        while queue:
            members = queue.pop()
            grown = self._grow(members, found)
            while grown is not None:  # each element-wise op on this block's columns
                block = ("map", grown, None)
                for j in grown:
                    found[j] = block
                queue.append(grown)
                grown = self._grow(members, found)
        return found

    def _grow(self, members: list[int], found: dict[int, tuple[str, list[int], Any]]
              ) -> list[int] | None:
        """The same element-wise op applied to each member: one consumer per column."""
        column = {j: i for i, j in enumerate(members)}
        candidates: dict[Any, list[int | None]] = {}
        for i, j in enumerate(members):
            for c in self.consumers.get(j, ()):
                node = self.template.nodes[c]
                if c in found or c in self.uniform or not node.operation.arity:  # type: ignore[union-attr]
                    continue
                key = (node.op, tuple(
                    "self" if ref == (_Source.NODE, j) else "other" for ref in self._flat_refs(c)))
                slots = candidates.setdefault(key, [None] * len(members))
                if slots[i] is None:
                    slots[i] = c
        for slots in candidates.values():
            if any(c is None for c in slots) or len(set(slots)) != len(slots):
                continue
            if all(self._liftable(slot, slots, column) for slot in
                   range(len(self._flat_refs(slots[0])))):  # type: ignore[arg-type]
                return slots  # type: ignore[return-value]
        return None

    def _liftable(self, slot: int, nodes: list[Any], column: dict[int, int]) -> bool:
        refs = [self._flat_refs(c)[slot] for c in nodes]
        if all(ref.source is _Source.NODE and ref.value in column for ref in refs):
            return True
        if all(ref == refs[0] for ref in refs):
            return refs[0].source is not _Source.NODE or refs[0].value not in column
        return all(ref.source in (_Source.SHARED, _Source.CONSTANT, _Source.COLUMN)
                   and ref.source is refs[0].source
                   for ref in refs)

    # --- lowering -----------------------------------------------------------------------

    def _var(self, shape: _Shape) -> _Var:
        var = _Var(f"h{self.k}_{self.serial}" if self.k else f"h{self.serial}", shape)
        self.serial += 1
        return var

    def _ref(self, ref: _Operand) -> _Ref:
        """How array code reads one operand."""
        kind, value = ref
        if kind is _Source.NODE:
            return self.location[value]
        if kind is _Source.CONSTANT:
            return _Ref(literal(value), SCALAR)
        if kind is _Source.COLUMN:
            if value not in self.column_names:
                self.column_names[value] = self.constant(self.columns[value])
            return _Ref(self.column_names[value], COLUMN)
        if kind is _Source.SHARED:
            i = self.leaves.index(self.template.places[value])
            leaf = self.template.places[value]
            return _Ref(self.leaves.scalar(i), SCALAR, _Sink(f"G[{i}]", SCALAR), leaf.label)
        c = self.place_column[value]
        labels = [leaf.label for leaf in self.group.own_leaves[value]]
        return _Ref(f"X{self.k}[{c}]", COLUMN, _Sink(f"GX{self.k}[{c}]", COLUMN), labels)

    def _lower(self, j: int) -> None:
        block = self.blocks.get(j)
        if block is not None and block[0] == "dot":
            self._lower_dots(block[1])
        elif block is not None:
            self._lower_map(block[1])
        elif self.template.nodes[j].operation.arity:  # type: ignore[union-attr]
            operands = {name: self._ref(ref) for name, ref in self.refs[j].items()}
            self._elementwise([j], operands)
        else:
            self._lower_nary(j)

    def _elementwise(self, members: list[int], operands: dict[str, _Ref]) -> None:
        op: Op = self.template.nodes[members[0]].operation  # type: ignore[assignment]
        forward, grads = numpy_form(op)
        shape = SCALAR
        for ref in operands.values():
            shape = shape.join(ref.shape)
        if len(members) > 1:
            shape = _Shape(_Axes.SAMPLES, len(members))
        out = self._var(shape)
        texts = {name: ref.text for name, ref in operands.items()}
        check = ""
        if op.domain:
            shown = ", ".join(texts[name] for name in (*op.operands, *op.parameter_names))
            labels = tuple(operands[name].labels for name in op.operands)
            named = f", {self.leaves.constant_object('L', labels)}" if any(labels) else ""
            check = f"check({op.name!r}, {out.name}, ({shown},){named})"

        def backward(writer: _GroupWriter) -> list[str]:
            g = writer.gradient(out)
            if g is None:
                return []
            lines = []
            fields = {**texts, "out": out.name, "g": g}
            shapes = {**{n: r.shape for n, r in operands.items()}, "out": out.shape,
                      "g": out.grad_shape or shape}
            for name, template in zip(op.operands, grads):
                ref = operands[name]
                if ref.sink is not None:
                    term = template.format(**fields)
                    lines += ref.sink.lines(term, _term_shape(template, shapes), writer,
                                            aggregated=shape.axes is _Axes.SCALAR)
            return lines

        self.steps.append(_Step(out, forward.format(**texts), backward, check))
        self._place(members, out)

    def _place(self, members: list[int], out: _Var) -> None:
        if len(members) == 1:
            self.location[members[0]] = _Ref(out.name, out.shape, _VarSink(out))
            return
        for i, j in enumerate(members):
            self.location[j] = _Ref(f"{out.name}[:, {i}:{i + 1}]", COLUMN, _ColumnSink(out, i))

    def _block_operand(self, refs: list[_Operand]) -> _Ref | None:
        """The operand of a block op whose column i reads ``refs[i]``, or None if no array
        holds it: a whole block, one operand for all, or a row (a matrix) of constants or
        shared leaves."""
        kind = refs[0].source
        if kind is _Source.NODE and all(r.source is _Source.NODE for r in refs):
            sinks = [self.location[r.value].sink for r in refs]
            var = getattr(sinks[0], "var", None)
            if var is not None and var.shape.width == len(refs) and all(
                    isinstance(s, _ColumnSink) and s.var is var and s.column == i
                    for i, s in enumerate(sinks)):
                return _Ref(var.name, var.shape, _VarSink(var))
        if all(r == refs[0] for r in refs):
            return self._ref(refs[0])
        if any(r.source is not kind for r in refs) or kind in (_Source.NODE, _Source.SAMPLE):
            return None
        if kind is _Source.CONSTANT:
            row = self.leaves.constant("K", [r.value for r in refs])
            return _Ref(row, _Shape(_Axes.ROW, len(refs)))
        if kind is _Source.COLUMN:
            matrix = np.hstack([self.columns[r.value] for r in refs])
            return _Ref(self.constant(matrix), _Shape(_Axes.SAMPLES, len(refs)))
        text, sink = self.leaves.row([self.template.places[r.value] for r in refs])
        return _Ref(text, _Shape(_Axes.ROW, len(refs)), sink)

    def _lower_map(self, members: list[int]) -> None:
        """One element-wise op over the columns of blocks."""
        operands: dict[str, _Ref] = {}
        for name in self.refs[members[0]]:
            operand = self._block_operand([self.refs[c][name] for c in members])
            assert operand is not None  # _liftable said so
            operands[name] = operand
        self._elementwise(members, operands)

    def _inputs(self, refs: list[_Operand]) -> _Ref:
        """A layer's inputs as one (samples, inputs) array: a block, or columns put together."""
        found = self._block_operand(refs) if len(refs) > 1 else self._ref(refs[0])
        width = _Shape(_Axes.SAMPLES, len(refs))
        if found is not None and found.shape == width:
            return found
        if all(kind in (_Source.COLUMN, _Source.CONSTANT) for kind, _ in refs):
            size = self.group.size
            matrix = np.hstack([self.columns[r] if kind is _Source.COLUMN else np.full((size, 1), r)
                                for kind, r in refs])
            return _Ref(self.constant(matrix), width)
        columns = [self._ref(r) for r in refs]
        out = self._var(width)

        def backward(writer: _GroupWriter) -> list[str]:
            g = writer.gradient(out, full=True)
            lines: list[str] = []
            for i, ref in enumerate(columns):
                if g is not None and ref.sink is not None:
                    lines += ref.sink.lines(f"{g}[:, {i}:{i + 1}]", COLUMN, writer)
            return lines

        self.steps.append(_Step(out, f"hstack(({''.join(c.text + ', ' for c in columns)}))",
                                backward))
        return _Ref(out.name, width, _VarSink(out))

    def _lower_dots(self, members: list[int]) -> None:
        """A layer: dots reading the same inputs with shared weights, as one matrix product."""
        refs = self.refs[members[0]]
        x = self._inputs(refs["inputs"])
        weights = [self.template.places[r.value] for j in members for r in self.refs[j]["weights"]]
        w_text, w_sink = self.leaves.matrix(weights, len(members), len(refs["inputs"]))
        bias_refs = [self.refs[j]["bias"] for j in members]
        if bias_refs[0].source is _Source.SHARED:
            b_text, b_sink = self.leaves.row([self.template.places[r.value] for r in bias_refs])
        else:
            b_text, b_sink = self._bias_row([r.value for r in bias_refs]), None
        out = self._var(_Shape(_Axes.SAMPLES, len(members)))
        forward = f"{x.text} @ {w_text}.T" + (f" + {b_text}" if b_text else "")

        def backward(writer: _GroupWriter) -> list[str]:
            g = writer.gradient(out, full=True)
            if g is None:
                return []
            lines = w_sink.lines(f"({g}.T @ {x.text})", _Shape(_Axes.ROW, len(weights)), writer,
                                 aggregated=True)  # the product sums over the samples
            if b_sink is not None:
                lines += b_sink.lines(g, out.shape, writer)
            if x.sink is not None:
                lines += x.sink.lines(f"{g} @ {w_text}", x.shape, writer)
            return lines

        self.steps.append(_Step(out, forward, backward))
        self._place(members, out)

    def _bias_row(self, values: list[float]) -> str:
        if all(v == 0.0 and not math.copysign(1.0, v) < 0 for v in values):
            return ""
        return self.leaves.constant("K", values)

    def constant(self, values: Any) -> str:
        """A name for per-sample constants (a column, or a matrix of columns)."""
        name = self.leaves.constant("C", values)
        self.sample_constants.append(name)
        return name

    def _lower_nary(self, j: int) -> None:
        """A sum or dot of one sample that is not part of a layer: over the columns of a
        block at once where its terms are one, else term by term."""
        node = self.template.nodes[j]
        op: Op = node.operation  # type: ignore[assignment]
        forward, grads = numpy_form(op)
        refs = self.refs[j]
        count = len(refs[op.roles[0]])
        whole = {name: self._block_operand(refs[role]) if count > 1 else None
                 for name, role in zip(op.operands, op.roles)}
        # Every operand a whole block of `count` columns, or a constant the same for all.
        terms: list[dict[str, _Ref]]
        if all(ref is not None and (ref.shape == _Shape(_Axes.SAMPLES, count) or ref.sink is None)
               for ref in whole.values()):
            terms = [{name: ref for name, ref in whole.items() if ref is not None}]
            rows = True
        else:
            terms = [{name: self._ref(refs[role][i]) for name, role in zip(op.operands, op.roles)}
                     for i in range(count)]
            rows = False
        bias = self._ref(refs["bias"])
        term_shape = SCALAR
        for term in terms:
            for ref in term.values():
                term_shape = term_shape.join(ref.shape)
        shape = term_shape.join(bias.shape) if not rows else COLUMN.join(bias.shape)
        out = self._var(shape)
        texts = [forward.format(**{n: r.text for n, r in term.items()}) for term in terms]
        if rows:
            texts = [f"({texts[0]}).sum(1, keepdims=True)"]
        text = " + ".join(texts) + ("" if bias.text == "0.0" else f" + {bias.text}")

        def backward(writer: _GroupWriter) -> list[str]:
            g = writer.gradient(out)
            if g is None:
                return []
            lines = []
            g_shape = out.grad_shape or shape
            for term in terms:
                fields = {**{n: r.text for n, r in term.items()}, "g": g}
                shapes = {**{n: r.shape for n, r in term.items()}, "g": g_shape}
                for name, template in zip(op.operands, grads):
                    if term[name].sink is not None:
                        lines += term[name].sink.lines(
                            template.format(**fields), _term_shape(template, shapes), writer,
                            aggregated=shape.axes is _Axes.SCALAR)
            if bias.sink is not None:
                lines += bias.sink.lines(g, g_shape, writer, aggregated=shape.axes is _Axes.SCALAR)
            return lines

        self.steps.append(_Step(out, text, backward))
        self._place([j], out)

    # --- writing -------------------------------------------------------------------------

    def allocate(self, var: _Var) -> list[str]:
        var.preallocated = True
        if var.grad in self.allocated:
            return []
        self.allocated.add(var.grad)
        var.grad_shape = var.shape
        return [f"{var.grad} = zeros_like({var.name})"]

    def gradient(self, var: _Var, full: bool = False) -> str | None:
        """The name of ``var``'s gradient once complete (None if nothing reached it)."""
        if var.grad_shape is None and var.grad not in self.allocated:
            return None
        if full and var.grad_shape != var.shape:
            self.pending.append(f"{var.grad} = broadcast_to({var.grad}, {var.name}.shape)")
            var.grad_shape = var.shape
        return var.grad

    @property
    def count(self) -> str:
        """The variable holding this replay's number of samples."""
        return f"N{self.k}"

    @property
    def term(self) -> _Ref:
        return self.location[len(self.template.nodes) - 1]

    def forward_lines(self, indent: str, checks: bool = True) -> list[str]:
        lines = []
        for step in self.steps:
            lines.append(f"{indent}{step.out.name} = {step.forward}")
            if step.check and checks:
                lines.append(f"{indent}{step.check}")
        return lines

    def observed(self) -> list[str]:
        """The array expressions of the observed template nodes, in position order."""
        return [self.location[j].text for j in sorted(self.observed_nodes)]

    def backward_lines(self, incoming: str, indent: str) -> list[str]:
        # Column-wise gradients need their block's gradient allocated; find them first.
        for step in self.steps:
            step.out.grad_shape = None
        self.allocated.clear()
        for step in self.steps:
            step.out.preallocated = False
        term = self.term
        lines = []
        if self.places:
            lines.append(f"GX{self.k} = zeros_like(X{self.k})")
        assert term.sink is not None
        lines += term.sink.lines(incoming, SCALAR, self)
        for step in reversed(self.steps):
            self.pending: list[str] = []
            body = step.backward(self)
            lines += self.pending + body
        return [indent + line for line in lines]


class _ArrayLeaves:
    """The leaves array code reads: their data is ``D``, their gradients are added into ``G``.

    A layer's weights get consecutive places, so that its matrix is a slice of ``D``
    (a view: no copy) and its gradient is added into a slice of ``G``.
    """

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.leaves: list[Value] = []
        self.position: dict[Value, int] = {}
        self.namespace = namespace
        self.prologue: list[str] = []
        self.names: set[str] = set()
        self.counts: dict[str, int] = {}

    def constant(self, prefix: str, values: Any) -> str:
        """A name in the namespace for an array of constants: ``C0``, ``K1`` ..."""
        count = self.counts[prefix] = self.counts.get(prefix, -1) + 1
        self.namespace[f"{prefix}{count}"] = np.asarray(values, dtype=float)
        return f"{prefix}{count}"

    def constant_object(self, prefix: str, value: Any) -> str:
        """A name in the namespace for any constant object (the labels of an op's operands)."""
        count = self.counts[prefix] = self.counts.get(prefix, -1) + 1
        self.namespace[f"{prefix}{count}"] = value
        return f"{prefix}{count}"

    def index(self, leaf: Value) -> int:
        if leaf not in self.position:
            self.position[leaf] = len(self.leaves)
            self.leaves.append(leaf)
        return self.position[leaf]

    def scalar(self, i: int) -> str:
        name = self._name([self.leaves[i]], f"s{i}", whole=True)
        line = f"    {name} = D[{i}]"
        if line not in self.prologue:
            self.prologue.append(line)
        return name

    def _place(self, leaves: list[Value]) -> tuple[str, _Sink, str]:
        """``D[...]`` for these leaves, the sink adding their gradients, and that index."""
        new = all(leaf not in self.position for leaf in leaves) and len(set(leaves)) == len(leaves)
        indices = [self.index(leaf) for leaf in leaves]
        if new or indices == list(range(indices[0], indices[0] + len(indices))):
            where = f"{indices[0]}:{indices[-1] + 1}"
            sink = _Sink(f"G[{where}]", _Shape(_Axes.ROW, len(leaves)), "ravel")
            return f"D[{where}]", sink, where
        name = self.constant("I", indices)
        self.namespace[name] = np.array(indices, dtype=np.intp)
        mode = "add.at" if len(set(indices)) != len(indices) else "ravel"
        target = name if mode == "add.at" else f"G[{name}]"
        return f"D[{name}]", _Sink(target, _Shape(_Axes.ROW, len(leaves)), mode), name

    def row(self, leaves: list[Value]) -> tuple[str, _Sink]:
        text, sink, _ = self._place(leaves)
        name = self._name(leaves, f"R{len(self.prologue)}")
        self.prologue.append(f"    {name} = {text}")
        return name, sink

    def matrix(self, leaves: list[Value], rows: int, columns: int) -> tuple[str, _Sink]:
        text, sink, _ = self._place(leaves)
        name = self._name(leaves, f"W{len(self.prologue)}")
        self.prologue.append(f"    {name} = {text}.reshape({rows}, {columns})")
        return name, sink

    def _name(self, leaves: list[Value], fallback: str, whole: bool = False) -> str:
        """A variable name after the leaves' labels: their common dotted prefix and the word
        they share after it (``layers_1_neurons_w`` for ``layers.1.neurons.3.w.0`` ...)."""
        parts = [leaf.label.split(".") for leaf in leaves]
        common: list[str] = []
        for column in zip(*parts):
            if any(c != column[0] for c in column):
                break
            common.append(column[0])
        if not whole and len(common) == min(map(len, parts)):
            common = common[:-1]
        words = [{c for c in p[len(common):] if not c.isdigit()} for p in parts]
        shared = set.intersection(*words) if words else set()
        if len(shared) == 1:
            common.append(shared.pop())
        name = re.sub(r"\W", "_", "_".join(common))
        if (not name.isidentifier() or name in self.names or name in NUMPY_FUNCTIONS
                or _RESERVED.fullmatch(name)):
            name = fallback
        self.names.add(name)
        return name


def _check(built: list[bool]) -> Any:
    """The ``check`` that array code calls after each op with a domain; ``built[0]`` says
    whether this replay is of the samples the graph was built with (whose labels it knows)."""

    def check(op_name: str, out: Any, operands: tuple[Any, ...], labels: tuple[Any, ...] = ()
              ) -> None:
        """Where a result is not finite, evaluate that sample as eager evaluation would,
        which raises eager's error (naming the operand's label) when it is one."""
        if np.isfinite(out).all():
            return
        op = OPS[op_name]
        shape = np.shape(out)
        for flat in np.flatnonzero(~np.isfinite(out)):
            numbers = [float(np.broadcast_to(x, shape).flat[flat]) for x in operands]
            sample = int(flat) // (shape[1] if len(shape) == 2 else 1)
            names = [_label(spec, sample, built[0]) for spec in labels or [None] * len(numbers)]
            _eager(op, numbers, names)

    return check


def _label(spec: Any, sample: int, built: bool) -> str:
    if isinstance(spec, str):
        return spec
    return spec[sample] if built and isinstance(spec, list) and sample < len(spec) else ""


def _eager(op: Op, numbers: list[float], labels: list[str]) -> None:
    """Apply ``op`` to Values of ``numbers`` (operands, then parameters) as user code would."""
    count = len(op.operands)
    operands, parameters = numbers[:count], numbers[count:]
    values = [Value(x, label=label) for x, label in zip(operands, [*labels, "", ""])]
    if count == 1:
        getattr(values[0], op.method)(*parameters)
    else:
        getattr(values[0], op.method)(values[1])


class ArrayGraph(CompiledGraph):
    """A graph replayed as numpy array code: each group of same-shaped samples at once.

    The same interface as :class:`~autograd_scalar.compile.CompiledGraph`:
    ``g()`` replays forward and backward and adds into the leaves' ``.grad``;
    ``g.forward()``; ``g.source``; ``g.sync()``. Besides:

    * ``g(samples)`` replays the program on another batch, of any size, without
      recompiling: ``samples`` holds one row per sample, giving the values of
      :attr:`sample_leaves` (the first sample's leaves that differ from sample to
      sample, in that order). Only shared leaves receive gradients then, and the
      observed nodes' values are read with :meth:`values`;
    * :meth:`values` gives an observed node's value in every sample of the last replay.
    """

    def __init__(self, root: Value, writer: _ArrayWriter) -> None:
        self.root = root
        self.source = writer.source()
        self.filename, namespace = run_source(self.source)
        namespace.update(writer.namespace)
        self._built = [True]
        namespace["check"] = _check(self._built)
        self._replay = namespace["replay"]
        self._forward = namespace["forward"]
        self._writer = writer
        self._leaves = [*writer.flat_leaves, *writer.leaves.leaves]
        self._computed = writer.names.computed
        self._sync = None
        self._last: list[Any] = []
        self._plans: dict[int, tuple[Any, ...]] = {}
        self._observed_index: dict[Value, int] | None = None
        group = writer.groups[0] if writer.groups else None
        self._sample_leaves: list[Value] = (
            [group.template.places[p] for p in sorted(group.own_leaves)] if group else [])
        self._held: tuple[Optimizer, Any, Any, Any] | None = None
        """After ``step(..., write_back=False)``: its optimizer, its parameters' new data and
        gradients (in its order), not yet in the Values, and that data in the array leaves'
        order (what the next replay reads)."""
        self.write_observed = True
        """Whether a replay on the built samples writes the observed nodes' values into
        their Values; with False only :meth:`values` has them (one array per node, where
        writing them is a loop over every sample's Value)."""

    @property
    def sample_leaves(self) -> list[Value]:
        """The first sample's leaves that differ from sample to sample: the columns of a row
        of ``samples``, in order (empty for a graph without a batch of samples)."""
        return self._sample_leaves

    def _inputs(self, samples: Any) -> list[Any]:
        writer = self._writer
        flat = [leaf.data for leaf in writer.flat_leaves]
        data = (self._held[3] if self._held is not None else
                np.fromiter(map(_DATA, writer.leaves.leaves), float, len(writer.leaves.leaves)))
        arrays: list[Any] = []
        for k, group in enumerate(writer.groups):
            places = sorted(group.own_leaves)
            if samples is not None and k == 0:
                rows = np.asarray(samples, dtype=float)
                if rows.ndim != 2 or rows.shape[1] != len(places):
                    raise ValueError(
                        f"samples must have one row per sample and {len(places)} columns "
                        f"(the values of sample_leaves), not the shape {rows.shape}")
                if writer.fixed[k]:
                    raise ValueError(
                        "this graph cannot replay other samples: its samples differ in "
                        f"constants ({writer.fixed[k]}); make them leaves to vary them")
                arrays.append(np.ascontiguousarray(rows.T).reshape(len(places), -1, 1))
                continue
            leaves = [leaf for p in places for leaf in group.own_leaves[p]]
            arrays.append(np.fromiter(map(_DATA, leaves), float, len(leaves)).reshape(
                len(places), group.size, 1))
        sizes = [float(a.shape[1]) if a.size else float(g.size)
                 for a, g in zip(arrays, writer.groups)]
        return [flat, data, sizes, *arrays]

    def __call__(self, samples: Any = None) -> float:
        self.write_back()
        value, flat_grads, G, _ = self.run_source(samples)
        for leaf, grad in zip(self._writer.flat_leaves, flat_grads):
            leaf.grad += grad
        for leaf, grad in zip(self._writer.leaves.leaves, G.tolist()):
            leaf.grad += grad
        return value

    def step(self, optimizer: Optimizer, samples: Any = None, write_back: bool = True) -> float:
        """One training step, with the update done on arrays: what ``optimizer.zero_grad();
        g(samples); optimizer.step()`` does, returning the loss, without the loops over
        Values that adding gradients and updating each parameter would take.

        Every parameter's ``.data`` is updated and its ``.grad`` holds this step's
        gradient, as after those three calls. Leaves that are not the optimizer's
        parameters get their gradients added, as ``g()`` adds them. A loss that is
        not finite (nan or infinite) updates nothing: it is returned for the caller
        to report.

        With ``write_back=False``, when the optimizer's parameters are this program's
        array leaves (as a model's are, in another order), the new data and gradients stay
        in arrays: the next step starts from them, and :meth:`write_back` (or any other
        replay) puts them into the Values. Until then the parameters' Values are stale:
        a training loop that nobody looks into between its steps skips writing them.
        """
        if self._held is not None and self._held[0] is not optimizer:
            self.write_back()
        plan = self._plans.get(id(optimizer))
        if plan is None or plan[0] is not optimizer:
            plan = self._plans[id(optimizer)] = (optimizer, *self._plan(optimizer.params))
        _, from_array, from_flat, others, in_order = plan
        value, flat_grads, G, D = self.run_source(samples)
        if not math.isfinite(value):
            return value
        params = optimizer.params
        if in_order:  # the parameters are the array leaves, in their order: no gathering
            data, gradients = D, G
        else:
            gradients = np.zeros(len(params))
            gradients[from_array[0]] = G[from_array[1]]
            if len(from_flat[0]):
                np.add.at(gradients, from_flat[0], np.asarray(flat_grads)[from_flat[1]])
            data = (D[from_array[1]] if len(from_array[1]) == len(params)
                    else np.fromiter(map(_DATA, params), float, len(params)))
        new = optimizer.step_arrays(data, gradients)
        leaves = len(self._writer.leaves.leaves)
        if in_order:
            self._held = (optimizer, new, gradients, new)
        elif len(from_array[1]) == len(params) == leaves:  # the array leaves, in another order
            data = np.empty(leaves)
            data[from_array[1]] = new
            self._held = (optimizer, new, gradients, data)
        else:
            self._held = (optimizer, new, gradients, None)
            write_back = True
        if write_back:
            self.write_back()
        for leaf, k, flat in others:
            leaf.grad += float(G[k]) if not flat else flat_grads[k]
        return value

    def write_back(self) -> None:
        """Write the parameters' data and gradients kept by ``step(..., write_back=False)``
        into their Values; nothing if none are kept."""
        if self._held is None:
            return
        optimizer, data, gradients, _ = self._held
        self._held = None
        for parameter, number, grad in zip(optimizer.params, data.tolist(), gradients.tolist()):
            parameter.data = number
            parameter.grad = grad

    def sync(self) -> None:
        """Write every intermediate node's value and gradient into its Value (parameters
        kept in arrays first); see :meth:`CompiledGraph.sync`."""
        self.write_back()
        super().sync()

    def _plan(self, params: list[Value]
              ) -> tuple[Any, Any, list[tuple[Value, int, bool]], bool]:
        """Where each parameter's gradient is in the program's results, the other leaves, and
        whether the parameters are exactly the array leaves in their order."""
        array = {leaf: k for k, leaf in enumerate(self._writer.leaves.leaves)}
        flat = {leaf: k for k, leaf in enumerate(self._writer.flat_leaves)}
        mine = set(params)
        pairs = [(i, array[p]) for i, p in enumerate(params) if p in array]
        flat_pairs = [(i, flat[p]) for i, p in enumerate(params) if p in flat]
        others = [(leaf, k, False) for leaf, k in array.items() if leaf not in mine]
        others += [(leaf, k, True) for leaf, k in flat.items() if leaf not in mine]

        def columns(found: list[tuple[int, int]]) -> tuple[Any, Any]:
            return (np.array([i for i, _ in found], dtype=np.intp),
                    np.array([k for _, k in found], dtype=np.intp))

        leaves = self._writer.leaves.leaves
        in_order = (len(params) == len(leaves) and not flat_pairs
                    and all(p is leaf for p, leaf in zip(params, leaves)))
        return columns(pairs), columns(flat_pairs), others, in_order

    def run_source(self, samples: Any) -> tuple[float, Any, Any, Any]:
        """Replay; writes the per-sample leaves' gradients and the observed values, and
        returns the rest: (value, flat leaves' gradients, array leaves' G, their data D)."""
        arguments = self._inputs(samples)
        self._built[0] = samples is None
        try:
            with np.errstate(all="ignore"):
                value, flat_grads, G, per_sample, self._last = self._replay(*arguments)
        except (ArithmeticError, ValueError) as error:
            raise self._eager_error(error) from None
        if samples is None:
            for group, grads in zip(self._writer.groups, per_sample):
                if not group.own_leaves:
                    continue
                leaves = [leaf for p in sorted(group.own_leaves) for leaf in group.own_leaves[p]]
                for leaf, grad in zip(leaves, grads.ravel().tolist()):
                    leaf.grad += grad
            if self.write_observed:
                self._write_observed()
        self.root.data = value
        return value, flat_grads, G, arguments[1]

    def forward(self, samples: Any = None) -> float:
        """Recompute and return the root's value (no gradients)."""
        self.write_back()
        arguments = self._inputs(samples)
        self._built[0] = samples is None
        try:
            with np.errstate(all="ignore"):
                value, self._last = self._forward(*arguments)
        except (ArithmeticError, ValueError) as error:
            raise self._eager_error(error) from None
        if samples is None and self.write_observed:
            self._write_observed()
        self.root.data = value
        return value  # type: ignore[no-any-return]

    def _write_observed(self) -> None:
        arrays = iter(self._last)
        for group, observed in zip(self._writer.groups, self._writer.observed_in):
            for j in sorted(observed):
                for node, number in zip(observed[j],
                                        np.broadcast_to(next(arrays), (group.size, 1))
                                        .ravel().tolist()):
                    node.data = number
        for node, number in zip(self._writer.observed_flat, arrays):
            node.data = float(number)

    def values(self, node: Value) -> Any:
        """The values an observed node (of any sample) took in every sample of the last replay,
        as a numpy array.

        >>> from autograd_scalar import Value, sum
        >>> w = Value(2.0)
        >>> xs = [Value(x) for x in (1.0, 2.0, 3.0, 4.0)]
        >>> outputs = [w * x for x in xs]
        >>> g = compile_numpy(sum(outputs), observe=outputs)
        >>> g([[10.0], [20.0]]), g.values(outputs[0])
        (60.0, array([20., 40.]))
        """
        if self._observed_index is None:
            self._observed_index = {}
            position = 0
            for observed in self._writer.observed_in:
                for j in sorted(observed):
                    for member in observed[j]:
                        self._observed_index[member] = position
                    position += 1
        found = self._observed_index.get(node)
        if found is None:
            raise KeyError(f"{node!r} is not an observed node of a batch of this graph: "
                           "pass it in observe=")
        return np.asarray(self._last[found], dtype=float).reshape(-1)

    @property
    def leaves(self) -> list[Value]:
        """The leaves the replay reads and adds gradients to (per-sample leaves aside)."""
        return list(dict.fromkeys(self._leaves))

    def to_torch(self) -> TorchLoss:
        """This program's forward pass as PyTorch code (needs PyTorch): a function of a
        float64 tensor holding the values of :attr:`torch_leaves`, returning the loss as
        a tensor that ``torch.autograd`` differentiates. The per-sample numbers are the
        graph's, as built.

        >>> from autograd_scalar import Value, dot, sum
        >>> w = [Value(0.5, label="w0"), Value(-1.0, label="w1")]
        >>> g = compile_numpy(sum([dot(w, [x, 1.0]).tanh() for x in (0.0, 1.0, 2.0, 3.0)]))
        >>> print(g.to_torch().source.splitlines()[-2])  # doctest: +SKIP
            v0 = ((h1).sum())
        """
        return TorchLoss(self._writer)

    @property
    def torch_leaves(self) -> list[Value]:
        """The leaves whose values :meth:`to_torch`'s function takes, in order."""
        return self._writer.torch_leaves()


def _torch_functions(torch: Any, source: str) -> dict[str, Any]:
    """The torch form of every function ``source`` calls, from the FUNCTIONS table.

    Raises NotImplementedError, naming the function and the ops calling it, for one
    without a torch form."""
    helpers = {
        "softplus": lambda x: torch.clamp(x, min=0.0) + torch.log1p(torch.exp(-torch.abs(x))),
    }
    found = {}
    for name in sorted(set(re.findall(r"\b(\w+)\(", source)) & set(FUNCTIONS)):
        form = FUNCTIONS[name].torch
        if not form:
            users = [op.name for op in OPS.values() if name in called_functions(op.forward)]
            raise NotImplementedError(
                f"{name} (called by op {', '.join(map(repr, users)) or '?'}) has no torch form, "
                "so "
                "this graph cannot be exported to PyTorch: give its row in the FUNCTIONS table "
                "(autograd_scalar/core/ops.py) its torch form"
            )
        found[name] = _attribute(torch, form) if "." in form else helpers[form]
    return found


def _attribute(torch: Any, form: str) -> Any:
    """``torch.nn.functional.softplus`` and the like, looked up from the torch module."""
    found = torch
    for part in form.split(".")[1:]:
        found = getattr(found, part)
    return found


class TorchLoss:
    """A compiled program's loss as PyTorch code: ``loss(tensor)``; ``.source`` is the code.

    ``loss.leaves`` are the Values whose numbers the tensor holds, and
    ``loss.tensor()`` makes that tensor from their current data.
    """

    def __init__(self, writer: _ArrayWriter) -> None:
        from ._torch import import_torch

        torch: Any = import_torch()
        self.torch = torch
        self.source = writer.torch_source()
        self.leaves = writer.torch_leaves()
        namespace: dict[str, Any] = {
            "where": torch.where, "hstack": torch.hstack, "inf": math.inf, "nan": math.nan,
            **_torch_functions(torch, self.source),
        }
        for name, value in writer.namespace.items():
            if isinstance(value, np.ndarray):
                namespace[name] = torch.from_numpy(value.copy())
        for k, group in enumerate(writer.groups):
            places = sorted(group.own_leaves)
            numbers = [[leaf.data for leaf in group.own_leaves[p]] for p in places]
            namespace[f"X{k}"] = torch.tensor(numbers, dtype=torch.float64).reshape(
                len(places), group.size, 1)
            namespace[f"N{k}"] = float(group.size)
        _, found = run_source(self.source)
        found.update(namespace)
        self._loss = found["loss"]

    def tensor(self, requires_grad: bool = True) -> Any:
        """A float64 tensor of the leaves' current values."""
        values = [leaf.data for leaf in self.leaves]
        return self.torch.tensor(values, dtype=self.torch.float64, requires_grad=requires_grad)

    def __call__(self, leaves: Any) -> Any:
        return self._loss(leaves)


_DATA = operator.attrgetter("data")


_RESERVED = re.compile(r"[A-Z]\w*|d?g?h\d\w*|check|where|zeros_like|hstack|broadcast_to|add|ravel")


class _ArrayWriter:
    """Generates ``replay`` and ``forward``: float code for the graph outside the groups,
    array code for each group, at the place of its ``sum``."""

    def __init__(self, root: Value, groups: list[Batch], watched: set[Value]) -> None:
        self.root = root
        self.groups = groups
        self.namespace: dict[str, Any] = {
            **NUMPY_FUNCTIONS, "zeros_like": np.zeros_like, "hstack": np.hstack,
            "broadcast_to": np.broadcast_to, "add": np.add, "ravel": np.ravel,
            "inf": math.inf, "nan": math.nan,
        }
        consumers = {group.consumer: k for k, group in enumerate(groups)}
        self.consumers = consumers
        order = _flat_order(root, set(consumers))
        self.flat = [n for n in order if not n.is_leaf]
        self.vector = {n for n in self.flat if n not in consumers and _vectorizable(n)}
        used = [p for n in self.flat if n not in consumers and n not in self.vector
                for p in n.parents if p.is_leaf]
        if root.is_leaf:
            used.append(root)
        self.flat_leaves = list(dict.fromkeys(used))
        self.names = Names()
        self.names.name_leaves(self.flat_leaves, _RESERVED)
        for i, node in enumerate(self.flat):
            self.names.value[node], self.names.grad[node] = f"v{i}", f"g{i}"
            self._mean(node)
        self.observed_flat = [n for n in self.flat if n in watched]
        self.leaves = _ArrayLeaves(self.namespace)
        self.leaves.names.update(self.names.value.values())
        self.observed_in = [group.observed(watched) for group in groups]
        self.writers = [_GroupWriter(k, g, observed, self.leaves, self.namespace)
                        for k, (g, observed) in enumerate(zip(groups, self.observed_in))]
        self.fixed = [", ".join(w.sample_constants) for w in self.writers]
        self.vector_code = {n: self._vector(n) for n in self.flat if n in self.vector}

    def _mean(self, node: Value) -> None:
        """A group's sum divided by its number of terms is a mean over the samples: it
        divides by the number of samples replayed (``N0``), whatever the batch."""
        if node.op != "div":
            return
        a, b = node.arguments["a"], node.arguments["b"]
        k = self.consumers.get(a) if isinstance(a, Value) else None
        if k is not None and b == float(self.groups[k].size):
            self.names.constant[node, 0] = f"N{k}"

    def _vector(self, node: Value) -> tuple[str, list[str]]:
        """A flat sum or dot over many leaves, as one array op on D (an L2 penalty)."""
        arguments = node.arguments
        g = self.names.grad[node]
        bias = "" if arguments["bias"] == 0.0 else f" + {literal(arguments['bias'])}"
        if node.op == "sum":
            text, sink, _ = self.leaves._place(list(arguments["terms"]))
            return f"float({text}.sum()){bias}", sink.lines(g, SCALAR, None)
        w_text, w_sink, _ = self.leaves._place(list(arguments["weights"]))
        if arguments["weights"] == arguments["inputs"]:  # p · p, a sum of squares: 2 p each
            return f"float({w_text} @ {w_text}){bias}", w_sink.lines(
                f"(2.0 * {g}) * {w_text}", _Shape(_Axes.ROW), None)
        x_text, x_sink, _ = self.leaves._place(list(arguments["inputs"]))
        return f"float({w_text} @ {x_text}){bias}", [
            *w_sink.lines(f"{g} * {x_text}", _Shape(_Axes.ROW), None),
            *x_sink.lines(f"{g} * {w_text}", _Shape(_Axes.ROW), None),
        ]

    def _signature(self, name: str) -> str:
        return f"def {name}(F, D, N{''.join(f', X{k}' for k in range(len(self.groups)))}):"

    def _prologue(self) -> list[str]:
        lines = []
        if self.groups:
            lines.append(f"    {''.join(f'N{k}, ' for k in range(len(self.groups)))}= N")
        if self.flat_leaves:
            names = "".join(f"{self.names.value[leaf]}, " for leaf in self.flat_leaves)
            lines.append(f"    {names}= F")
        return lines + self.leaves.prologue

    def _forward_lines(self, tensors: bool = False) -> list[str]:
        """The forward pass: floats outside the groups; with ``tensors``, every line
        an array op (the numpy forms), for a framework that differentiates it."""
        lines = []
        scalar = "" if tensors else "float"
        for node in self.flat:
            target = self.names.value[node]
            k = self.consumers.get(node)
            if k is not None:
                writer = self.writers[k]
                lines.append(f"    # {self.groups[k].size} samples of one shape, as arrays")
                lines += writer.forward_lines("    ", checks=not tensors)
                bias = node.arguments["bias"]
                extra = "" if bias == 0.0 else f" + {literal(bias)}"
                term = writer.term
                total = (f"({term.text}).sum()" if term.shape.axes is _Axes.SAMPLES
                         else f"{writer.count} * {term.text}")  # the same in every sample
                lines.append(f"    {target} = {scalar}({total}){extra}")
            elif node in self.vector:
                code = self.vector_code[node][0]
                lines.append(f"    {target} = {code[len('float'):] if tensors else code}")
            else:
                expression = (_array_forward(node, self.names) if tensors
                              else forward_expression(node, self.names))
                lines.append(f"    {target} = {expression}")
        return lines

    def torch_leaves(self) -> list[Value]:
        """The leaves of the PyTorch code's tensor, each once: array leaves, then flat ones."""
        return list(dict.fromkeys([*self.leaves.leaves, *self.flat_leaves]))

    def torch_source(self) -> str:
        """``loss(L)``: the forward pass as PyTorch code, from the tensor ``L`` of the leaves'
        values (the array leaves, then the flat ones); the per-sample numbers as built."""
        count = len(self.leaves.leaves)
        lines = ["def loss(L):",
                 '    """The loss from the leaves\' values, differentiable by torch.autograd."""']
        unique = self.torch_leaves()
        if len(unique) == count + len(self.flat_leaves):
            lines.append(f"    D = L[:{count}]")
            flat = f"L[{count}:]"
        else:  # leaves read by both kinds of code: each once in L
            position = {leaf: i for i, leaf in enumerate(unique)}
            index = self.leaves.constant("I", [])
            self.namespace[index] = np.array([position[leaf] for leaf in self.leaves.leaves],
                                             dtype=np.intp)
            lines.append(f"    D = L[{index}]")
            flat = f"L[{[position[leaf] for leaf in self.flat_leaves]}]"
        if self.flat_leaves:
            names = "".join(f"{self.names.value[leaf]}, " for leaf in self.flat_leaves)
            lines.append(f"    {names}= {flat}")
        lines += self.leaves.prologue
        lines += self._forward_lines(tensors=True)
        lines.append(f"    return {self.names.value[self.root]}")
        return "\n".join(lines) + "\n"

    def _observed(self) -> str:
        found = [text for w in self.writers for text in w.observed()]
        found += [self.names.value[n] for n in self.observed_flat]
        return "(" + "".join(f"{t}, " for t in found) + ")"

    def _backward_lines(self) -> list[str]:
        names = self.names
        lines = ["    # backward", "    G = zeros_like(D)",
                 *backward_start(names, self.flat_leaves, self.root)]
        if self.root.is_leaf:
            return lines
        for node in reversed(self.flat):
            k = self.consumers.get(node)
            if k is not None:
                lines += self.writers[k].backward_lines(names.grad[node], "    ")
            elif node in self.vector:
                lines += [f"    {line}" for line in self.vector_code[node][1]]
            else:
                lines += backward_lines(node, names, "    ")
        return lines

    def source(self) -> str:
        """The module defining ``replay`` and ``forward``."""
        root = self.names.value[self.root]
        flat = "".join(f"{self.names.grad[leaf]}, " for leaf in self.flat_leaves)
        per_sample = "".join(f"GX{k}, " if w.places else "(), " for k, w in enumerate(self.writers))
        forward = self._forward_lines()
        replay = [
            self._signature("replay"),
            '    """Forward and backward pass: (value, gradients of the flat leaves, of the '
            'array leaves, of the per-sample leaves, observed values)."""',
            *self._prologue(), *forward, *self._backward_lines(),
            f"    return {root}, ({flat}), G, ({per_sample}), {self._observed()}",
        ]
        only_forward = [
            self._signature("forward"),
            '    """Forward pass only: (value, observed values)."""',
            *self._prologue(), *forward,
            f"    return {root}, {self._observed()}",
        ]
        return "\n".join(replay) + "\n\n\n" + "\n".join(only_forward) + "\n"


def _array_forward(node: Value, names: Names) -> str:
    """The expression computing a flat ``node`` with its op's numpy form."""
    op: Op = node.operation  # type: ignore[assignment]
    forward = numpy_form(op)[0]
    operands = operand_names(node, names)
    if op.arity:
        return forward.format(**operands)
    terms = [forward.format(**term_fields(node, operands, k))
             for k in range(len(operands[op.roles[0]]))]
    return " + ".join([*terms, str(operands["bias"])])


def _vectorizable(node: Value) -> bool:
    """A flat n-ary node over at least 8 leaves and no other operand (a penalty on weights)."""
    op = node.operation
    if op is None or op.arity or len(node.parents) < 8 or not all(p.is_leaf for p in node.parents):
        return False
    arguments = node.arguments
    return all(isinstance(x, Value) for role in op.roles for x in arguments[role]) and type(
        arguments["bias"]) is float


def compile_numpy(root: Value, observe: Iterable[Value] = ()) -> ArrayGraph:
    """Compile the graph under ``root`` into numpy array code (``compile_graph(root,
    backend="numpy")``)."""
    if not isinstance(root, Value):
        raise TypeError(f"compile_graph needs a Value, not {type(root).__name__}")
    watched = set(observe)
    counts = consumer_counts(root)
    groups = find_batches(root, counts)
    return ArrayGraph(root, _ArrayWriter(root, groups, watched))
