"""Compile a built graph into straight-line Python and replay it.

A training loop rebuilds the same graph every step with new numbers. That is
wasted work for a scalar engine, whose time goes into creating and walking
Python objects. :func:`compile_graph` walks the graph once and generates plain
float code for its forward and backward passes, one named line per node, as
``torch.fx`` does; replaying it reads the leaves' current ``.data`` and leaves
gradients in their ``.grad`` exactly as ``root.backward()`` would.

What is captured, as with ``torch.jit.trace``: the operations that built this
graph. Python control flow in *your* code ran once, when the graph was built,
and is frozen; only the branches *inside* operations (``relu``, ``abs``,
``leaky_relu``) are taken again at every replay:

>>> from autograd_scalar import Value
>>> x = Value(2.0, label="x")
>>> y = (x * x).relu() if x.data > 0 else -x   # the `if` is decided now, for good
>>> g = compile_graph(y)
>>> g(), x.grad                                 # value and dy/dx at x = 2
(4.0, 4.0)
>>> x.data, x.grad = -3.0, 0.0
>>> g(), x.grad                                 # still (x*x).relu(), never -x
(9.0, -6.0)

Batches: a loss summed over many samples has one subgraph per sample, all of
the same shape. The compiler recognises such repeated structure (the terms of
a ``sum`` node whose subgraphs are isomorphic and share no interior node with
anything else), generates the per-sample code once and runs it in a loop over
the samples; anything else is compiled as flat straight-line code.
"""

from __future__ import annotations

import importlib
import itertools
import keyword
import linecache
import math
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .engine import Value, math_error, topological_order
from .ops import FLOAT_FUNCTIONS, Op
from .replay import SampleRows

if TYPE_CHECKING:
    from .optim import Optimizer

__all__ = ["CompiledGraph", "compile_graph"]

MIN_GROUP = 4
"""The fewest same-shaped terms worth a loop instead of flat code."""

MAX_CHAIN = 32
"""The most terms a dot's sum is written with ``+`` (nesting one level per term) rather
than ``sum()``."""

# sum() adds floats one by one from 0.0, so ``0.0 + a + b`` is the same number; from
# Python 3.12 it compensates rounding error, and only one or two terms still agree.
_PLAIN_SUM = sys.version_info < (3, 12)


class CompiledGraph:
    """A graph flattened into generated Python; call it to replay forward and backward.

    ``g()`` reads every leaf's current ``.data``, recomputes all values, runs the
    backward pass, adds into the leaves' ``.grad`` as ``root.backward()`` would,
    sets ``root.data`` and returns it. ``g.forward()`` recomputes the value only.
    ``g.sync()`` writes the current values and gradients of every intermediate
    node back into its Value, so the graph can be inspected or drawn.
    ``g.source`` is the generated code, one line per node.
    """

    def __init__(self, root: Value, writer: _Writer) -> None:
        self.root = root
        self.source = writer.source()
        self.filename, namespace = _run(self.source)
        self._replay = namespace["replay"]
        self._forward = namespace["forward"]
        self._leaves = writer.leaves
        self._arguments = (writer.leaves, writer.observed, *(g.rows for g in writer.groups))
        self._computed = writer.names.computed
        self._sync: Callable[..., None] | None = None
        self._observed_rows = [(group.rows, len(group.observed)) for group in writer.groups]
        self._observed_at: dict[Value, tuple[int, int]] | None = None

    @property
    def leaves(self) -> list[Value]:
        """The leaves the replay reads and adds gradients to (per-sample leaves of loops aside)."""
        return list(self._leaves)

    def __call__(self) -> float:
        try:
            value, grads = self._replay(*self._arguments)
        except (ArithmeticError, ValueError) as error:
            raise self._eager_error(error) from None
        for leaf, grad in zip(self._leaves, grads):
            leaf.grad += grad
        self.root.data = value
        return value  # type: ignore[no-any-return]

    def forward(self, samples: SampleRows = None) -> float:
        """Recompute and return the root's value from the leaves' current data (no gradients)."""
        _built_samples_only(samples)
        try:
            value: float = self._forward(*self._arguments)
        except (ArithmeticError, ValueError) as error:
            raise self._eager_error(error) from None
        self.root.data = value
        return value

    write_observed = True
    """The float replay writes each observed node's value as it computes it: always."""

    @property
    def sample_leaves(self) -> list[Value]:
        """None: the float replay runs only on the samples it was built with (to train on
        other samples, set its leaves' ``.data``); see :class:`~autograd_scalar.replay.Replay`."""
        return []

    def step(self, optimizer: Optimizer, samples: SampleRows = None,
             write_back: bool = True) -> float:
        """One training step, ``optimizer.zero_grad()``, ``g()`` and ``optimizer.step()``,
        returning the loss; a loss that is not finite updates nothing. ``write_back`` is
        there for :class:`~autograd_scalar.replay.Replay`: the float replay keeps no
        parameters of its own, it always updates the Values."""
        _built_samples_only(samples)
        optimizer.zero_grad()
        value = self()
        if math.isfinite(value):
            optimizer.step()
        return value

    def write_back(self) -> None:
        """Nothing to write: the float replay's steps update the Values themselves."""

    def values(self, node: Value) -> list[float]:
        """The values an observed node of a batch took in the last replay, one per sample:
        given any one sample's node, its counterparts in every sample, in order.

        >>> from autograd_scalar import Value, sum
        >>> w = Value(2.0)
        >>> outputs = [w * x for x in (1.0, 2.0, 3.0, 4.0)]
        >>> g = compile_graph(sum(outputs), observe=outputs)
        >>> g(), g.values(outputs[3])
        (20.0, [2.0, 4.0, 6.0, 8.0])
        """
        if self._observed_at is None:
            self._observed_at = {}
            for k, (rows, count) in enumerate(self._observed_rows):
                for row in rows:
                    for m in range(count):
                        self._observed_at[row[len(row) - count + m]] = (k, m)
        found = self._observed_at.get(node)
        if found is None:
            raise KeyError(f"{node!r} is not an observed node of a batch of this graph: "
                           "pass it in observe=")
        rows, count = self._observed_rows[found[0]]
        return [row[len(row) - count + found[1]].data for row in rows]

    def _eager_error(self, error: Exception) -> Exception:
        """The error eager evaluation raises for the op whose generated line failed.

        The line assigns one node's variable; its operands' numbers are read from the
        failing frame, their labels from the Values they came from.
        """
        frame = _last_frame(error.__traceback__, self.filename)
        if frame is None:
            return error
        line = linecache.getline(self.filename, frame.tb_lineno)
        target = line.split("=", 1)[0].strip()
        if target not in self._computed:
            return error
        op, operands = self._computed[target]
        local = frame.tb_frame.f_locals
        shown: list[Value | float] = []
        for number, source in operands:
            if isinstance(number, float):
                shown.append(number)
                continue
            value = local[number]
            holder = local[source] if isinstance(source, str) else source
            label = holder.label if isinstance(holder, Value) else ""
            shown.append(Value(value, label=label) if label else value)
        return math_error(error, op, shown)

    def sync(self) -> None:
        """Write every intermediate node's current value and gradient back into its Value.

        Leaves' gradients are not touched. The first call compiles flat code for it.
        """
        order = topological_order(self.root)
        if self._sync is None:
            self._sync = _run(_Writer(order, [], set()).sync_source())[1]["sync"]
        nodes = [n for n in reversed(order) if not n.is_leaf]
        leaves = [n for n in reversed(order) if n.is_leaf]
        self._sync(leaves, nodes)

    def __repr__(self) -> str:
        lines = self.source.count("\n")
        return f"CompiledGraph(root={self.root!r}, leaves={len(self._leaves)}, lines={lines})"


def _built_samples_only(samples: SampleRows) -> None:
    if samples is not None:
        raise ValueError("the float replay runs only on the samples its graph was built "
                         "with (it has no sample_leaves): set its leaves' .data instead")


def compile_graph(
    root: Value, observe: Iterable[Value] = (), backend: str = "python"
) -> CompiledGraph:
    """Flatten the graph under ``root`` into generated code, once, for fast replay.

    ``backend="python"`` writes float code, one line per node, with a loop over
    the samples of a batch; ``backend="numpy"`` writes array code, every sample at
    once and each layer of neurons as a matrix product
    (:mod:`autograd_scalar.compile_numpy`; needs numpy:
    ``pip install "autograd-scalar[fast]"``).

    ``observe`` lists intermediate Values whose ``.data`` every replay keeps up
    to date (a model's predictions, say), without a full :meth:`~CompiledGraph.sync`.
    Only first derivatives are replayed: a graph that came from
    ``backward(create_graph=True)`` compiles like any other graph.

    >>> from autograd_scalar import Value
    >>> a, b = Value(3.0, label="a"), Value(4.0, label="b")
    >>> g = compile_graph((a * a + b * b).sqrt())
    >>> g(), round(a.grad, 12), round(b.grad, 12)
    (5.0, 0.6, 0.8)
    >>> print(g.source.splitlines()[3])
        v0 = a * a
    """
    if backend == "numpy":
        return _numpy_backend().compile_numpy(root, observe)  # type: ignore[no-any-return]
    if backend != "python":
        raise ValueError(f"compile_graph: backend must be 'python' or 'numpy', not {backend!r}")
    if not isinstance(root, Value):
        raise TypeError(f"compile_graph needs a Value, not {type(root).__name__}")
    order = topological_order(root)
    watched = set(observe)
    return CompiledGraph(root, _Writer(order, _find_groups(order, watched), watched))


def _numpy_backend() -> Any:
    """The numpy replay's module, imported on first use: numpy is an optional dependency."""
    try:
        return importlib.import_module("autograd_scalar.compile_numpy")
    except ModuleNotFoundError as error:
        if error.name != "numpy":
            raise
        raise ImportError(
            'compile_graph(..., backend="numpy") needs numpy: pip install "autograd-scalar[fast]"'
        ) from None


_serial = itertools.count()


def _run(source: str) -> tuple[str, dict[str, Any]]:
    """Run generated ``source``; registered with linecache, so that tracebacks and pdb show it."""
    filename = f"<autograd_scalar compiled graph {next(_serial)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    namespace: dict[str, Any] = {**FLOAT_FUNCTIONS, "inf": math.inf, "nan": math.nan}
    exec(compile(source, filename, "exec"), namespace)
    return filename, namespace


def _last_frame(traceback: TracebackType | None, filename: str) -> TracebackType | None:
    """The innermost traceback entry in ``filename``."""
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


# ---------------------------------------------------------------------------
# Finding repeated structure


@dataclass
class _Group:
    """Same-shaped subgraphs feeding one ``sum`` node: the per-sample terms of a batch loss."""

    consumer: Value
    template: list[Value]  # the first instance's interior nodes, inputs first
    backward_order: list[Value]  # the same nodes in the order backward() visits them
    places: list[Value]  # the first instance's leaves, by place
    shared: list[bool]  # per place: the same leaf in every instance?
    members: set[Value]  # the interior nodes of every instance
    observed: list[int]  # places in the template whose Values every replay updates
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    """Per instance: its own leaves, its constants, its observed nodes."""


def _count_edges(order: list[Value]) -> dict[Value, int]:
    """How many edges from these nodes lead to each of their parents."""
    counts: dict[Value, int] = {}
    for node in order:
        for parent in node.parents:
            counts[parent] = counts.get(parent, 0) + 1
    return counts


def _flat_arguments(node: Value) -> Iterator[tuple[str, Any]]:
    """A node's arguments in order, sequences (``dot``'s weights) spread out."""
    for name, argument in node.arguments.items():
        if type(argument) is tuple:
            yield from ((name, x) for x in argument)
        else:
            yield name, argument


def _shape_key(node: Value) -> tuple[Any, ...]:
    """What two nodes must share to play the same part: the op, and which of its arguments
    are Values (and how many), but not the constants' values."""
    return (node.op, tuple((name, isinstance(x, Value)) for name, x in _flat_arguments(node)))


def _constants(node: Value) -> tuple[float, ...]:
    """The plain numbers a node holds, in the order code generation names them."""
    return tuple(x for _, x in _flat_arguments(node) if not isinstance(x, Value))


def _instance(root: Value) -> tuple[list[Value], list[Value], tuple[Any, ...]]:
    """An instance's interior nodes (inputs first), its leaves by place, and its canonical shape."""
    interior: list[Value] = []
    index: dict[Value, int] = {}
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:  # iterative post-order: parents before the node
        node, expanded = stack.pop()
        if node in index:
            continue
        if expanded:
            index[node] = len(interior)
            interior.append(node)
            continue
        stack.append((node, True))
        stack.extend((p, False) for p in reversed(node.parents) if not p.is_leaf)
    leaves: list[Value] = []
    leaf_index: dict[Value, int] = {}
    shape = []
    for node in interior:
        refs = []
        for parent in node.parents:
            if parent.is_leaf:
                if parent not in leaf_index:
                    leaf_index[parent] = len(leaves)
                    leaves.append(parent)
                refs.append(("leaf", leaf_index[parent]))
            else:
                refs.append(("node", index[parent]))
        shape.append((_shape_key(node), tuple(refs)))
    return interior, leaves, tuple(shape)


def _find_groups(order: list[Value], watched: set[Value]) -> list[_Group]:
    """Sum nodes whose terms are isomorphic, self-contained subgraphs: each becomes a loop."""
    edges: dict[Value, int] | None = None
    position: dict[Value, int] = {}
    groups = []
    for node in order:
        if not _adds_terms(node) or len(node.parents) < MIN_GROUP:
            continue
        if any(p.is_leaf for p in node.parents) or len(set(node.parents)) != len(node.parents):
            continue
        if edges is None:
            edges = _count_edges(order)
            position = {node: i for i, node in enumerate(order)}
        group = _group(node, edges, position, watched)
        if group is not None:
            groups.append(group)
    return groups


def _adds_terms(node: Value) -> bool:
    """True for a node whose value is its terms added up (an n-ary op of one role: ``sum``)."""
    op = node.operation
    return op is not None and op.arity == 0 and len(op.roles) == 1


def _group(
    consumer: Value, edges: dict[Value, int], position: dict[Value, int], watched: set[Value]
) -> _Group | None:
    instances = []
    shapes = set()
    for term in consumer.parents:
        interior, leaves, shape = _instance(term)
        shapes.add(shape)
        if len(shapes) > 1:
            return None
        instances.append((interior, leaves, _count_edges(interior)))
    template, places, _ = instances[0]
    shared = [all(leaves[i] is leaf for _, leaves, _ in instances) for i, leaf in enumerate(places)]
    for (interior, leaves, uses), term in zip(instances, consumer.parents):
        # Each instance must own its interior nodes and its own leaves outright,
        # so that the loop sees every gradient that flows into them.
        own = [leaf for leaf, same in zip(leaves, shared) if not same]
        if edges[term] != 1 or any(edges[n] != uses.get(n, 0) for n in (*interior[:-1], *own)):
            return None
    backward_order = sorted(template, key=position.__getitem__)
    members = {node for interior, _, _ in instances for node in interior}
    observed = [j for j in range(len(template)) if any(i[j] in watched for i, _, _ in instances)]
    group = _Group(consumer, template, backward_order, places, shared, members, observed)
    for interior, leaves, _ in instances:
        own = [leaf for leaf, same in zip(leaves, shared) if not same]
        constants = [c for node in interior for c in _constants(node)]
        group.rows.append((*own, *constants, *(interior[j] for j in observed)))
    return group


# ---------------------------------------------------------------------------
# Writing the code


class _Names:
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
        """The name of a per-instance constant, or the constant written out."""
        return self.constant.get((node, position), literal(value))

    def add(self, target: Value, term: str, indent: str) -> str:
        """A line adding ``term`` to ``target``'s gradient (assigning the first time)."""
        name = self.grad[target]
        if name in self.assigned:
            return f"{indent}{name} += {term}"
        self.assigned.add(name)
        return f"{indent}{name} = {term}"


_INTERNAL = re.compile(r"[lvgTRSuhcnox]\d+[vg]?|[LON]|count|node|ready")


def _leaf_names(leaves: list[Value]) -> list[str]:
    """Variable names for the leaves: their labels where those make unique identifiers."""
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


class _Writer:
    """Generates ``replay`` (forward, then backward) and ``forward`` for one graph."""

    def __init__(self, order: list[Value], groups: list[_Group], watched: set[Value]) -> None:
        self.order = order
        self.groups = groups
        self.by_consumer = {group.consumer: k for k, group in enumerate(groups)}
        grouped = {node for group in groups for node in group.members}
        self.flat = [n for n in reversed(order) if not n.is_leaf and n not in grouped]
        used = {p for n in self.flat for p in n.parents if p.is_leaf}
        used.update(leaf for g in groups for leaf, same in zip(g.places, g.shared) if same)
        if order[0].is_leaf:
            used.add(order[0])
        self.leaves = [n for n in reversed(order) if n in used]
        self.observed = [n for n in self.flat if n in watched]
        self.names = _Names()
        for leaf, name in zip(self.leaves, _leaf_names(self.leaves)):
            self.names.value[leaf] = name
            self.names.grad[leaf] = f"d_{name}" if not re.fullmatch(r"l\d+", name) else f"g{name}"
        for i, node in enumerate(self.flat):
            self.names.value[node] = f"v{i}"
            self.names.grad[node] = f"g{i}"

    def source(self) -> str:
        """The module defining ``replay`` and ``forward``."""
        replay = [
            self._signature("replay"),
            '    """Forward and backward pass; returns (value, gradients of L)."""',
            *self._prologue(),
            *self._forward_lines(save=True),
            *self._backward_lines(),
            f"    return {self._root}, ({self._leaf_grads()})",
        ]
        forward = [
            self._signature("forward"),
            '    """Forward pass only; returns the value."""',
            *self._prologue(),
            *self._forward_lines(save=False),
            f"    return {self._root}",
        ]
        return "\n".join(replay) + "\n\n\n" + "\n".join(forward) + "\n"

    def sync_source(self) -> str:
        """A ``sync(L, N)`` writing every interior node's value and gradient into N."""
        self.names.assigned.clear()
        lines = ["def sync(L, N):", *self._prologue()]
        for i, node in enumerate(self.flat):
            lines.append(f"    v{i} = {_forward(node, self.names)}")
            lines.append(f"    N[{i}].data = v{i}")
        lines += self._backward_lines()
        lines += [f"    N[{i}].grad = g{i}" for i in range(len(self.flat))]
        return "\n".join(lines) + "\n"

    def _signature(self, name: str) -> str:
        rows = "".join(f", R{k}" for k in range(len(self.groups)))
        return f"def {name}(L, O{rows}):"

    @property
    def _root(self) -> str:
        return self.names.value[self.order[0]]

    def _leaf_grads(self) -> str:
        return "".join(f"{self.names.grad[leaf]}, " for leaf in self.leaves)

    def _prologue(self) -> list[str]:
        lines = []
        if self.leaves:
            targets = "".join(f"{self.names.value[leaf]}, " for leaf in self.leaves)
            lines.append(f"    {targets}= [leaf.data for leaf in L]")
        return lines

    def _forward_lines(self, save: bool) -> list[str]:
        observed = {node: i for i, node in enumerate(self.observed)}
        lines = [f"    {''.join(f'o{i}, ' for i in observed.values())}= O"] if observed else []
        for node in self.flat:
            k = self.by_consumer.get(node)
            if k is None:
                expression = _forward(node, self.names)
            else:
                lines += self._group_forward(k, save)
                expression = f"sum(T{k}) + {literal(node.arguments['bias'])}"
            lines.append(f"    {self.names.value[node]} = {expression}")
            if node in observed:
                lines.append(f"    o{observed[node]}.data = {self.names.value[node]}")
        return lines

    def _backward_lines(self) -> list[str]:
        names = self.names
        lines = ["    # backward"]
        leaf_grads = [names.grad[leaf] for leaf in self.leaves]
        for start in range(0, len(leaf_grads), 100):
            lines.append(f"    {' = '.join(leaf_grads[start:start + 100])} = 0.0")
        names.assigned.update(leaf_grads)
        root = self.order[0]
        if root.is_leaf:
            return [*lines, f"    {names.grad[root]} += 1.0"]
        lines.append(f"    {names.grad[root]} = 1.0")
        names.assigned.add(names.grad[root])
        for node in reversed(self.flat):
            k = self.by_consumer.get(node)
            if k is None:
                lines += _backward(node, names, "    ")
            else:
                lines += self._group_backward(k, names.grad[node])
        return lines

    # --- loops over the instances of a group ---------------------------------

    def _group_names(self, k: int) -> tuple[_Names, list[str], list[str]]:
        """Names inside group k's loop, the targets a row unpacks into, and the saved values."""
        group = self.groups[k]
        names = _Names(self.names.computed)
        names.value.update(self.names.value)
        names.grad.update(self.names.grad)  # shared leaves add into the outer sums
        names.assigned.update(self.names.assigned)
        targets, saved = [], []
        for place, (leaf, same) in enumerate(zip(group.places, group.shared)):
            if not same:
                names.value[leaf], names.grad[leaf] = f"x{place}v", f"x{place}g"
                names.holder[leaf] = f"x{place}"
                targets.append(f"x{place}")
                saved.append(f"x{place}v")
        position = 0
        for node in group.template:
            for j, _ in enumerate(_constants(node)):
                names.constant[node, j] = f"c{position}"
                targets.append(f"c{position}")
                position += 1
        targets += [f"n{j}" for j in group.observed]
        for j, node in enumerate(group.template):
            names.value[node], names.grad[node] = f"u{j}", f"h{j}"
            saved.append(f"u{j}")
        return names, targets, saved

    def _group_forward(self, k: int, save: bool) -> list[str]:
        group = self.groups[k]
        names, targets, saved = self._group_names(k)
        lines = [f"    T{k} = []"]
        if save:
            lines.append(f"    S{k} = []")
        lines.append(f"    for {', '.join(targets)}, in R{k}:")
        for place, same in enumerate(group.shared):
            if not same:
                lines.append(f"        x{place}v = x{place}.data")
        for j, node in enumerate(group.template):
            lines.append(f"        u{j} = {_forward(node, names)}")
            if j in group.observed:
                lines.append(f"        n{j}.data = u{j}")
        lines.append(f"        T{k}.append(u{len(group.template) - 1})")
        if save:
            lines.append(f"        S{k}.append(({', '.join(saved)},))")
        return lines

    def _group_backward(self, k: int, consumer_grad: str) -> list[str]:
        group = self.groups[k]
        names, targets, saved = self._group_names(k)
        last = len(group.template) - 1
        # backward() finishes the last term first; so does this loop, so that
        # every gradient is summed in the same order and comes out identical.
        rows = f"zip(reversed(R{k}), reversed(S{k}))"
        lines = [f"    for ({', '.join(targets)},), ({', '.join(saved)},) in {rows}:"]
        lines.append(f"        h{last} = {consumer_grad}")
        names.assigned.add(f"h{last}")
        own = [f"x{place}g" for place, same in enumerate(group.shared) if not same]
        if own:
            lines.append(f"        {' = '.join(own)} = 0.0")
            names.assigned.update(own)
        for node in group.backward_order:
            lines += _backward(node, names, "        ")
        lines += [f"        x{p}.grad += x{p}g" for p, same in enumerate(group.shared) if not same]
        return lines


def _operand_names(node: Value, names: _Names) -> dict[str, str | list[str]]:
    """Each argument of ``node`` as the generated code reads it: a variable, or a constant
    (written out, or a per-instance constant's name); sequences as lists."""
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


def _term_fields(node: Value, operands: dict[str, str | list[str]], k: int) -> dict[str, str]:
    """The template names of an n-ary node's ``k``-th term."""
    op: Op = node.operation  # type: ignore[assignment]
    return {name: operands[role][k] for name, role in zip(op.operands, op.roles)}


def _forward(node: Value, names: _Names) -> str:
    """The expression computing ``node`` from its parents' variables."""
    op: Op = node.operation  # type: ignore[assignment]
    operands = _operand_names(node, names)
    if op.arity:
        _remember(node, names, operands)
        return op.forward.format(**operands, out=names.value[node], g=names.grad[node])
    terms = [op.forward.format(**_term_fields(node, operands, k))
             for k in range(len(operands[op.roles[0]]))]
    if len(terms) <= 2 or (_PLAIN_SUM and len(terms) <= MAX_CHAIN):
        # What the eager sum() gives, without building a tuple and calling it.
        total = " + ".join(["0.0", *terms])
    else:
        total = f"sum(({''.join(f'{t}, ' for t in terms)}))"
    return f"{total} + {operands['bias']}"


def _remember(node: Value, names: _Names, operands: dict[str, str | list[str]]) -> None:
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


def _backward(node: Value, names: _Names, indent: str) -> list[str]:
    """Lines adding ``node``'s gradient, through its local derivatives, into its parents'."""
    op: Op = node.operation  # type: ignore[assignment]
    g = names.grad[node]
    operands = _operand_names(node, names)
    arguments = node.arguments
    if op.arity:
        fields = {**operands, "out": names.value[node], "g": g}
        return [
            names.add(arguments[name], template.format(**fields), indent)
            for name, template in zip(op.operands, op.grads)
            if isinstance(arguments[name], Value)
        ]
    return _nary_backward(node, names, operands, indent)


def _nary_backward(
    node: Value, names: _Names, operands: dict[str, str | list[str]], indent: str
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
        fields = {**_term_fields(node, operands, k), "g": g}
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
