"""compile_graph replays a built graph with the same values and gradients as backward()."""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_scalar as ag
from autograd_scalar import Value
from autograd_scalar.compile import compile_graph
from autograd_scalar.emit import MAX_CHAIN

UNARY: dict[str, Callable[[Value], Value]] = {
    "neg": lambda x: -x,
    "abs": abs,
    "exp": Value.exp,
    "log": lambda x: (x * x + 1.0).log(),
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "leaky_relu": lambda x: x.leaky_relu(0.2),
    "sin": Value.sin,
    "cos": Value.cos,
    "sqrt": lambda x: (x * x + 0.5).sqrt(),
}
BINARY: dict[str, Callable[[Value | float, Value | float], Value]] = {
    "add": lambda a, b: a + b,  # type: ignore[operator,return-value]
    "sub": lambda a, b: a - b,  # type: ignore[operator,return-value]
    "mul": lambda a, b: a * b,  # type: ignore[operator,return-value]
    "div": lambda a, b: a / b,  # type: ignore[operator,return-value]
    "pow": lambda a, b: abs(a) ** b,  # type: ignore[operator,return-value]
}


def eager_and_compiled(
    build: Callable[[list[Value]], Value], points: list[float]
) -> tuple[tuple[float, list[float]], tuple[float, list[float]]]:
    """(value, leaf gradients) from backward() and from a compiled replay of the same graph."""
    leaves = [Value(x) for x in points]
    root = build(leaves)
    root.backward()
    eager = (root.data, [leaf.grad for leaf in leaves])
    compiled_graph = compile_graph(root)
    for leaf in leaves:
        leaf.grad = 0.0
    root.data = math.nan
    value = compiled_graph()
    return eager, (value, [leaf.grad for leaf in leaves])


def assert_same(eager: tuple[float, list[float]], compiled: tuple[float, list[float]]) -> None:
    assert compiled[0] == eager[0]
    assert compiled[1] == eager[1]


@pytest.mark.parametrize("name", sorted(UNARY))
def test_every_unary_op_replays_exactly(name: str) -> None:
    op = UNARY[name]
    for x in (-1.3, -0.2, 0.4, 2.1):
        assert_same(*eager_and_compiled(lambda v: op(v[0] * 1.5), [x]))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_every_binary_op_replays_exactly_in_every_layout(name: str) -> None:
    op = BINARY[name]
    for a, b in ((0.7, 1.9), (-2.5, 0.3), (3.0, -1.25)):
        assert_same(*eager_and_compiled(lambda v: op(v[0], v[1]), [a, b]))
        assert_same(*eager_and_compiled(lambda v, b=b: op(v[0], b), [a]))
        assert_same(*eager_and_compiled(lambda v, a=a: op(abs(a) + 0.5, v[0]), [b]))


def test_sum_and_dot_replay_exactly_with_constants_among_operands() -> None:
    def build(v: list[Value]) -> Value:
        mixed = ag.dot([v[0], 2.0, v[1]], [v[2], v[3], 0.5], bias=1.5)
        values = ag.dot(v[:2], v[2:], bias=v[0])
        return ag.sum([mixed, values, 3.0, v[1]])

    assert_same(*eager_and_compiled(build, [0.3, -1.2, 2.2, 0.9]))


def test_dots_of_value_weights_and_float_inputs_replay_exactly() -> None:
    def build(v: list[Value]) -> Value:
        with_bias = ag.dot(v[:2], [0.5, -2.0], bias=v[2]).relu()
        without_bias = ag.dot(v[1:3], [1.5, 0.25]).tanh()
        return with_bias * without_bias + with_bias

    for point in ([0.3, -1.2, 2.2], [-3.0, 0.4, 0.1]):  # relu on, then off
        assert_same(*eager_and_compiled(build, point))


@pytest.mark.parametrize("terms", [1, 2, 3, 16, MAX_CHAIN, MAX_CHAIN + 1, 200])
def test_dots_of_any_length_replay_exactly(terms: int) -> None:
    # Short dots are written as a chain of +, long ones with sum(): the same numbers.
    def build(v: list[Value]) -> Value:
        return ag.dot(v[:terms], v[terms:], bias=v[0]).tanh()

    point = [math.sin(3.7 * i) for i in range(2 * terms)]
    assert_same(*eager_and_compiled(build, point))


def test_leaf_used_many_times_gets_every_contribution() -> None:
    def build(v: list[Value]) -> Value:
        x = v[0]
        return x * x * x + (x * 3.0).tanh() * x - x / (x * x + 1.0)

    (value, grads), (c_value, c_grads) = eager_and_compiled(build, [0.8])
    x = 0.8
    expected = 3 * x**2 + 3 * (1 - math.tanh(3 * x) ** 2) * x + math.tanh(3 * x)
    expected -= (1 - x * x) / (x * x + 1) ** 2
    assert c_grads[0] == pytest.approx(expected, rel=1e-12)
    assert (c_value, c_grads) == (value, grads)


def test_replay_reads_the_leaves_current_values_and_branches_again() -> None:
    x = Value(2.0)
    y = (x * x).relu() + (x * -1.0).relu() * 5.0
    compiled = compile_graph(y)
    assert compiled() == 4.0 and x.grad == 4.0
    x.data, x.grad = -3.0, 0.0
    assert compiled() == 9.0 + 15.0  # the second relu is active now
    assert x.grad == 2 * -3.0 - 5.0


def test_leaf_gradients_accumulate_across_replays_like_backward() -> None:
    x = Value(1.5)
    compiled = compile_graph(x * x)
    compiled()
    compiled()
    assert x.grad == 2 * (2 * 1.5)


def test_forward_recomputes_the_value_without_touching_gradients() -> None:
    x = Value(1.0)
    y = (x * 2.0).exp()
    compiled = compile_graph(y)
    x.data = 0.5
    assert compiled.forward() == math.exp(1.0)
    assert y.data == math.exp(1.0)
    assert x.grad == 0.0


def test_sync_writes_intermediate_values_and_gradients_back() -> None:
    x = Value(0.5)
    hidden = x * 3.0
    y = hidden.tanh()
    compiled = compile_graph(y)
    x.data = 0.25
    compiled.sync()
    assert hidden.data == 0.75
    assert hidden.grad == pytest.approx(1 - math.tanh(0.75) ** 2, rel=1e-15)
    assert y.grad == 1.0
    assert x.grad == 0.0  # leaves untouched


def test_root_that_is_a_leaf_replays_like_backward() -> None:
    x = Value(4.0)
    compiled = compile_graph(x)
    assert compiled() == 4.0
    assert x.grad == 1.0


def test_compile_graph_rejects_a_non_value() -> None:
    with pytest.raises(TypeError, match="compile_graph needs a Value, not float"):
        compile_graph(1.0)  # type: ignore[arg-type]


def batch_loss(
    params: list[Value], inputs: list[list[Value]], labels: list[float]
) -> tuple[Value, list[Value]]:
    """A two-layer relu network's hinge loss over a batch, with an L2 term."""
    w1, b1, w2, b2 = params[:8], params[8:12], params[12:16], params[16]
    predictions = []
    for x in inputs:
        hidden = [ag.dot(w1[2 * j : 2 * j + 2], x, b1[j]).relu() for j in range(4)]
        predictions.append(ag.dot(w2, hidden, b2))
    terms = [(1.0 - y * p).relu() for y, p in zip(labels, predictions)]
    l2 = ag.sum([p * p for p in params])
    return ag.sum(terms) * (1.0 / len(terms)) + 1e-3 * l2, predictions


def make_batch(n: int, seed: int) -> tuple[list[Value], list[list[Value]], list[float]]:
    rng = random.Random(seed)
    params = [Value(rng.gauss(0.0, 0.7)) for _ in range(17)]
    inputs = [[Value(rng.uniform(-1, 1)), Value(rng.uniform(-1, 1))] for _ in range(n)]
    labels = [rng.choice((-1.0, 1.0)) for _ in range(n)]
    return params, inputs, labels


def test_batch_of_same_shaped_samples_compiles_to_one_loop_body() -> None:
    params, inputs, labels = make_batch(50, seed=1)
    loss, _ = batch_loss(params, inputs, labels)
    source = compile_graph(loss).source
    replay = source.split("def forward")[0]
    assert replay.count("    for ") == 2  # one loop forward, one backward
    assert replay.count("\n") < 200  # not 50 copies of the per-sample code


def test_batch_loop_replays_exactly_like_backward_and_after_new_data() -> None:
    params, inputs, labels = make_batch(40, seed=2)
    loss, _ = batch_loss(params, inputs, labels)
    compiled = compile_graph(loss)
    rng = random.Random(3)
    for _ in range(3):
        loss.backward()
        eager = (loss.data, [p.grad for p in params], [x.grad for row in inputs for x in row])
        for leaf in [*params, *(x for row in inputs for x in row)]:
            leaf.grad = 0.0
        value = compiled()
        replayed = (value, [p.grad for p in params], [x.grad for row in inputs for x in row])
        assert replayed == eager
        for leaf in [*params, *(x for row in inputs for x in row)]:
            leaf.data += rng.gauss(0.0, 0.3)
            leaf.grad = 0.0
        loss, _ = batch_loss(params, inputs, labels)  # eager reference for the new data


def test_observed_predictions_are_refreshed_by_every_replay() -> None:
    params, inputs, labels = make_batch(8, seed=4)
    loss, predictions = batch_loss(params, inputs, labels)
    expected = [p.data for p in predictions]
    compiled = compile_graph(loss, observe=predictions)
    for p in predictions:
        p.data = math.nan
    compiled()
    assert [p.data for p in predictions] == expected


def test_instances_sharing_an_interior_node_fall_back_to_flat_code() -> None:
    x = [Value(0.1 * i) for i in range(6)]
    shared = (x[0] * 2.0).tanh()
    terms = [(xi * shared).exp() for xi in x]
    root = ag.sum(terms)
    compiled = compile_graph(root)
    assert "    for " not in compiled.source
    root.backward()
    eager = [xi.grad for xi in x]
    for xi in x:
        xi.grad = 0.0
    compiled()
    assert [xi.grad for xi in x] == eager


def test_long_chain_compiles_at_the_default_recursion_limit() -> None:
    assert sys.getrecursionlimit() <= 10_000
    x = Value(0.5)
    y = x
    for _ in range(20_000):
        y = (y * 1.0001 + 0.0001).tanh()
    y.backward()
    eager = x.grad
    x.grad = 0.0
    assert compile_graph(y)() == y.data
    assert x.grad == eager


def test_wide_sum_compiles_without_nesting_limits() -> None:
    xs = [Value(0.001 * i) for i in range(5_000)]
    root = ag.sum([x * x for x in xs])
    compile_graph(root)()
    assert [x.grad for x in xs[:3]] == [0.0, 0.002, 0.004]


def test_gradient_graph_from_create_graph_compiles_to_second_derivative() -> None:
    x = Value(0.7)
    (x.sin() * x).backward(create_graph=True)
    first = x.grad  # d/dx (x sin x) = sin x + x cos x, as a Value
    x.grad = 0.0
    compiled = compile_graph(first)
    assert compiled() == pytest.approx(math.sin(0.7) + 0.7 * math.cos(0.7), rel=1e-15)
    assert x.grad == pytest.approx(2 * math.cos(0.7) - 0.7 * math.sin(0.7), rel=1e-12)


def expression(draw: st.DrawFn, leaves: list[Value], depth: int) -> Value:
    if depth == 0 or draw(st.booleans()):
        return leaves[draw(st.integers(0, len(leaves) - 1))]
    if draw(st.booleans()):
        op = UNARY[draw(st.sampled_from(sorted(UNARY)))]
        return op(expression(draw, leaves, depth - 1))
    name = draw(st.sampled_from(["add", "sub", "mul"]))
    return BINARY[name](expression(draw, leaves, depth - 1), expression(draw, leaves, depth - 1))


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[Value], Value]:
    leaves = [Value(draw(st.floats(-2.0, 2.0))) for _ in range(3)]
    return leaves, expression(draw, leaves, depth=5) * 1.0


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_random_expression_trees_replay_exactly(graph: tuple[list[Value], Value]) -> None:
    leaves, root = graph
    root.backward()
    eager = (root.data, [leaf.grad for leaf in leaves])
    for leaf in leaves:
        leaf.grad = 0.0
    value = compile_graph(root)()
    replayed = [value, *(leaf.grad for leaf in leaves)]
    expected = [eager[0], *eager[1]]
    assert replayed == pytest.approx(expected, rel=1e-12, nan_ok=True)
