"""The float replay: a built graph as straight-line Python float code, a loop per batch.

:func:`compile_float` (``compile_graph(root)``, :mod:`autograd_scalar.compile`)
walks the graph once and writes its forward and backward passes as plain float
code, one named line per node. The samples of a batch
(:func:`~autograd_scalar.batches.find_batches`) share one body of code, run in a
loop over the samples; anything else is flat straight-line code.

>>> from autograd_scalar import Value, sum
>>> w = Value(0.5, label="w")
>>> loss = sum([(w * float(x)).tanh() for x in range(4)])
>>> g = compile_float(loss)
>>> round(g(), 12), round(w.grad, 12)
(2.128859566861, 2.168516332965)
>>> "    for c0, in R0:" in g.source
True
"""

from __future__ import annotations

import linecache
import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .batches import Batch, find_batches
from .emit import (
    Names,
    backward_lines,
    backward_start,
    forward_expression,
    last_frame,
    literal,
    run_source,
)
from .engine import Value, math_error, topological_order
from .replay import SampleRows

if TYPE_CHECKING:
    from .optim import Optimizer

__all__ = ["CompiledGraph", "compile_float"]


class CompiledGraph:
    """A graph flattened into generated Python; call it to replay forward and backward.

    ``g()`` reads every leaf's current ``.data``, recomputes all values, runs the
    backward pass, adds into the leaves' ``.grad`` as ``root.backward()`` would,
    sets ``root.data`` and returns it. ``g.forward()`` recomputes the value only.
    ``g.sync()`` writes the current values and gradients of every intermediate
    node back into its Value, so the graph can be inspected or drawn.
    ``g.source`` is the generated code, one line per node.
    """

    def __init__(self, root: Value, writer: _FloatWriter) -> None:
        self.root = root
        self.source = writer.source()
        self.filename, namespace = run_source(self.source)
        self._replay = namespace["replay"]
        self._forward = namespace["forward"]
        self._leaves = writer.leaves
        self._arguments = (writer.leaves, writer.observed, *writer.rows)
        self._computed = writer.names.computed
        self._sync: Callable[..., None] | None = None
        self._observed_rows = [(rows, len(observed))
                               for rows, observed in zip(writer.rows, writer.in_samples)]
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
        >>> g = compile_float(sum(outputs), observe=outputs)
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
        frame = last_frame(error.__traceback__, self.filename)
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
            self._sync = run_source(_FloatWriter(self.root, [], set()).sync_source())[1]["sync"]
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


def compile_float(root: Value, observe: Iterable[Value] = ()) -> CompiledGraph:
    """Compile the graph under ``root`` into float code (``compile_graph(root)``): a loop
    over the samples of each batch, straight-line code for the rest.

    ``observe`` lists intermediate Values whose ``.data`` every replay keeps up to date.
    """
    if not isinstance(root, Value):
        raise TypeError(f"compile_graph needs a Value, not {type(root).__name__}")
    watched = set(observe)
    return CompiledGraph(root, _FloatWriter(root, find_batches(root), watched))


def _backward_order(root: Value, stops: set[Value]) -> list[Value]:
    """The order ``root.backward()`` visits the Values outside the batches' samples: that
    of :func:`~autograd_scalar.engine.topological_order`, without entering the ``stops``.

    A sample's nodes are read by nothing outside it, so leaving them out changes
    neither which of the other nodes is ready when, nor the order they come in.
    """
    consumers: dict[Value, int] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if node in stops:
            continue
        for parent in node.parents:
            if parent in consumers:
                consumers[parent] += 1
            else:
                consumers[parent] = 1
                stack.append(parent)
    order = []
    ready = [root]
    while ready:
        node = ready.pop()
        order.append(node)
        if node in stops:
            continue
        for parent in node.parents:
            consumers[parent] -= 1
            if not consumers[parent]:
                ready.append(parent)
    return order


class _FloatWriter:
    """Generates ``replay`` (forward, then backward) and ``forward`` for one graph."""

    def __init__(self, root: Value, batches: list[Batch], watched: set[Value]) -> None:
        self.batches = batches
        self.by_consumer = {batch.consumer: k for k, batch in enumerate(batches)}
        order = _backward_order(root, set(self.by_consumer))
        self.root = root
        self.flat = [n for n in reversed(order) if not n.is_leaf]
        used = {p for n in self.flat if n not in self.by_consumer for p in n.parents if p.is_leaf}
        if root.is_leaf:
            used.add(root)
        self.leaves = [n for n in reversed(order) if n in used]
        for batch in batches:
            shared = [leaf for leaf, same in zip(batch.template.places, batch.shared) if same]
            self.leaves += [leaf for leaf in shared if leaf not in used]
            used.update(shared)
        self.observed = [n for n in self.flat if n in watched]
        self.in_samples = [batch.observed(watched) for batch in batches]
        self.rows = [self._rows(batch, observed)
                     for batch, observed in zip(batches, self.in_samples)]
        self.names = Names()
        self.names.name_leaves(self.leaves)
        for i, node in enumerate(self.flat):
            self.names.value[node] = f"v{i}"
            self.names.grad[node] = f"g{i}"

    @staticmethod
    def _rows(batch: Batch, observed: dict[int, list[Value]]) -> list[tuple[Any, ...]]:
        """Per sample, what the loop reads: its own leaves, its constants, its observed nodes."""
        own = [batch.own_leaves[place] for place in sorted(batch.own_leaves)]
        constants = [batch.constants[j] for j in sorted(batch.constants)]
        columns = [observed[j] for j in sorted(observed)]
        return [
            (*(leaves[i] for leaves in own),
             *(number for column in constants for number in column[i]),
             *(column[i] for column in columns))
            for i in range(batch.size)
        ]

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
            lines.append(f"    v{i} = {forward_expression(node, self.names)}")
            lines.append(f"    N[{i}].data = v{i}")
        lines += self._backward_lines()
        lines += [f"    N[{i}].grad = g{i}" for i in range(len(self.flat))]
        return "\n".join(lines) + "\n"

    def _signature(self, name: str) -> str:
        rows = "".join(f", R{k}" for k in range(len(self.batches)))
        return f"def {name}(L, O{rows}):"

    @property
    def _root(self) -> str:
        return self.names.value[self.root]

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
                expression = forward_expression(node, self.names)
            else:
                lines += self._batch_forward(k, save)
                expression = f"sum(T{k}) + {literal(node.arguments['bias'])}"
            lines.append(f"    {self.names.value[node]} = {expression}")
            if node in observed:
                lines.append(f"    o{observed[node]}.data = {self.names.value[node]}")
        return lines

    def _backward_lines(self) -> list[str]:
        names = self.names
        lines = ["    # backward", *backward_start(names, self.leaves, self.root)]
        if self.root.is_leaf:
            return lines
        for node in reversed(self.flat):
            k = self.by_consumer.get(node)
            if k is None:
                lines += backward_lines(node, names, "    ")
            else:
                lines += self._batch_backward(k, names.grad[node])
        return lines

    # --- loops over the samples of a batch -----------------------------------

    def _batch_names(self, k: int) -> tuple[Names, list[str], list[str]]:
        """Names inside batch k's loop, the targets a row unpacks into, and the saved values."""
        batch = self.batches[k]
        template = batch.template
        names = Names(self.names.computed)
        names.value.update(self.names.value)
        names.grad.update(self.names.grad)  # shared leaves add into the outer sums
        names.assigned.update(self.names.assigned)
        targets, saved = [], []
        for place, (leaf, same) in enumerate(zip(template.places, batch.shared)):
            if not same:
                names.value[leaf], names.grad[leaf] = f"x{place}v", f"x{place}g"
                names.holder[leaf] = f"x{place}"
                targets.append(f"x{place}")
                saved.append(f"x{place}v")
        position = 0
        for j in sorted(batch.constants):
            for count in range(len(batch.constants[j][0])):
                names.constant[template.nodes[j], count] = f"c{position}"
                targets.append(f"c{position}")
                position += 1
        targets += [f"n{j}" for j in sorted(self.in_samples[k])]
        for j, node in enumerate(template.nodes):
            names.value[node], names.grad[node] = f"u{j}", f"h{j}"
            saved.append(f"u{j}")
        return names, targets, saved

    def _batch_forward(self, k: int, save: bool) -> list[str]:
        batch = self.batches[k]
        names, targets, saved = self._batch_names(k)
        lines = [f"    T{k} = []"]
        if save:
            lines.append(f"    S{k} = []")
        lines.append(f"    for {', '.join(targets)}, in R{k}:")
        for place, same in enumerate(batch.shared):
            if not same:
                lines.append(f"        x{place}v = x{place}.data")
        for j, node in enumerate(batch.template.nodes):
            lines.append(f"        u{j} = {forward_expression(node, names)}")
            if j in self.in_samples[k]:
                lines.append(f"        n{j}.data = u{j}")
        lines.append(f"        T{k}.append(u{len(batch.template.nodes) - 1})")
        if save:
            lines.append(f"        S{k}.append(({', '.join(saved)},))")
        return lines

    def _batch_backward(self, k: int, consumer_grad: str) -> list[str]:
        batch = self.batches[k]
        names, targets, saved = self._batch_names(k)
        term = batch.template.nodes[-1]
        # backward() finishes the last term first; so does this loop, so that
        # every gradient is summed in the same order and comes out identical.
        rows = f"zip(reversed(R{k}), reversed(S{k}))"
        lines = [f"    for ({', '.join(targets)},), ({', '.join(saved)},) in {rows}:"]
        lines.append(f"        {names.grad[term]} = {consumer_grad}")
        names.assigned.add(names.grad[term])
        own = [f"x{place}g" for place, same in enumerate(batch.shared) if not same]
        if own:
            lines.append(f"        {' = '.join(own)} = 0.0")
            names.assigned.update(own)
        # Within a sample, backward() visits its nodes in the sample's own topological order.
        for node in topological_order(term):
            if not node.is_leaf:
                lines += backward_lines(node, names, "        ")
        lines += [f"        x{p}.grad += x{p}g" for p, same in enumerate(batch.shared) if not same]
        return lines
