"""What a collapsed drawing of a model's graph shows: neurons as boxes, one sample of a batch.

:func:`outline` decides, for ``draw_dot(root, modules=model)`` and the explorer,
which Values get a box of their own and which are folded into another's:

* a :class:`~autograd_scalar.nn.Neuron`'s ``dot`` node, its activation and its
  parameters share one :class:`NeuronBox`, named after the neuron in the model
  (``layers.1.neurons.3``);
* of a batch (the same-shaped samples a loss sums,
  :func:`~autograd_scalar.batches.find_batches`), only the first sample is drawn,
  and the ``sum`` says how many samples it stands for.

>>> from autograd_scalar import MLP, sum
>>> model = MLP(2, [3, 1], seed=0)
>>> loss = sum([model([float(x), 1.0]) for x in range(5)])
>>> drawn = outline(loss, model, max_nodes=100)
>>> drawn.batches[loss], sorted(box.name for box in drawn.neurons.values())
(5, ['layers.0.neurons.0', 'layers.0.neurons.1', 'layers.0.neurons.2', 'layers.1.neurons.0'])
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .batches import find_batches
from .engine import Value, topological_order
from .nn import Layer, Module, Neuron
from .ops import OPS

__all__ = ["NeuronBox", "Outline", "constant_inputs", "outline"]

_DOT = OPS["dot"]


@dataclass
class NeuronBox:
    """A Neuron drawn as one box: the ``dot`` node of its weights and its activation."""

    name: str
    """Its name in the model: ``layers.1.neurons.3``."""
    position: int
    """Its place among the model's neurons."""
    layer: str
    """The name of the Layer it is in ("" if none)."""
    activation: str
    """Its activation's name (``relu``, ``linear`` ...)."""
    dot: Value
    """The node of its weighted sum."""
    output: Value
    """The activation's result (the dot itself when linear)."""


@dataclass
class Outline:
    """What a drawing shows: the Values with a box, and the box each other Value is folded in.

    Without ``modules`` every Value has its own box. With them, a neuron's dot,
    activation and parameters share its box (named after its output, whose
    numbers it shows), and a batch ``sum`` keeps its first sample only.
    """

    order: list[Value]
    """The whole graph, in topological order."""
    values: list[Value]
    """The Values drawn, a neuron by its output, in topological order."""
    index: dict[Value, int]
    """Position in ``order``: ``v{i}`` is the box of ``order[i]``."""
    names: dict[Value, str]
    """The node every drawn or folded Value's edges leave from."""
    neurons: dict[Value, NeuronBox] = field(default_factory=dict)
    """The neurons' boxes, by their output."""
    folded: set[Value] = field(default_factory=set)
    """Parameters inside a neuron's box."""
    batches: dict[Value, int] = field(default_factory=dict)
    """Each batch ``sum`` drawn: its number of samples."""


def outline(root: Value, modules: Module | None, max_nodes: int) -> Outline:
    """What to draw of ``root``'s graph; ``ValueError`` past ``max_nodes`` Values (or boxes)."""
    order = topological_order(root)
    index = {value: i for i, value in enumerate(order)}
    if modules is None:
        if len(order) > max_nodes:
            raise ValueError(
                f"the graph has {len(order)} Values, more than max_nodes={max_nodes}; "
                f"pass max_nodes={len(order)} (or more) to draw it"
            )
        return Outline(order, order, index, {v: f"v{i}" for i, v in enumerate(order)})
    reached, batches = _one_sample(root, set(modules.parameters()))
    drawn = [value for value in order if value in reached]
    neurons = _find_neurons(drawn, modules)
    names: dict[Value, str] = {}
    folded: set[Value] = set()
    for box in neurons.values():
        name = f"v{index[box.output]}"
        inner = [box.dot, *(p for p in box.dot.parents if p.is_leaf and p in _weights(box))]
        for value in inner:
            names.setdefault(value, name)
        folded.update(inner[1:])
    values = [v for v in drawn if v in neurons or v not in names]
    for value in values:
        names[value] = f"v{index[value]}"
    boxes = len(values) + len({k for box in neurons.values() for k in constant_inputs(box)})
    if boxes > max_nodes:
        raise ValueError(
            f"the drawing has {boxes} boxes, more than max_nodes={max_nodes}; "
            f"pass max_nodes={boxes} (or more) to draw it"
        )
    return Outline(order, values, index, names, neurons, folded, batches)


def constant_inputs(box: NeuronBox) -> list[tuple[int, float]]:
    """A neuron's inputs that are plain numbers, by position: (k, value)."""
    inputs = box.dot.arguments["inputs"]
    return [(k, x) for k, x in enumerate(inputs) if not isinstance(x, Value)]


def _weights(box: NeuronBox) -> set[Value]:
    weights, _, bias = box.dot.arguments.values()
    return {w for w in (*weights, bias) if isinstance(w, Value)}


def _one_sample(root: Value, parameters: set[Value]) -> tuple[set[Value], dict[Value, int]]:
    """The Values reached from ``root`` through only the first sample of each batch, and
    each batch sum's number of samples.

    The ``parameters`` must be shared by the samples, so that the neurons summed
    by a layer are not taken for samples.
    """
    batches = {batch.consumer: batch.size
               for batch in find_batches(root, keep_shared=parameters)}
    reached = {root}
    stack = [root]
    while stack:
        node = stack.pop()
        parents = node.parents[:1] if node in batches else node.parents
        for parent in parents:
            if parent not in reached:
                reached.add(parent)
                stack.append(parent)
    return reached, batches


def _find_neurons(drawn: list[Value], modules: Module) -> dict[Value, NeuronBox]:
    """Each ``dot`` node computing a neuron of ``modules`` (its weights and bias), by the
    Value that is the neuron's output."""
    by_weights: dict[tuple[Value, ...], tuple[int, str, str, Neuron]] = {}
    for position, (name, layer, neuron) in enumerate(_named_neurons(modules)):
        by_weights.setdefault((*neuron.w, neuron.b), (position, name, layer, neuron))
    consumers: dict[Value, list[Value]] = {}
    for value in drawn:
        for parent in value.parents:
            consumers.setdefault(parent, []).append(value)
    boxes: dict[Value, NeuronBox] = {}
    for value in drawn:
        if value.operation is not _DOT:
            continue
        weights, _, bias = value.arguments.values()
        found = by_weights.get((*weights, bias))
        if found is None:
            continue
        position, name, layer, neuron = found
        output = value
        if neuron.activation != "linear":
            output = next((c for c in consumers.get(value, ()) if c.op == neuron.activation
                           and len(c.parents) == 1), value)
        boxes[output] = NeuronBox(name, position, layer, neuron.activation, value, output)
    return boxes


def _named_neurons(modules: Module) -> list[tuple[str, str, Neuron]]:
    """Every Neuron in ``modules`` with its name and the name of the Layer holding it."""
    found = []
    seen: set[int] = set()
    root = "neuron" if isinstance(modules, Neuron) else ""
    stack: list[tuple[str, Module, str]] = [(root, modules, "")]
    while stack:
        name, module, layer = stack.pop()
        if id(module) in seen:
            continue
        seen.add(id(module))
        if isinstance(module, Neuron):
            found.append((name, layer, module))
            continue
        inside = (name or "layer") if isinstance(module, Layer) else ""
        for child_name, child in reversed(module.named_children()):
            stack.append((f"{name}.{child_name}" if name else child_name, child, inside))
    return found
