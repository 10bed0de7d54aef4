"""Neurons, layers and MLPs: hand-derived forward and backward passes, naming, initialisation."""

from __future__ import annotations

import itertools
import math
import statistics

import pytest
from conftest import FLOAT

from autograd_scalar import MLP, SGD, Layer, Neuron, Value
from autograd_scalar.losses import mse_loss
from autograd_scalar.nn import ACTIVATIONS


def set_weights(model: Neuron | Layer | MLP, values: dict[str, float]) -> None:
    model.load_state_dict({**model.state_dict(), **values})


# ---------------------------------------------------------------------------
# Seed example (a): a 1-input, 2-hidden, 2-output ReLU network, biases 0.1,
# trained by gradient descent on the cost C = 1/2 sum_k (y^_k - y_k)^2.

HIDDEN_W = [0.5, -0.2]  # w_j: input -> hidden unit j
OUTPUT_V = [[0.3, -0.4], [0.6, 0.25]]  # v_kj: hidden unit j -> output k
BIAS = 0.1


def small_network() -> MLP:
    model = MLP(1, [2, 2], activation="relu", output_activation="relu", bias_init=BIAS)
    set_weights(model, {f"layers.0.neurons.{j}.w.0": w for j, w in enumerate(HIDDEN_W)})
    set_weights(model, {
        f"layers.1.neurons.{k}.w.{j}": OUTPUT_V[k][j] for k in range(2) for j in range(2)
    })
    return model


def hand_forward_backward(
    w: list[float], v: list[list[float]], b: list[float], c: list[float], x: float, y: list[float]
) -> tuple[float, dict[str, float]]:
    """The cost and every dC/dparameter, by the chain rule on plain floats."""
    z1 = [w[j] * x + b[j] for j in range(2)]
    h = [max(z, 0.0) for z in z1]
    z2 = [v[k][0] * h[0] + v[k][1] * h[1] + c[k] for k in range(2)]
    out = [max(z, 0.0) for z in z2]
    cost = 0.5 * sum((out[k] - y[k]) ** 2 for k in range(2))
    delta2 = [(out[k] - y[k]) * (1.0 if z2[k] > 0 else 0.0) for k in range(2)]
    delta1 = [
        sum(delta2[k] * v[k][j] for k in range(2)) * (1.0 if z1[j] > 0 else 0.0)
        for j in range(2)
    ]
    grads = {}
    for j in range(2):
        grads[f"layers.0.neurons.{j}.w.0"] = delta1[j] * x
        grads[f"layers.0.neurons.{j}.b"] = delta1[j]
    for k in range(2):
        for j in range(2):
            grads[f"layers.1.neurons.{k}.w.{j}"] = delta2[k] * h[j]
        grads[f"layers.1.neurons.{k}.b"] = delta2[k]
    return cost, grads


def engine_cost(model: MLP, x: float, y: list[float]) -> Value:
    out = model.forward([x])
    assert isinstance(out, list)
    return 0.5 * ((out[0] - y[0]) * (out[0] - y[0]) + (out[1] - y[1]) * (out[1] - y[1]))


def test_hand_written_two_layer_network_gives_the_same_forward_and_backward() -> None:
    model, x, y = small_network(), 1.5, [1.0, 0.2]
    cost = engine_cost(model, x, y)
    cost.backward()
    expected_cost, expected_grads = hand_forward_backward(
        HIDDEN_W, OUTPUT_V, [BIAS, BIAS], [BIAS, BIAS], x, y
    )
    assert cost.data == pytest.approx(expected_cost, rel=1e-12)
    grads = {name: p.grad for name, p in model.named_parameters()}
    assert grads == pytest.approx(expected_grads, rel=1e-12, abs=1e-15)
    # hidden unit 1 is off (z = -0.2 * 1.5 + 0.1 < 0), so nothing flows into its weights
    assert grads["layers.0.neurons.1.w.0"] == 0.0


def test_hand_written_two_layer_network_gradient_descent_lowers_the_cost() -> None:
    model, x, y, lr = small_network(), 1.5, [1.0, 0.2], 0.1
    optimizer = SGD(model.parameters(), lr=lr)
    costs = []
    for _ in range(5):
        state = model.state_dict()
        hand_cost, hand_grads = hand_forward_backward(
            [state[f"layers.0.neurons.{j}.w.0"] for j in range(2)],
            [[state[f"layers.1.neurons.{k}.w.{j}"] for j in range(2)] for k in range(2)],
            [state[f"layers.0.neurons.{j}.b"] for j in range(2)],
            [state[f"layers.1.neurons.{k}.b"] for k in range(2)],
            x, y,
        )
        cost = engine_cost(model, x, y)
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
        assert cost.data == pytest.approx(hand_cost, rel=1e-12)
        expected = {name: state[name] - lr * hand_grads[name] for name in state}
        assert model.state_dict() == pytest.approx(expected, rel=1e-12, abs=1e-15)
        costs.append(cost.data)
    assert all(later < earlier for earlier, later in itertools.pairwise(costs))


# ---------------------------------------------------------------------------
# Seed example (b): one 4-input sigmoid neuron with the squared error.


def test_sigmoid_neuron_gradients_follow_the_chain_rule() -> None:
    neuron = Neuron(4, activation="sigmoid")
    w, b, x, target = [0.2, -0.5, 0.1, 0.4], -0.3, [1.0, 2.0, -1.5, 0.5], 1.0
    set_weights(neuron, {**{f"w.{i}": wi for i, wi in enumerate(w)}, "b": b})
    loss = mse_loss([neuron(x)], [target])
    loss.backward()

    z = sum(wi * xi for wi, xi in zip(w, x)) + b
    prediction = 1.0 / (1.0 + math.exp(-z))
    dloss_dprediction = 2.0 * (prediction - target)
    dprediction_dz = prediction * (1.0 - prediction)  # sigma'(z)
    expected = [dloss_dprediction * dprediction_dz * xi for xi in x]
    assert [wi.grad for wi in neuron.w] == pytest.approx(expected, rel=1e-12)
    assert neuron.b.grad == pytest.approx(dloss_dprediction * dprediction_dz, rel=1e-12)

    alpha = 0.5
    for wi in neuron.w:
        wi.data -= alpha * wi.grad
    assert mse_loss([neuron(x)], [target]).data < loss.data


# ---------------------------------------------------------------------------
# structure


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_neuron_applies_its_activation_to_the_weighted_sum(activation: str) -> None:
    neuron = Neuron(2, activation=activation)
    set_weights(neuron, {"w.0": 0.5, "w.1": -1.5, "b": 0.25})
    for x in ([1.0, 2.0], [3.0, -1.0]):
        z = 0.5 * x[0] - 1.5 * x[1] + 0.25
        expected = z if activation == "linear" else getattr(FLOAT, activation)(z)
        assert neuron(x).data == pytest.approx(expected, rel=1e-12)


def test_neuron_is_one_dot_node_under_its_activation() -> None:
    out = Neuron(3, activation="tanh", seed=0)([1.0, 2.0, 3.0])
    assert out.op == "tanh"
    assert [p.op for p in out.parents] == ["dot"]


def test_inputs_may_be_values_and_receive_gradients() -> None:
    neuron = Neuron(2, activation="linear", seed=1)
    x = [Value(1.0), Value(-2.0)]
    neuron(x).backward()
    assert [xi.grad for xi in x] == [w.data for w in neuron.w]


def test_named_parameters_have_dotted_names_in_a_stable_order() -> None:
    names = [name for name, _ in MLP(2, [2, 1]).named_parameters()]
    assert names == [
        "layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0", "layers.0.neurons.1.w.1", "layers.0.neurons.1.b",
        "layers.1.neurons.0.w.0", "layers.1.neurons.0.w.1", "layers.1.neurons.0.b",
    ]


def test_parameters_are_labelled_with_their_names() -> None:
    model = MLP(2, [3, 1])
    assert all(p.label == name for name, p in model.named_parameters())
    assert model.parameters() == [p for _, p in model.named_parameters()]


def test_repr_shows_the_architecture_and_parameter_count() -> None:
    # 2*16 + 16 = 48, 16*16 + 16 = 272, 16 + 1 = 17: 337 in all
    model = MLP(2, [16, 16, 1])
    assert repr(model) == "MLP(2 → 16 relu → 16 relu → 1 linear, 337 parameters)"
    assert model.num_parameters() == 337
    assert repr(Layer(3, 2, activation="tanh")) == "Layer(3 → 2 tanh, 8 parameters)"


def test_layer_of_one_neuron_returns_a_value_and_wider_layers_a_list() -> None:
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    outputs = Layer(2, 3)([1.0, 2.0])
    assert isinstance(outputs, list) and len(outputs) == 3


def test_mlp_with_a_single_output_returns_a_value() -> None:
    assert isinstance(MLP(2, [4, 1])([0.1, 0.2]), Value)
    assert len(MLP(2, [4, 3])([0.1, 0.2])) == 3


@pytest.mark.parametrize(
    "model, name", [(Neuron(3), "Neuron"), (Layer(3, 2), "Layer"), (MLP(3, [2, 1]), "MLP")]
)
def test_wrong_number_of_inputs_raises_naming_both_sizes(
    model: Neuron | Layer | MLP, name: str
) -> None:
    with pytest.raises(ValueError, match=f"{name} expects 3 inputs, but was given 2"):
        model([1.0, 2.0])


def test_unknown_activation_raises_listing_the_choices() -> None:
    with pytest.raises(ValueError, match=r"unknown activation 'swish'.*relu.*tanh"):
        MLP(2, [4, 1], activation="swish")


def test_zero_grad_resets_every_parameter() -> None:
    model = MLP(2, [3, 1])
    model([1.0, 1.0]).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


# ---------------------------------------------------------------------------
# initialisation


def test_same_seed_gives_the_same_model_and_another_seed_does_not() -> None:
    assert MLP(2, [8, 1], seed=5).state_dict() == MLP(2, [8, 1], seed=5).state_dict()
    assert MLP(2, [8, 1], seed=5).state_dict() != MLP(2, [8, 1], seed=6).state_dict()


def weights(layer: Layer) -> list[float]:
    return [w.data for neuron in layer.neurons for w in neuron.w]


def test_relu_layers_use_he_initialisation() -> None:
    # He uniform on [-sqrt(6/n_in), sqrt(6/n_in)]: variance 2 / n_in
    drawn = weights(Layer(100, 50, activation="relu", seed=0))
    assert max(map(abs, drawn)) <= math.sqrt(6 / 100)
    assert statistics.pvariance(drawn) == pytest.approx(2 / 100, rel=0.05)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_tanh_and_sigmoid_layers_use_xavier_initialisation(activation: str) -> None:
    # Glorot uniform on [-sqrt(6/(n_in + n_out)), ...]: variance 2 / (n_in + n_out)
    drawn = weights(Layer(100, 60, activation=activation, seed=0))
    assert max(map(abs, drawn)) <= math.sqrt(6 / 160)
    assert statistics.pvariance(drawn) == pytest.approx(2 / 160, rel=0.05)


def test_biases_start_at_bias_init() -> None:
    model = MLP(2, [3, 1], bias_init=0.1)
    assert {name: p.data for name, p in model.named_parameters() if name.endswith(".b")} == {
        "layers.0.neurons.0.b": 0.1, "layers.0.neurons.1.b": 0.1,
        "layers.0.neurons.2.b": 0.1, "layers.1.neurons.0.b": 0.1,
    }
