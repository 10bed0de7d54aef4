"""draw_dot(root, modules=model): a neuron per box, a frame per layer, one sample of a batch."""

from __future__ import annotations

import re
import subprocess

import pytest

from autograd_scalar import MLP, Value, make_moons
from autograd_scalar import sum as sum_values
from autograd_scalar.engine import topological_order
from autograd_scalar.losses import binary_cross_entropy_with_logits, l2_penalty
from autograd_scalar.nn import Layer, Neuron
from autograd_scalar.outline import outline
from autograd_scalar.viz import draw_dot

NEURON_BOX = re.compile(r'^\t+(v\d+) \[label="([\w.]+) · (\w+) \| \{data (\S+) \| grad (\S+)\}"',
                        re.MULTILINE)


def neuron_boxes(source: str) -> dict[str, tuple[str, str, str, str]]:
    """Each neuron box by name: (node id, activation, data, grad as drawn)."""
    return {name: (node, activation, data, grad)
            for node, name, activation, data, grad in NEURON_BOX.findall(source)}


def moons_sample() -> tuple[MLP, Value]:
    X, _ = make_moons(100, 0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    output = model(X[0])
    output.backward()
    return model, output


def test_every_neuron_of_the_mlp_is_one_box_named_after_it() -> None:
    model, output = moons_sample()
    boxes = neuron_boxes(draw_dot(output, modules=model).source)
    expected = {f"layers.{i}.neurons.{k}" for i, width in enumerate([16, 16, 1])
                for k in range(width)}
    assert set(boxes) == expected
    assert {activation for _, activation, _, _ in boxes.values()} == {"relu", "linear"}


def test_a_box_shows_its_neurons_output_data_and_grad_as_the_engine_has_them() -> None:
    X, _ = make_moons(10, 0.1, seed=1)
    model = MLP(2, [3, 2, 1], activation="tanh", seed=2)
    output = model(X[0])
    output.backward()
    boxes = neuron_boxes(draw_dot(output, modules=model, fmt=".6g").source)
    # The engine's own numbers: each neuron recomputed alone on the layer's inputs.
    hidden = model.layers[0].outputs(X[0])
    expected = hidden[1]
    assert boxes["layers.0.neurons.1"][2] == format(expected.data, ".6g")
    # d output / d (that neuron's output), from a graph through the same weights
    second = model.layers[1].outputs(hidden)
    final = model.layers[2].outputs(second)[0]
    final.backward()
    assert boxes["layers.0.neurons.1"][3] == format(expected.grad, ".6g")
    assert boxes["layers.2.neurons.0"][2:] == (format(output.data, ".6g"), "1")


def test_weights_dots_and_activations_are_folded_into_the_boxes() -> None:
    model, output = moons_sample()
    source = draw_dot(output, modules=model).source
    assert ".w.0 |" not in source and ".b |" not in source  # no parameter boxes
    assert " -> op" not in source  # no operation nodes are left: only neurons and inputs
    # 2 inputs into each of 16, 16 x 16, then 16 into the output
    assert source.count("->") == 2 * 16 + 16 * 16 + 16


def test_each_layer_is_a_cluster_holding_its_neurons() -> None:
    model, output = moons_sample()
    source = draw_dot(output, modules=model).source
    clusters = re.findall(r"subgraph (cluster_\w+) \{(.*?)\n\t\}", source, re.DOTALL)
    assert [name for name, _ in clusters] == ["cluster_layers_0", "cluster_layers_1",
                                              "cluster_layers_2"]
    for i, (_, body) in enumerate(clusters):
        assert f"label=\"layers.{i}\"" in body
        assert len(re.findall(rf"layers\.{i}\.neurons\.\d+ ·", body)) == [16, 16, 1][i]


def test_plain_number_inputs_are_drawn_once_each_and_feed_every_first_layer_neuron() -> None:
    model, output = moons_sample()
    source = draw_dot(output, modules=model).source
    inputs = re.findall(r'^\t(x\d+) \[label="\{(x\d) \| ', source, re.MULTILINE)
    assert [label for _, label in inputs] == ["x0", "x1"]
    for node, _ in inputs:
        assert source.count(f"\t{node} -> ") == 16


def test_a_batch_loss_draws_one_sample_and_says_how_many_it_stands_for() -> None:
    X, y = make_moons(100, 0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    loss = binary_cross_entropy_with_logits([model(x) for x in X], y)
    loss.backward()
    drawing = draw_dot(loss, modules=model)
    source = drawing.source
    assert "\N{MULTIPLICATION SIGN}100" in source and "one sample drawn of 100" in source
    assert len(neuron_boxes(source)) == 33  # one sample's neurons, not 3,300
    assert len(topological_order(loss)) > 7_000 and len(drawing.values) < 60


def test_the_sample_drawn_shows_the_numbers_of_the_first_sample() -> None:
    X, y = make_moons(8, 0.1, seed=0)
    model = MLP(2, [3, 1], seed=0)
    scores = [model(x) for x in X]
    loss = binary_cross_entropy_with_logits(scores, y)
    loss.backward()
    boxes = neuron_boxes(draw_dot(loss, modules=model, fmt=".6g").source)
    assert boxes["layers.1.neurons.0"][2:] == (format(scores[0].data, ".6g"),
                                                format(scores[0].grad, ".6g"))


def test_terms_of_different_shapes_are_all_drawn() -> None:
    model = MLP(2, [2, 1], seed=0)
    a, b = model([1.0, 2.0]), model([3.0, 4.0])
    total = sum_values([a, b.tanh()])
    drawn = outline(total, model, 500)
    assert not drawn.batches
    assert len(NEURON_BOX.findall(draw_dot(total, modules=model).source)) == 6


def test_terms_sharing_an_inner_node_are_not_a_batch() -> None:
    x = Value(1.0, label="x")
    shared = x.exp()
    total = sum_values([shared * 2, shared * 3])
    assert not outline(total, Neuron(1), 500).batches


def test_an_l2_penalty_is_one_node_naming_whose_parameters_it_reads() -> None:
    X, y = make_moons(10, 0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    loss = binary_cross_entropy_with_logits([model(x) for x in X], y)
    loss = loss + 1e-4 * l2_penalty(model.parameters())
    loss.backward()
    source = draw_dot(loss, modules=model).source
    assert "parameters of 5 neurons" in source
    assert "w0 · w0" not in source  # not 21 term fields


def test_a_lone_neuron_and_a_lone_layer_are_named_too() -> None:
    neuron = Neuron(3, activation="tanh", seed=0)
    assert set(neuron_boxes(draw_dot(neuron([1.0, 2.0, 3.0]), modules=neuron).source)) == {
        "neuron"}
    layer = Layer(2, 2, seed=0)
    source = draw_dot(sum_values(layer([1.0, 2.0])), modules=layer).source
    assert set(neuron_boxes(source)) == {"neurons.0", "neurons.1"}
    assert 'label=layer' in source


def test_a_neuron_used_twice_gets_a_box_per_use() -> None:
    neuron = Neuron(1, seed=0)
    total = neuron([1.0]) + neuron([2.0])
    source = draw_dot(total, modules=neuron).source
    assert source.count('label="neuron · relu') == 2


def test_max_nodes_counts_the_boxes_drawn() -> None:
    model, output = moons_sample()
    with pytest.raises(ValueError, match="the drawing has 35 boxes, more than max_nodes=10"):
        draw_dot(output, modules=model, max_nodes=10)
    draw_dot(output, modules=model, max_nodes=35)


def test_modules_must_be_a_module() -> None:
    with pytest.raises(TypeError, match="modules must be a Module"):
        draw_dot(Value(1.0), modules=[1, 2])  # type: ignore[arg-type]


def test_a_deep_model_collapses_without_recursion() -> None:
    model = MLP(1, [1] * 1500, activation="tanh", seed=0)
    output = model([0.5])
    assert len(neuron_boxes(draw_dot(output, modules=model, max_nodes=2000).source)) == 1500


def test_the_collapsed_moons_graph_lays_out_on_one_screen() -> None:
    model, output = moons_sample()
    drawing = draw_dot(output, modules=model)
    plain = subprocess.run(["dot", "-Tplain"], input=drawing.source.encode(),
                           capture_output=True, check=True, timeout=30).stdout.decode()
    _, _, width, height = plain.splitlines()[0].split()
    # inches at 72 points per inch: about 730 by 940 pixels at 96 dpi
    assert float(width) < 12 and float(height) < 14
