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

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .engine import Rule, Value, dot_operands, topological_order
from .ops import FLOAT_FUNCTIONS

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
        namespace = _run(self.source)
        self._replay = namespace["replay"]
        self._forward = namespace["forward"]
        self._leaves = writer.leaves
        self._arguments = (writer.leaves, writer.observed, *(g.rows for g in writer.groups))
        self._sync: Callable[..., None] | None = None

    @property
    def leaves(self) -> list[Value]:
        """The leaves the replay reads and adds gradients to (per-sample leaves of loops aside)."""
        return list(self._leaves)

    def __call__(self) -> float:
        value, grads = self._replay(*self._arguments)
        for leaf, grad in zip(self._leaves, grads):
            leaf.grad += grad
        self.root.data = value
        return value  # type: ignore[no-any-return]

    def forward(self) -> float:
        """Recompute and return the root's value from the leaves' current data (no gradients)."""
        value: float = self._forward(*self._arguments)
        self.root.data = value
        return value

    def sync(self) -> None:
        """Write every intermediate node's current value and gradient back into its Value.

        Leaves' gradients are not touched. The first call compiles flat code for it.
        """
        order = topological_order(self.root)
        if self._sync is None:
            self._sync = _run(_Writer(order, [], set()).sync_source())["sync"]
        nodes = [n for n in reversed(order) if not n.is_leaf]
        leaves = [n for n in reversed(order) if n.is_leaf]
        self._sync(leaves, nodes)

    def __repr__(self) -> str:
        lines = self.source.count("\n")
        return f"CompiledGraph(root={self.root!r}, leaves={len(self._leaves)}, lines={lines})"


def compile_graph(root: Value, observe: Iterable[Value] = ()) -> CompiledGraph:
    """Flatten the graph under ``root`` into generated code, once, for fast replay.

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
        v0 = l0 * l0
    """
    if not isinstance(root, Value):
        raise TypeError(f"compile_graph needs a Value, not {type(root).__name__}")
    order = topological_order(root)
    watched = set(observe)
    return CompiledGraph(root, _Writer(order, _find_groups(order, watched), watched))


def _run(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = dict(FLOAT_FUNCTIONS)
    exec(compile(source, "<autograd_scalar compiled graph>", "exec"), namespace)
    return namespace


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


def _shape_key(node: Value) -> tuple[Any, ...]:
    """What two nodes must share to play the same part: op, layout and dot layout, not constants."""
    rule: Rule = node._op  # type: ignore[assignment]
    key: tuple[Any, ...] = (rule.op.name, rule.layout, len(node.parents))
    if rule.op.name == "dot" and type(node._second) is not int:  # which operands are constants
        weights, inputs, bias = dot_operands(node)
        key += tuple(isinstance(x, Value) for x in (*weights, *inputs, bias))
    return key


def _constants(node: Value) -> tuple[float, ...]:
    """The plain numbers a node holds, in the order code generation names them."""
    rule: Rule = node._op  # type: ignore[assignment]
    if rule.op.name == "dot":
        weights, inputs, bias = dot_operands(node)
        return tuple(x for x in (*weights, *inputs, bias) if not isinstance(x, Value))
    if rule.layout in ("left", "right") or rule.op.parameter or rule.op.name == "sum":
        return (node._second,)
    return ()


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
        stack.extend((p, False) for p in reversed(node.parents) if p._op is not None)
    leaves: list[Value] = []
    leaf_index: dict[Value, int] = {}
    shape = []
    for node in interior:
        refs = []
        for parent in node.parents:
            if parent._op is None:
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
        if node.op != "sum" or len(node.parents) < MIN_GROUP:
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
    """Variable names for one stretch of generated code: values, gradients, constants."""

    def __init__(self) -> None:
        self.value: dict[Value, str] = {}
        self.grad: dict[Value, str] = {}
        self.constant: dict[tuple[Value, int], str] = {}
        self.assigned: set[str] = set()  # gradient variables already holding a term

    def const(self, node: Value, position: int, literal: float) -> str:
        """The name of a per-instance constant, or the constant written out."""
        return self.constant.get((node, position), repr(literal))

    def add(self, target: Value, term: str, indent: str) -> str:
        """A line adding ``term`` to ``target``'s gradient (assigning the first time)."""
        name = self.grad[target]
        if name in self.assigned:
            return f"{indent}{name} += {term}"
        self.assigned.add(name)
        return f"{indent}{name} = {term}"


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
        for i, leaf in enumerate(self.leaves):
            self.names.value[leaf] = f"l{i}"
            self.names.grad[leaf] = f"gl{i}"
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
                expression = f"sum(T{k}) + {node._second!r}"
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
        names = _Names()
        names.value.update(self.names.value)
        names.grad.update(self.names.grad)  # shared leaves add into the outer sums
        names.assigned.update(self.names.assigned)
        targets, saved = [], []
        for place, (leaf, same) in enumerate(zip(group.places, group.shared)):
            if not same:
                names.value[leaf], names.grad[leaf] = f"x{place}v", f"x{place}g"
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


def _dot_operand_names(node: Value, names: _Names) -> tuple[list[str], list[str], str | None]:
    """Names (or written-out constants) of a dot node's weights, inputs and bias."""
    weights, inputs, bias = dot_operands(node)
    position = 0

    def name(x: Value | float) -> str:
        nonlocal position
        if isinstance(x, Value):
            return names.value[x]
        position += 1
        return names.const(node, position - 1, x)

    ws = [name(w) for w in weights]
    xs = [name(x) for x in inputs]
    if type(node._second) in (int, tuple) and not isinstance(bias, Value):
        return ws, xs, None
    return ws, xs, name(bias)


def _forward(node: Value, names: _Names) -> str:
    """The expression computing ``node`` from its parents' variables."""
    rule: Rule = node._op  # type: ignore[assignment]
    op = rule.op
    if op.name == "sum":
        terms = "".join(f"{names.value[p]}, " for p in node.parents)
        return f"sum(({terms})) + {names.const(node, 0, node._second)}"
    if op.name == "dot":
        ws, xs, bias = _dot_operand_names(node, names)
        products = [f"{w} * {x}" for w, x in zip(ws, xs)]
        if len(products) <= 2 or (_PLAIN_SUM and len(products) <= MAX_CHAIN):
            # What the eager dot's sum() gives, without building a tuple and calling it.
            total = " + ".join(["0.0", *products])
        else:
            total = f"sum(({''.join(f'{p}, ' for p in products)}))"
        return total if bias is None else f"{total} + {bias}"
    return op.forward.format(**_fields(node, names))


def _fields(node: Value, names: _Names) -> dict[str, str]:
    """The template names of an element-wise node, bound to variables or constants."""
    rule: Rule = node._op  # type: ignore[assignment]
    parents = iter(node.parents)
    fields = {"out": names.value[node], "g": names.grad[node]}
    for name in ("a", "b")[: rule.op.arity]:
        if (rule.layout, name) in (("left", "b"), ("right", "a")):
            fields[name] = names.const(node, 0, node._second)
        else:
            fields[name] = names.value[next(parents)]
    if rule.op.parameter:
        fields["c"] = names.const(node, 0, node._second)
    return fields


def _backward(node: Value, names: _Names, indent: str) -> list[str]:
    """Lines adding ``node``'s gradient, through its local derivatives, into its parents'."""
    rule: Rule = node._op  # type: ignore[assignment]
    g = names.grad[node]
    if rule.op.name == "sum":
        return [names.add(p, g, indent) for p in node.parents]
    if rule.op.name == "dot":
        return _dot_backward(node, names, indent)
    fields = _fields(node, names)
    parents = iter(node.parents)
    lines = []
    for name, template in zip(("a", "b"), rule.op.grads):
        if (rule.layout, name) not in (("left", "b"), ("right", "a")):
            lines.append(names.add(next(parents), template.format(**fields), indent))
    return lines


def _dot_backward(node: Value, names: _Names, indent: str) -> list[str]:
    """A dot node's backward, skipped when its gradient is zero (a relu that is off).

    Skipping only leaves out adding ``0.0 * x`` terms, which change no sum.
    """
    g = names.grad[node]
    weights, inputs, bias = dot_operands(node)
    ws, xs, _ = _dot_operand_names(node, names)
    before = set(names.assigned)
    inner = indent + "    "
    lines = [f"{indent}if {g}:"]
    for w, x, w_name, x_name in zip(weights, inputs, ws, xs):
        if isinstance(w, Value):
            lines.append(names.add(w, f"{g} * {x_name}", inner))
        if isinstance(x, Value):
            lines.append(names.add(x, f"{g} * {w_name}", inner))
    if isinstance(bias, Value):
        lines.append(names.add(bias, g, inner))
    first = sorted(names.assigned - before)
    if first:
        lines += [f"{indent}else:", f"{inner}{' = '.join(first)} = 0.0"]
    return lines
