"""Models handed to PyTorch and back (``Module.to_torch``, ``MLP.from_torch``), checked
against what torch itself computes: outputs, gradients, weights, and every refusal.

Torch installs on some of the supported Pythons only; the tests that need it take the
``torch`` fixture, which skips without it. The rest (the missing-torch error, the
classes that do not convert, the activation table) run everywhere.
"""

from __future__ import annotations

import copy
import math
import random
import sys
from collections.abc import Callable
from typing import Any

import pytest

from autograd_scalar import MLP, Layer, Module, Neuron, Value
from autograd_scalar._torch import SOFTPLUS_THRESHOLD, TORCH_ACTIVATIONS, import_torch
from autograd_scalar.nn import ACTIVATIONS


@pytest.fixture
def torch() -> Any:
    return pytest.importorskip("torch")


SHAPES = [(1, [1]), (3, [4, 1]), (2, [5, 5, 3]), (4, [6, 3, 2, 1])]


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12)


def inputs(nin: int, seed: int = 0, samples: int = 12) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.gauss(0.0, 2.0) for _ in range(nin)] for _ in range(samples)]


def our_outputs(model: Module, x: list[float]) -> list[Value]:
    y = model(x)
    return y if isinstance(y, list) else [y]


def linears(torch: Any, net: Any) -> list[Any]:
    return [item for item in net if isinstance(item, torch.nn.Linear)]


def our_layers(model: Module) -> list[list[Neuron]]:
    """The neurons of each layer, in the order of the torch module's Linears."""
    if isinstance(model, MLP):
        return [layer.neurons for layer in model.layers]
    if isinstance(model, Layer):
        return [model.neurons]
    assert isinstance(model, Neuron)
    return [[model]]


def model_for(nin: int, nouts: list[int], activation: str, output: str) -> MLP:
    """An MLP with every weight and bias random (biases start at 0: a swap would not show)."""
    model = MLP(nin, nouts, activation=activation, output_activation=output, seed=0)
    rng = random.Random(len(nouts))
    for parameter in model.parameters():
        parameter.data = rng.uniform(-1.0, 1.0)
    return model


# --- to_torch: the same function ----------------------------------------------------


@pytest.mark.parametrize("output", ["linear", "same"])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize(("nin", "nouts"), SHAPES)
def test_to_torch_computes_what_the_mlp_computes(
    torch: Any, nin: int, nouts: list[int], activation: str, output: str
) -> None:
    model = model_for(nin, nouts, activation, activation if output == "same" else output)
    X = inputs(nin)
    got = model.to_torch()(torch.tensor(X, dtype=torch.float64))
    assert got.dtype == torch.float64
    assert tuple(got.shape) == (len(X), nouts[-1])  # (..., 1) even where we give one Value
    for x, row in zip(X, got.tolist()):
        expected = [y.data for y in our_outputs(model, x)]
        assert all(close(a, b) for a, b in zip(row, expected)), (x, row, expected)


@pytest.mark.parametrize(("nin", "nouts"), SHAPES)
def test_to_torch_copies_every_weight_bitwise(torch: Any, nin: int, nouts: list[int]) -> None:
    model = model_for(nin, nouts, "tanh", "linear")
    net = model.to_torch()
    for linear, neurons in zip(linears(torch, net), our_layers(model), strict=True):
        assert tuple(linear.weight.shape) == (len(neurons), len(neurons[0].w))
        for j, neuron in enumerate(neurons):
            assert [x.hex() for x in linear.weight[j].tolist()] == [w.data.hex() for w in neuron.w]
            assert linear.bias[j].item().hex() == neuron.b.data.hex()


def test_to_torch_writes_linears_and_activations_and_no_identity(torch: Any) -> None:
    net = MLP(2, [3, 3, 1], activation="leaky_relu", seed=0).to_torch()
    kinds = [type(item).__name__ for item in net]
    assert kinds == ["Linear", "LeakyReLU", "Linear", "LeakyReLU", "Linear"]
    assert net[1].negative_slope == 0.01
    assert all(p.dtype == torch.float64 and p.requires_grad for p in net.parameters())


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_layer_and_neuron_convert_to_one_linear_and_their_activation(
    torch: Any, activation: str
) -> None:
    X = inputs(3, seed=5)
    for module in (Layer(3, 4, activation, seed=1, bias_init=0.5), Neuron(3, activation, seed=2)):
        net = module.to_torch()
        assert type(net[0]).__name__ == "Linear"
        assert len(net) == (1 if activation == "linear" else 2)
        got = net(torch.tensor(X, dtype=torch.float64)).tolist()
        for x, row in zip(X, got):
            assert all(close(a, y.data) for a, y in zip(row, our_outputs(module, x), strict=True))


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize(("nin", "nouts"), SHAPES)
def test_torch_gradients_equal_backward_by_position(
    torch: Any, nin: int, nouts: list[int], activation: str
) -> None:
    model = model_for(nin, nouts, activation, activation)
    X = inputs(nin, seed=3)
    loss = Value(0.0)
    for x in X:
        for y in our_outputs(model, x):
            loss = loss + y * y
    loss.backward()
    net = model.to_torch()
    (net(torch.tensor(X, dtype=torch.float64)) ** 2).sum().backward()
    pairs = []  # (torch's, ours) for each parameter
    for linear, neurons in zip(linears(torch, net), our_layers(model), strict=True):
        for j, neuron in enumerate(neurons):
            pairs += [(linear.weight.grad[j, k].item(), w.grad) for k, w in enumerate(neuron.w)]
            pairs.append((linear.bias.grad[j].item(), neuron.b.grad))
    # 1e-12 of the largest gradient: a small one is a sum that cancels, in another order
    scale = max(abs(ours) for _, ours in pairs)
    assert scale > 0
    assert all(abs(theirs - ours) <= 1e-12 * scale for theirs, ours in pairs), pairs


def test_softplus_agrees_beyond_torchs_default_threshold(torch: Any) -> None:
    # torch's Softplus is x above its threshold (20 by default); ours is the exact
    # log(1 + e ** x) everywhere. The exported threshold keeps them equal.
    neuron = Neuron(1, "softplus", seed=0)
    neuron.w[0].data = 1.0
    points = [19.0, 20.5, 25.0, 30.0, 36.0, 39.0, 45.0, 800.0]
    net = neuron.to_torch()
    assert net[1].threshold == SOFTPLUS_THRESHOLD
    x = torch.tensor([[p] for p in points], dtype=torch.float64, requires_grad=True)
    net(x).sum().backward()
    for p, value, slope in zip(points, net(x).flatten().tolist(), x.grad.flatten().tolist()):
        out = neuron([Value(p)])
        expected = p + math.log1p(math.exp(-p))  # the independent formula
        assert close(value, out.data) and close(value, expected), p
        assert close(slope, 1.0 / (1.0 + math.exp(-p))), p
    default = torch.nn.Softplus()(torch.tensor(20.5, dtype=torch.float64)).item()
    assert not close(default, 20.5 + math.log1p(math.exp(-20.5)))  # 20 would not do


def test_to_torch_leaves_torchs_random_generator_alone(torch: Any) -> None:
    torch.manual_seed(0)
    expected = torch.rand(4)
    torch.manual_seed(0)
    MLP(3, [8, 8, 1], seed=0).to_torch()
    assert torch.equal(torch.rand(4), expected)


# --- from_torch: back to an MLP -------------------------------------------------------


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize(("nin", "nouts"), [shape for shape in SHAPES if len(shape[1]) > 1])
def test_round_trip_keeps_config_and_every_parameter(
    torch: Any, nin: int, nouts: list[int], activation: str
) -> None:
    model = model_for(nin, nouts, activation, "sigmoid")
    back = MLP.from_torch(model.to_torch())
    assert back.config() == model.config()
    state, original = back.state_dict(), model.state_dict()
    assert list(state) == list(original)
    assert [x.hex() for x in state.values()] == [x.hex() for x in original.values()]


def test_one_layer_round_trip_gets_the_default_hidden_activation(torch: Any) -> None:
    model = MLP(3, [2], activation="tanh", output_activation="gelu", seed=0)
    back = MLP.from_torch(model.to_torch())
    assert back.config() == {**model.config(), "activation": "relu"}  # never applied
    assert back.state_dict() == model.state_dict()


def test_from_torch_of_torchs_own_model_computes_what_torch_computes(torch: Any) -> None:
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.GELU(), torch.nn.Linear(5, 4), torch.nn.GELU(),
        torch.nn.Linear(4, 2), torch.nn.Softplus(),
    )
    before = {name: tensor.clone() for name, tensor in net.state_dict().items()}
    model = MLP.from_torch(net)
    assert repr(model) == "MLP(3 → 5 gelu → 4 gelu → 2 softplus, 54 parameters)"
    # float32 weights come across as exactly those values
    assert model.layers[0].neurons[1].w[2].data == float(net[0].weight[1, 2].item())
    X = inputs(3, seed=7)
    # torch's default Softplus threshold (20) is not reached by these outputs
    expected = copy.deepcopy(net).double()(torch.tensor(X, dtype=torch.float64)).tolist()
    for x, row in zip(X, expected):
        assert all(close(a, y.data) for a, y in zip(row, our_outputs(model, x), strict=True))
    after = net.state_dict()
    assert all(torch.equal(after[name], tensor) for name, tensor in before.items())
    assert net[0].weight.dtype == torch.float32


def test_from_torch_reads_linear_layers_and_identity(torch: Any) -> None:
    nn = torch.nn
    net = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 3), nn.Identity(), nn.Linear(3, 1))
    model = MLP.from_torch(net)
    assert model.config() == {"nin": 2, "nouts": [3, 3, 1], "activation": "linear",
                              "output_activation": "linear"}
    x = [0.25, -1.5]
    assert close(model(x).data, net.double()(torch.tensor(x, dtype=torch.float64)).item())


def test_from_torch_leaves_pythons_random_alone(torch: Any) -> None:
    net = MLP(2, [3, 1], seed=0).to_torch()
    random.seed(1)
    expected = random.random()
    random.seed(1)
    MLP.from_torch(net)
    assert random.random() == expected


# --- refusals ---------------------------------------------------------------------------


def _nan_weight(nn: Any) -> Any:
    linear = nn.Linear(2, 3)
    linear.weight.data[1, 0] = math.nan
    return nn.Sequential(linear)


def _inf_bias(nn: Any) -> Any:
    linear = nn.Linear(2, 3)
    linear.bias.data[2] = math.inf
    return nn.Sequential(nn.Linear(4, 2), nn.Tanh(), linear)


def _shared(nn: Any) -> Any:
    linear = nn.Linear(2, 2)
    return nn.Sequential(linear, nn.ReLU(), linear)


REFUSED: dict[str, tuple[Callable[[Any], Any], type[Exception], list[str]]] = {
    "not a Sequential": (lambda nn: nn.Linear(2, 3), TypeError, ["Sequential", "Linear"]),
    "a ModuleList": (lambda nn: nn.ModuleList([nn.Linear(2, 3)]), TypeError, ["ModuleList"]),
    "a convolution": (lambda nn: nn.Sequential(nn.Conv2d(1, 1, 3)), TypeError, ["Conv2d"]),
    "dropout": (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Dropout()), TypeError,
                ["item 1", "Dropout"]),
    "a nested Sequential": (lambda nn: nn.Sequential(nn.Sequential(nn.Linear(2, 3))),
                            TypeError, ["is a Sequential"]),
    "empty": (lambda nn: nn.Sequential(), ValueError, ["empty"]),
    "no bias": (lambda nn: nn.Sequential(nn.Linear(2, 3, bias=False)), ValueError,
                ["no bias", "bias=True"]),
    "sizes that do not chain": (
        lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(4, 1)), ValueError,
        ["item 2", "takes 4 inputs", "gives 3 outputs"]),
    "another leaky slope": (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.2)),
                            ValueError, ["negative_slope=0.2", "negative_slope=0.01"]),
    "another elu alpha": (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ELU(alpha=0.5)),
                          ValueError, ["alpha=0.5", "alpha=1.0"]),
    "tanh gelu": (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.GELU(approximate="tanh")),
                  ValueError, ["approximate='tanh'", "approximate='none'"]),
    "softplus beta": (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Softplus(beta=2.0)),
                      ValueError, ["beta=2.0"]),
    "low softplus threshold": (
        lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Softplus(threshold=10.0)), ValueError,
        ["threshold=10.0", "threshold >= 20"]),
    "activation first": (lambda nn: nn.Sequential(nn.ReLU(), nn.Linear(2, 1)), ValueError,
                         ["item 0", "does not follow a Linear"]),
    "two activations": (lambda nn: nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Tanh()),
                        ValueError, ["item 2", "does not follow a Linear"]),
    "different hidden activations": (
        lambda nn: nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2), nn.Tanh(),
                                 nn.Linear(2, 1)),
        ValueError, ["one activation", "relu, tanh"]),
    "a shared Linear": (_shared, ValueError, ["items [0, 2]", "shared"]),
    "a nan weight": (_nan_weight, ValueError, ["weight[1, 0] = nan", "finite"]),
    "an infinite bias": (_inf_bias, ValueError, ["item 2", "bias[2] = inf", "finite"]),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_from_torch_refuses_with_a_message_naming_the_problem(torch: Any, case: str) -> None:
    build, error, fragments = REFUSED[case]
    with pytest.raises(error) as raised:
        MLP.from_torch(build(torch.nn))
    for fragment in fragments:
        assert fragment in str(raised.value)


class Line(Module):
    def __init__(self) -> None:
        self.slope = Value(2.0)

    def forward(self, x: float) -> Value:
        return self.slope * x


class WideMLP(MLP):
    pass


@pytest.mark.parametrize("module", [Line(), WideMLP(2, [3, 1], seed=0)])
def test_only_mlp_layer_and_neuron_convert_to_torch(module: Module) -> None:
    # refused before torch is imported: this runs with or without it
    with pytest.raises(TypeError, match=f"cannot convert a {type(module).__name__} to PyTorch: "
                                        "only MLP, Layer and Neuron"):
        module.to_torch()


def test_missing_torch_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # what `import torch` does without it
    for call in (import_torch, MLP(2, [1], seed=0).to_torch, lambda: MLP.from_torch(None)):
        with pytest.raises(ImportError, match=r"pip install 'autograd-scalar\[torch\]'"):
            call()


def test_every_activation_has_a_torch_counterpart() -> None:
    # an activation added to the op table must be added to the table of torch modules too
    assert set(TORCH_ACTIVATIONS) == set(ACTIVATIONS) - {"linear"}
