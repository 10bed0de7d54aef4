"""Finding a batch's repeated per-sample structure: one recogniser for every back end.

A loss summed over many samples has one subgraph per sample, all of one shape:
``sum([loss(model(x), y) for x, y in batch])``. The float replay runs such a
subgraph's code in a loop over the samples, the numpy replay runs it on all
samples at once as arrays, and the collapsed drawing draws one sample and says
how many it stands for. All three find the samples here, with
:func:`find_batches`.

A :class:`Batch` is a ``sum`` node (its :attr:`~Batch.consumer`) of at least
:data:`MIN_GROUP` terms whose subgraphs

* have the same shape: the same ops, joined the same way, reading their
  leaves in the same places, with plain numbers (constants) as the same
  arguments (their values may differ from sample to sample);
* are self-contained: no node of one sample other than a leaf is read by
  anything outside it, and a leaf that differs from sample to sample (an
  input) is read by its own sample only.

A leaf that is the same in every sample (a weight) is *shared*; one that
differs is *per-sample*. The first sample's subgraph is the
:class:`SampleTemplate` every other sample is matched to, node by node.

>>> from autograd_scalar import Value, sum
>>> w = Value(0.5, label="w")
>>> xs = [Value(float(i), label=f"x{i}") for i in range(5)]
>>> loss = sum([(w * x).tanh() for x in xs])
>>> [batch] = find_batches(loss)
>>> batch.consumer is loss, batch.size, batch.template.ops
(True, 5, ['mul', 'tanh'])
>>> batch.shared, [leaf.label for leaf in batch.own_leaves[1]]
((True, False), ['x0', 'x1', 'x2', 'x3', 'x4'])
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .core.graph import consumer_counts
from .engine import Value

__all__ = [
    "MIN_GROUP",
    "Batch",
    "LeafSegment",
    "NodeSegment",
    "SampleTemplate",
    "find_batches",
    "flat_arguments",
    "match_batch",
]

MIN_GROUP = 4
"""The fewest same-shaped terms of a ``sum`` taken for a batch's samples: fewer are
compiled flat and drawn whole."""


class NodeSegment(NamedTuple):
    """Consecutive parents of a template node (``parents[start:stop]``) that are nodes of
    the sample, at template ``positions``.

    ``run`` numbers each distinct tuple of positions, so that segments reading the
    same nodes (a layer's neurons all reading the previous layer) are matched once.
    """

    start: int
    stop: int
    run: int
    positions: tuple[int, ...]


class LeafSegment(NamedTuple):
    """Consecutive parents of a template node (``parents[start:stop]``) that are leaves, at
    leaf ``places``: the first sample's ``leaves`` there. ``number`` is its index among
    the template's leaf segments."""

    start: int
    stop: int
    places: tuple[int, ...]
    leaves: tuple[Value, ...]
    number: int


@dataclass(frozen=True)
class SampleTemplate:
    """The first sample's subgraph: what every other sample must match, node by node.

    Nodes are numbered by *position*, parents first, the term (the sample's
    result) last; leaves by *place*, in the order the nodes first read them.
    """

    nodes: list[Value]
    """The sample's nodes other than leaves, parents first; the term last."""
    ops: list[str]
    """Each node's op."""
    uses: list[int]
    """Edges into each node from inside the sample (the term: 1, from the sum)."""
    fanin: list[int]
    """How many parents each node has."""
    places: list[Value]
    """The first sample's leaves, by place."""
    place_uses: list[int]
    """Edges into each place's leaf from inside the sample."""
    segments: list[list[NodeSegment | LeafSegment]]
    """Each node's parents, cut into runs of nodes and runs of leaves."""
    value_arguments: dict[int, tuple[bool, ...]]
    """The nodes holding constants: which of their (flattened) arguments are Values."""
    runs: int
    """How many distinct runs of nodes the segments read."""
    leaf_segments: list[tuple[int, ...]]
    """The places of each leaf segment, by its number."""

    @classmethod
    def of(cls, term: Value) -> SampleTemplate:
        """The template of the subgraph computing ``term`` (iterative: any depth)."""
        nodes: list[Value] = []
        index: dict[Value, int] = {}
        stack: list[tuple[Value, bool]] = [(term, False)]
        while stack:  # iterative post-order: parents before the node
            node, expanded = stack.pop()
            if node in index:
                continue
            if expanded:
                index[node] = len(nodes)
                nodes.append(node)
                continue
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents)
                         if not p.is_leaf and p not in index)
        places: list[Value] = []
        place: dict[Value, int] = {}
        place_uses: list[int] = []
        uses = [0] * len(nodes)
        uses[-1] = 1
        segments: list[list[NodeSegment | LeafSegment]] = []
        runs: dict[tuple[int, ...], int] = {}
        leaf_segments: list[tuple[int, ...]] = []
        value_arguments: dict[int, tuple[bool, ...]] = {}
        for j, node in enumerate(nodes):
            refs: list[tuple[bool, int]] = []  # (is a leaf, its place or position)
            for parent in node.parents:
                if parent.is_leaf:
                    if parent not in place:
                        place[parent] = len(places)
                        places.append(parent)
                        place_uses.append(0)
                    place_uses[place[parent]] += 1
                    refs.append((True, place[parent]))
                else:
                    uses[index[parent]] += 1
                    refs.append((False, index[parent]))
            node_segments: list[NodeSegment | LeafSegment] = []
            start = 0
            while start < len(refs):
                stop = start
                while stop < len(refs) and refs[stop][0] == refs[start][0]:
                    stop += 1
                items = tuple(ref for _, ref in refs[start:stop])
                if refs[start][0]:
                    node_segments.append(LeafSegment(
                        start, stop, items, tuple(places[i] for i in items), len(leaf_segments)))
                    leaf_segments.append(items)
                else:
                    run = runs.setdefault(items, len(runs))
                    node_segments.append(NodeSegment(start, stop, run, items))
                start = stop
            segments.append(node_segments)
            arguments = flat_arguments(node)
            if len(node.parents) != len(arguments):
                value_arguments[j] = tuple(isinstance(x, Value) for x in arguments)
        return cls(nodes, [node.op for node in nodes], uses,
                   [len(node.parents) for node in nodes], places, place_uses, segments,
                   value_arguments, len(runs), leaf_segments)


@dataclass(frozen=True)
class Batch:
    """The samples summed by one ``sum`` node, matched to the first sample's template."""

    consumer: Value
    """The ``sum`` node whose terms are the samples."""
    template: SampleTemplate
    """The first sample's subgraph."""
    shared: tuple[bool, ...]
    """Per leaf place: the same leaf in every sample?"""
    own_leaves: dict[int, list[Value]]
    """Per-sample leaf place: its leaf in each sample."""
    constants: dict[int, list[tuple[float, ...]]]
    """Template position of a node holding constants: its constants in each sample."""
    samples: list[list[Value]]
    """Each sample's nodes, by template position."""

    @property
    def size(self) -> int:
        """The number of samples."""
        return len(self.samples)

    def observed(self, watched: Collection[Value]) -> dict[int, list[Value]]:
        """Template positions where a sample's node is in ``watched``: that node in every
        sample."""
        if not watched:
            return {}
        found = {}
        for j in range(len(self.template.nodes)):
            column = [nodes[j] for nodes in self.samples]
            if any(node in watched for node in column):
                found[j] = column
        return found


def flat_arguments(node: Value) -> list[object]:
    """A node's arguments in order, sequences (``dot``'s weights) spread out.

    >>> from autograd_scalar import Value, dot
    >>> w = Value(2.0)
    >>> flat_arguments(dot([w, w], [3.0, 4.0])) == [w, w, 3.0, 4.0, 0.0]
    True
    """
    found: list[object] = []
    for argument in node.arguments.values():
        if type(argument) is tuple:
            found.extend(argument)
        else:
            found.append(argument)
    return found


def find_batches(
    root: Value, counts: dict[Value, int] | None = None, keep_shared: Collection[Value] = ()
) -> list[Batch]:
    """The outermost batches in ``root``'s graph (a batch inside a batch's sample is
    part of that sample).

    ``counts`` are :func:`consumer_counts` of ``root``, if already known.
    ``keep_shared`` are leaves that must be shared wherever they stand (a
    model's parameters): terms that differ in them, such as the neurons of a
    layer, are not samples.

    >>> from autograd_scalar import Value, sum
    >>> w = Value(2.0)
    >>> [batch.size for batch in find_batches(sum([w * x for x in (1.0, 2.0, 3.0, 4.0)]))]
    [4]
    >>> find_batches(sum([w * x for x in (1.0, 2.0, 3.0)]))  # fewer than MIN_GROUP
    []
    >>> find_batches(sum([w * 1.0, w * 2.0, (w * 3.0).exp(), w * 4.0]))  # not one shape
    []
    """
    if counts is None:
        counts = consumer_counts(root)
    batches = []
    stack, seen = [root], {root}
    while stack:
        node = stack.pop()
        if _may_sum_samples(node):
            batch = match_batch(node, counts, keep_shared)
            if batch is not None:
                batches.append(batch)
                continue
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return batches


def _may_sum_samples(node: Value) -> bool:
    """A ``sum`` (an n-ary op of one role) of at least MIN_GROUP distinct terms, none a leaf."""
    op = node.operation
    parents = node.parents
    return (op is not None and op.arity == 0 and len(op.roles) == 1
            and len(parents) >= MIN_GROUP and not any(p.is_leaf for p in parents)
            and len(set(parents)) == len(parents))


class _Mismatch(Exception):
    """A sample differs from the template: no batch."""


class _Unshare(Exception):
    """A leaf place thought shared differs in this sample: it is per-sample."""

    def __init__(self, place: int) -> None:
        self.place = place


def match_batch(
    consumer: Value, counts: dict[Value, int], keep_shared: Collection[Value] = ()
) -> Batch | None:
    """The batch whose samples are the terms of ``consumer`` (a ``sum``), or None if they
    are not all of the first one's shape and self-contained (see :func:`find_batches`)."""
    terms = consumer.parents
    template = SampleTemplate.of(terms[0])
    shared = [True] * len(template.places)
    own: dict[int, list[Value]] = {}
    constants: dict[int, list[tuple[float, ...]]] = {j: [] for j in template.value_arguments}
    samples: list[list[Value]] = []
    all_shared = [True] * len(template.leaf_segments)
    i = 0
    while i < len(terms):
        try:
            nodes, leaves, found = _match(terms[i], template, counts, shared, all_shared)
        except _Mismatch:
            return None
        except _Unshare as unshare:
            shared[unshare.place] = False
            own[unshare.place] = [template.places[unshare.place]] * i
            all_shared = [all(shared[p] for p in places) for places in template.leaf_segments]
            continue  # this sample again, with that place per-sample
        for place, leaf_list in own.items():
            leaf_list.append(leaves.get(place, template.places[place]))
        for j, values in found.items():
            constants[j].append(values)
        samples.append(nodes)
        i += 1
    for place, leaf_list in own.items():
        # A per-sample leaf read outside its sample would get gradients the loop never sees.
        uses = template.place_uses[place]
        if any(counts[leaf] != uses or leaf in keep_shared for leaf in leaf_list):
            return None
    return Batch(consumer, template, tuple(shared), own, constants, samples)


def _match(
    term: Value, template: SampleTemplate, counts: dict[Value, int], shared: list[bool],
    all_shared: list[bool],
) -> tuple[list[Value], dict[int, Value], dict[int, tuple[float, ...]]]:
    """This sample's nodes by template position, its per-sample leaves and constants.

    ``all_shared`` says, per leaf segment, whether all its places are shared: then one
    tuple comparison checks them all.
    """
    size = len(template.nodes)
    nodes: list[Value | None] = [None] * size
    nodes[-1] = term
    leaves: dict[int, Value] = {}
    constants: dict[int, tuple[float, ...]] = {}
    resolved: list[Sequence[Value] | None] = [None] * template.runs
    for j in range(size - 1, -1, -1):
        node = nodes[j]
        assert node is not None  # every position is reached from the term
        if node.op != template.ops[j] or counts[node] != template.uses[j]:
            raise _Mismatch
        parents = node.parents
        if len(parents) != template.fanin[j]:
            raise _Mismatch
        for segment in template.segments[j]:
            got = parents[segment.start:segment.stop]
            if type(segment) is NodeSegment:
                seen = resolved[segment.run]
                if seen is not None:
                    if got != seen:
                        raise _Mismatch
                    continue
                for parent, position in zip(got, segment.positions):
                    current = nodes[position]
                    if current is None:
                        if parent.is_leaf:
                            raise _Mismatch
                        nodes[position] = parent
                    elif current is not parent:
                        raise _Mismatch
                resolved[segment.run] = got
            else:
                assert type(segment) is LeafSegment
                if all_shared[segment.number] and got == segment.leaves:
                    continue
                for parent, place, first in zip(got, segment.places, segment.leaves):
                    if shared[place]:
                        if parent is not first:
                            raise _Unshare(place)
                        continue
                    if not parent.is_leaf or leaves.setdefault(place, parent) is not parent:
                        raise _Mismatch
        pattern = template.value_arguments.get(j)
        if pattern is not None:
            arguments = flat_arguments(node)
            if tuple(isinstance(x, Value) for x in arguments) != pattern:
                raise _Mismatch
            constants[j] = tuple(x for x in arguments if not isinstance(x, Value))  # type: ignore[misc]
    return nodes, leaves, constants  # type: ignore[return-value]
