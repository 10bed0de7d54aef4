"""batches.find_batches: which sums are a batch's samples, checked against structure known
by construction (the samples we built, their leaves, their numbers)."""

from __future__ import annotations

from autograd_scalar import MLP, Value, dot, make_moons
from autograd_scalar import sum as sum_values
from autograd_scalar.batches import MIN_GROUP, find_batches
from autograd_scalar.compile import compile_graph
from autograd_scalar.compile_numpy import compile_numpy
from autograd_scalar.nn import Layer
from autograd_scalar.outline import outline
from autograd_scalar.viz import draw_dot


def weighted_tanh_terms(count: int) -> tuple[Value, list[Value], list[Value]]:
    """tanh(w * x_i) for ``count`` input leaves x_i: the weight, the inputs, the terms."""
    w = Value(0.5, label="w")
    xs = [Value(0.1 * i, label=f"x{i}") for i in range(count)]
    return w, xs, [(w * x).tanh() for x in xs]


def test_same_shaped_terms_of_a_sum_are_one_batch_of_their_samples() -> None:
    w, xs, terms = weighted_tanh_terms(6)
    total = sum_values(terms)
    [batch] = find_batches(total)
    assert batch.consumer is total and batch.size == 6
    assert batch.template.ops == ["mul", "tanh"]
    assert batch.template.places == [w, xs[0]]
    assert batch.shared == (True, False)
    assert batch.own_leaves == {1: xs}
    assert [sample[-1] for sample in batch.samples] == terms
    assert [sample[0] for sample in batch.samples] == [term.parents[0] for term in terms]


def test_a_samples_plain_numbers_are_its_constants() -> None:
    w = Value(2.0, label="w")
    numbers = [0.5, -1.0, 3.0, 7.25, 0.0]
    total = sum_values([(w * x).exp() for x in numbers])
    [batch] = find_batches(total)
    assert batch.template.places == [w] and batch.shared == (True,)
    assert batch.constants == {0: [(x,) for x in numbers]}  # the mul, one number each


def test_an_mlps_samples_are_its_neurons_once_with_the_inputs_as_constants() -> None:
    X, _ = make_moons(5, 0.1, seed=0)
    model = MLP(2, [3, 1], seed=0)
    total = sum_values([model(x) for x in X])
    [batch] = find_batches(total)
    # per sample: 3 dots and 3 relus, then the output's dot (linear)
    assert sorted(batch.template.ops) == ["dot"] * 4 + ["relu"] * 3
    assert set(batch.template.places) == set(model.parameters()) and all(batch.shared)
    first_layer = [j for j, node in enumerate(batch.template.nodes)
                   if node.op == "dot" and not any(not p.is_leaf for p in node.parents)]
    assert sorted(batch.constants) == first_layer
    for j in first_layer:
        assert batch.constants[j] == [tuple(x) for x in X]


def test_fewer_than_min_group_terms_are_no_batch() -> None:
    assert find_batches(sum_values(weighted_tanh_terms(MIN_GROUP - 1)[2])) == []
    assert len(find_batches(sum_values(weighted_tanh_terms(MIN_GROUP)[2]))) == 1


def test_a_term_of_another_shape_makes_no_batch() -> None:
    w, xs, terms = weighted_tanh_terms(6)
    terms[3] = (w * xs[3]).exp()
    assert find_batches(sum_values(terms)) == []


def test_a_term_with_a_constant_where_the_others_have_a_value_makes_no_batch() -> None:
    w, _, terms = weighted_tanh_terms(6)
    terms[2] = (w * 0.2).tanh()
    assert find_batches(sum_values(terms)) == []


def test_a_samples_node_read_outside_it_makes_no_batch() -> None:
    _, _, terms = weighted_tanh_terms(6)
    inner = terms[1].parents[0]  # w * x1
    assert find_batches(sum_values(terms) + inner) == []


def test_a_per_sample_leaf_read_outside_its_sample_makes_no_batch() -> None:
    _, xs, terms = weighted_tanh_terms(6)
    assert find_batches(sum_values(terms) * xs[4]) == []


def test_a_batch_inside_a_sample_is_part_of_that_sample() -> None:
    w = Value(0.5, label="w")
    outer = sum_values([sum_values([(w * (i + k)).tanh() for k in range(5)]).exp()
                        for i in range(4)])
    [batch] = find_batches(outer)
    assert batch.consumer is outer and batch.size == 4
    assert batch.template.ops.count("tanh") == 5


def test_keep_shared_refuses_terms_that_differ_in_those_leaves() -> None:
    layer = Layer(2, 5, seed=0)
    total = sum_values(layer([1.0, 2.0]))
    [neurons] = find_batches(total)  # five neurons, each with its own weights
    assert neurons.size == 5 and not any(neurons.shared)
    assert find_batches(total, keep_shared=set(layer.parameters())) == []


def test_the_float_replay_the_numpy_replay_and_the_drawing_find_the_same_batches() -> None:
    X, _ = make_moons(3 * MIN_GROUP - 1, 0.1, seed=0)
    model = MLP(2, [3, 1], seed=0)
    inputs = [[Value(a, label=f"x{i}.0"), Value(b, label=f"x{i}.1")] for i, (a, b) in
              enumerate(X)]
    samples, others = inputs[:2 * MIN_GROUP], inputs[2 * MIN_GROUP:]
    batched = sum_values([model(x).tanh() for x in samples])  # one batch
    few = sum_values([model(x) for x in others])  # MIN_GROUP - 1 terms: no batch
    penalty = dot(model.parameters(), model.parameters())
    loss = batched + few + 1e-4 * penalty
    loss.backward()
    [batch] = find_batches(loss)
    assert batch.consumer is batched and batch.size == len(samples)
    # the float replay: one loop; the batch's inputs are per-sample leaves, the others flat
    graph = compile_graph(loss)
    assert graph.source.count(" in R0:") == 2 and " in R1" not in graph.source
    flat = set(graph.leaves)
    assert all(x in flat for x in others[0]) and not any(x in flat for x in samples[0])
    # the numpy replay: one group of array code, over the same samples
    array_source = compile_numpy(loss).source
    assert array_source.count("samples of one shape") == 2  # replay and forward
    assert f"# {len(samples)} samples of one shape" in array_source
    # the drawing: the same sum stands for its samples, the small one is drawn whole
    assert outline(loss, model, 500).batches == {batched: len(samples)}
    assert f"one sample drawn of {len(samples)}" in draw_dot(loss, modules=model).source
