"""micrograd's neural-net classes: ``Module``, ``Neuron``, ``Layer`` and ``MLP``.

The interface of ``micrograd.nn`` (micrograd 0.1.0), built on
:class:`autograd_scalar.micrograd.engine.Value`. Weights are drawn as micrograd
draws them, ``random.uniform(-1, 1)`` from Python's global ``random``, one per
input, neuron by neuron and layer by layer; biases start at ``0``. So after
``random.seed(k)`` a model has micrograd's weights exactly, and a neuron adds
its terms in micrograd's order (``bias + w0*x0 + w1*x1 + ...``), so its outputs
are micrograd's numbers.

One difference: a layer of one neuron returns a single Value, as in micrograd;
an :class:`MLP` with such a layer in the middle passes that Value on as a
one-element input (micrograd raises ``TypeError`` there).

>>> import random
>>> random.seed(0)
>>> model = MLP(2, [3, 1])
>>> model
MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(3)]]
>>> len(model.parameters())
13
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any, cast

from .engine import Value

__all__ = ["MLP", "Layer", "Module", "Neuron"]

Input = Iterable[Value | float]
"""What a neuron, a layer or a model takes: Values or plain numbers."""


class Module:
    """The base of the models: its parameters and ``zero_grad``."""

    def zero_grad(self) -> None:
        """Set the grad of every parameter to 0 (before the next ``backward()``)."""
        for p in self.parameters():
            p.grad = 0

    def parameters(self) -> list[Value]:
        """The Values this module trains (none for the base class)."""
        return []


class Neuron(Module):
    """One neuron: ``relu(b + sum_i w_i * x_i)``, or without the relu for ``nonlin=False``.

    ``nin`` weights drawn from ``random.uniform(-1, 1)`` and a bias of 0.

    >>> random.seed(1)
    >>> n = Neuron(2, nonlin=False)
    >>> n, n([1.0, 0.0]).data == n.w[0].data
    (LinearNeuron(2), True)
    """

    w: list[Value]
    b: Value
    nonlin: bool

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x: Input) -> Value:
        """The neuron's output for the inputs ``x``, one per weight."""
        total = self.b
        for weight, xi in zip(self.w, x):
            total = total + weight * xi
        return total.relu() if self.nonlin else total

    def parameters(self) -> list[Value]:
        """The weights, then the bias."""
        return [*self.w, self.b]

    def __repr__(self) -> str:
        """``ReLUNeuron(nin)`` or ``LinearNeuron(nin)``."""
        kind = "ReLU" if self.nonlin else "Linear"
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons of ``nin`` inputs each; ``kwargs`` (``nonlin``) go to every neuron."""

    neurons: list[Neuron]

    def __init__(self, nin: int, nout: int, **kwargs: bool) -> None:
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Input) -> Value | list[Value]:
        """Each neuron's output for ``x``: a list, or a single Value for a layer of one."""
        inputs = list(x)
        outputs = [neuron(inputs) for neuron in self.neurons]
        return outputs[0] if len(outputs) == 1 else outputs

    def parameters(self) -> list[Value]:
        """Every neuron's parameters, neuron by neuron."""
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def __repr__(self) -> str:
        """``Layer of [ReLUNeuron(nin), ...]``."""
        return "Layer of [" + ", ".join(repr(neuron) for neuron in self.neurons) + "]"


class MLP(Module):
    """Layers of sizes ``nouts`` on ``nin`` inputs: relu neurons, and a linear last layer."""

    layers: list[Layer]

    def __init__(self, nin: int, nouts: list[int]) -> None:
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != last) for i in range(len(nouts))]

    def __call__(self, x: Input) -> Value | list[Value]:
        """The output of the last layer for the inputs ``x``."""
        out: Any = x
        for layer in self.layers:
            out = layer([out] if isinstance(out, Value) else out)
        return cast("Value | list[Value]", out)  # with no layers, x itself, as in micrograd

    def parameters(self) -> list[Value]:
        """Every layer's parameters, layer by layer."""
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        """``MLP of [Layer of [...], ...]``."""
        return "MLP of [" + ", ".join(repr(layer) for layer in self.layers) + "]"
