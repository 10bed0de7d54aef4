"""compile_graph(..., backend="numpy") replays a graph with the values and gradients of backward().

The reference throughout is eager evaluation: the same graph built again from the
leaves' current numbers and differentiated with ``backward()``, node by node on
floats, a path that shares none of the array code. PyTorch float64, closed forms
and central differences check some cases from outside the engine.

Array code adds in another order than eager evaluation (matrix products, sums over
the sample axis), so values and gradients agree to rounding, 1e-12 relative, not bit
for bit. Gradients are compared relative to the largest gradient magnitude of the
case: cancellation between samples leaves some single entries (a weight that helps
some samples and hurts others) near 0, where the rounding of the other terms is all
there is. Where a convention decides a number (a kink, a pole) it is compared exactly.
"""

from __future__ import annotations

import math
import random
import re
import sys
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import pytest
from conftest import FLOAT, numeric_grad
from hypothesis import given, settings
from hypothesis import strategies as st
from op_samples import SAMPLES, ops_of_arity

import autograd_scalar as ag
from autograd_scalar import SGD, Adam, RMSprop, Value, compile_graph
from autograd_scalar.compile_numpy import ArrayGraph, compile_numpy
from autograd_scalar.data import make_blobs, make_moons, to_plus_minus
from autograd_scalar.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l2_penalty,
    mse_loss,
)
from autograd_scalar.nn import MLP
from autograd_scalar.ops import OPS
from autograd_scalar.optim import Optimizer
from autograd_scalar.train import LossFunction, batch_loss

Operand = Value | float

REL = 1e-12

ARRAYS = "samples of one shape, as arrays"
"""The comment the numpy replay writes above each group of samples it runs as arrays."""


# ---------------------------------------------------------------------------
# helpers


def zero_grads(leaves: Sequence[Value]) -> None:
    for leaf in leaves:
        leaf.grad = 0.0


def eager(build: Callable[[], Value], leaves: Sequence[Value]) -> tuple[float, list[float]]:
    """The root's value and the leaves' gradients from building the graph and backward()."""
    zero_grads(leaves)
    root = build()
    root.backward()
    return root.data, [leaf.grad for leaf in leaves]


def replayed(graph: ArrayGraph, leaves: Sequence[Value], samples: Any = None
             ) -> tuple[float, list[float]]:
    """The value a replay returns and the gradients it leaves in ``leaves``."""
    zero_grads(leaves)
    value = graph() if samples is None else graph(samples)
    return value, [leaf.grad for leaf in leaves]


def numpy_graph(root: Value, observe: Sequence[Value] = ()) -> ArrayGraph:
    graph = compile_graph(root, observe=observe, backend="numpy")
    assert isinstance(graph, ArrayGraph)
    return graph


def assert_close(actual: Sequence[float], expected: Sequence[float], rel: float = REL) -> None:
    """Entry by entry within ``rel`` of ``expected``, or within ``rel`` times its largest
    magnitude (see the module docstring: cancellation makes single entries tiny)."""
    assert len(actual) == len(expected)
    scale = max((abs(e) for e in expected), default=0.0)
    for i, (a, e) in enumerate(zip(actual, expected)):
        assert math.isclose(a, e, rel_tol=rel, abs_tol=rel * scale), (
            f"entry {i}: {a!r} != {e!r} (scale {scale!r})")


def assert_same_result(actual: tuple[float, list[float]], expected: tuple[float, list[float]]
                       ) -> None:
    assert math.isclose(actual[0], expected[0], rel_tol=REL, abs_tol=0.0), (actual[0], expected[0])
    assert_close(actual[1], expected[1])


def error_of(call: Callable[[], object]) -> BaseException:
    with pytest.raises((ArithmeticError, ValueError)) as caught:
        call()
    return caught.value


def assert_same_error(replay: Callable[[], object], build: Callable[[], object]) -> None:
    """The replay raises the exception eager evaluation raises: same type, same message."""
    expected, got = error_of(build), error_of(replay)
    assert (type(got), str(got)) == (type(expected), str(expected))


def forward_source(graph: ArrayGraph) -> str:
    return graph.source.split("def forward")[1]


# ---------------------------------------------------------------------------
# the moons MLP and every loss

LOSSES: dict[str, LossFunction] = {
    "hinge": hinge_loss,
    "bce": binary_cross_entropy_with_logits,
    "mse": mse_loss,
    "cross_entropy": cross_entropy,
}


def dataset(loss: str, n: int = 40, seed: int = 3) -> tuple[list[list[float]], list[Any]]:
    """Moons with the labels ``loss`` wants, or 3-class blobs for cross-entropy."""
    if loss == "cross_entropy":
        return make_blobs(n, centers=3, seed=seed)
    X, y = make_moons(n, noise=0.2, seed=seed)
    return X, (to_plus_minus(y) if loss == "hinge" else y)


MLP_CASES = [
    pytest.param("hinge", [16, 16, 1], "relu", id="hinge-16-16-1-relu"),
    pytest.param("bce", [16, 16, 1], "relu", id="bce-16-16-1-relu"),
    pytest.param("mse", [16, 16, 1], "relu", id="mse-16-16-1-relu"),
    pytest.param("hinge", [8, 1], "tanh", id="hinge-8-1-tanh"),
    pytest.param("bce", [6, 6, 1], "gelu", id="bce-6-6-1-gelu"),
    pytest.param("mse", [5, 1], "sigmoid", id="mse-5-1-sigmoid"),
    pytest.param("bce", [4, 4, 4, 1], "leaky_relu", id="bce-4-4-4-1-leaky_relu"),
    pytest.param("mse", [8, 8, 1], "elu", id="mse-8-8-1-elu"),
    pytest.param("hinge", [7, 1], "softplus", id="hinge-7-1-softplus"),
    pytest.param("cross_entropy", [8, 3], "relu", id="cross_entropy-8-3-relu"),
    pytest.param("cross_entropy", [6, 6, 3], "tanh", id="cross_entropy-6-6-3-tanh"),
]


@pytest.mark.parametrize(("loss", "nouts", "activation"), MLP_CASES)
def test_mlp_batch_loss_and_every_parameter_gradient_match_eager(
    loss: str, nouts: list[int], activation: str
) -> None:
    X, y = dataset(loss)
    model = MLP(2, nouts, activation=activation, seed=1)
    params = model.parameters()

    def build() -> Value:
        return batch_loss(model, X, y, LOSSES[loss], 1e-3)[0]

    expected = eager(build, params)
    graph = numpy_graph(build())
    assert_same_result(replayed(graph, params), expected)


@pytest.fixture
def torch() -> Any:
    return pytest.importorskip("torch")


def torch_batch_loss(torch: Any, model: MLP, X: list[list[float]], y: list[Any], loss: str,
                     l2: float) -> tuple[float, list[float]]:
    """The MLP's batch loss and gradients computed by PyTorch in float64, from the weights:
    (loss, gradients in ``model.parameters()`` order)."""
    functional = torch.nn.functional
    activations = {"relu": torch.relu, "tanh": torch.tanh}

    def tensor(rows: Any) -> Any:
        return torch.tensor(rows, dtype=torch.float64, requires_grad=True)

    weights = [tensor([[w.data for w in n.w] for n in layer.neurons]) for layer in model.layers]
    biases = [tensor([n.b.data for n in layer.neurons]) for layer in model.layers]
    h = torch.tensor(X, dtype=torch.float64)
    for i, (W, b) in enumerate(zip(weights, biases)):
        h = h @ W.T + b
        if i < len(weights) - 1:
            h = activations[model.activation](h)
    if loss == "cross_entropy":
        value = functional.cross_entropy(h, torch.tensor(y))
    else:
        score, target = h[:, 0], torch.tensor(y, dtype=torch.float64)
        value = {
            "hinge": lambda: torch.relu(1.0 - target * score).mean(),
            "bce": lambda: functional.binary_cross_entropy_with_logits(score, target),
            "mse": lambda: ((score - target) ** 2).mean(),
        }[loss]()
    value = value + l2 * sum((W * W).sum() + (b * b).sum() for W, b in zip(weights, biases))
    value.backward()
    grads: list[float] = []
    for W, b in zip(weights, biases):
        for row, bias in zip(W.grad.tolist(), b.grad.tolist()):
            grads += [*row, bias]
    return float(value.item()), grads


@pytest.mark.parametrize(("loss", "activation"), [
    ("hinge", "relu"), ("bce", "tanh"), ("mse", "relu"), ("cross_entropy", "tanh")])
def test_mlp_batch_loss_and_gradients_match_pytorch_float64(
    torch: Any, loss: str, activation: str
) -> None:
    X, y = dataset(loss, n=30, seed=5)
    nouts = [8, 3] if loss == "cross_entropy" else [8, 8, 1]
    model = MLP(2, nouts, activation=activation, seed=2)
    params = model.parameters()
    graph = numpy_graph(batch_loss(model, X, y, LOSSES[loss], 1e-2)[0])
    assert_same_result(replayed(graph, params), torch_batch_loss(torch, model, X, y, loss, 1e-2))


def test_mlp_layers_are_lifted_into_one_matrix_product_each() -> None:
    X, y = make_moons(40, noise=0.2, seed=3)
    model = MLP(2, [16, 16, 1], seed=1)
    graph = numpy_graph(batch_loss(model, X, to_plus_minus(y), hinge_loss)[0])
    products = [line for line in forward_source(graph).splitlines() if "@" in line]
    assert len(products) == len(model.layers), products
    assert "for " not in graph.source  # no loop over the samples


# ---------------------------------------------------------------------------
# random expression trees over every op of the table


UNARY_BUILDERS: list[tuple[str, Callable[[Value], Value]]] = [
    # Each op with its operand kept inside its domain by other ops, whatever the input
    # (the sample table's ``anywhere`` forms), and a power of a negative base.
    *((name, partial(SAMPLES[name].apply_anywhere, ag)) for name in ops_of_arity(1)),
    ("pow", lambda u: (2.0 * u.tanh()) ** 3.0),  # a negative base, an integer exponent
]
BINARY_BUILDERS: list[tuple[str, Callable[[Operand, Operand], Operand]]] = [
    # One operand may be a number (a constant, or the sample's x as a constant).
    (name, partial(SAMPLES[name].apply_anywhere, ag))
    for name in [*ops_of_arity(2), *ops_of_arity(0)]
]

Recipe = tuple[Any, ...]
"""An expression of one sample: ("x",), ("s", i), ("unary", k, recipe) or
("binary", k, recipe, recipe or ("c", number) or ("xc",), swapped)."""


def build_term(recipe: Recipe, x: Value | None, x_number: float, shared: list[Value]) -> Operand:
    """One sample's expression: ``x`` its leaf (None: x is a constant), ``x_number`` its number."""
    kind = recipe[0]
    if kind == "x":
        assert x is not None
        return x
    if kind == "xc":
        return x_number
    if kind == "c":
        return float(recipe[1])
    if kind == "s":
        return shared[recipe[1]]
    if kind == "unary":
        operand = build_term(recipe[2], x, x_number, shared)
        assert isinstance(operand, Value)
        return UNARY_BUILDERS[recipe[1]][1](operand)
    left = build_term(recipe[2], x, x_number, shared)
    right = build_term(recipe[3], x, x_number, shared)
    a, b = (right, left) if recipe[4] else (left, right)
    return BINARY_BUILDERS[recipe[1]][1](a, b)


TOP_LEVEL = [k for k, (name, _) in enumerate(BINARY_BUILDERS)
             if name in ("mul", "maximum", "minimum")]
"""The ops a term ends in: they take the sample's x unchanged (a leaf or a constant) and
send a gradient that differs by sample. (add, sub or dot there would send the same number
to every sample, which array code gets wrong when it reaches a shared leaf: see
test_a_gradient_the_same_in_every_sample_reaching_a_shared_leaf_counts_every_sample.)"""


def recipes(x_is_leaf: bool, shared: int) -> st.SearchStrategy[Recipe]:
    """A sample's expression: any tree over the leaves, combined at the top with the sample's
    x, so that the samples differ (identical samples are tested on their own)."""
    terminals: list[Recipe] = [("s", i) for i in range(shared)] + ([("x",)] if x_is_leaf else [])
    constants = st.one_of(st.just(("xc",)), st.floats(-2.0, 2.0).map(lambda c: ("c", c)))

    def extend(children: st.SearchStrategy[Recipe]) -> st.SearchStrategy[Recipe]:
        return st.one_of(
            st.tuples(st.just("unary"), st.integers(0, len(UNARY_BUILDERS) - 1), children),
            st.tuples(st.just("binary"), st.integers(0, len(BINARY_BUILDERS) - 1), children,
                      st.one_of(children, constants), st.booleans()),
        )

    tree = st.recursive(st.sampled_from(terminals), extend, max_leaves=6)
    x: Recipe = ("x",) if x_is_leaf else ("xc",)
    return st.tuples(st.just("binary"), st.sampled_from(TOP_LEVEL), tree, st.just(x),
                     st.booleans())


@st.composite
def batches(draw: st.DrawFn) -> tuple[Recipe, list[float], list[float], bool]:
    """(the per-sample recipe, x of each sample, the shared leaves' numbers, x is a leaf)."""
    x_is_leaf = draw(st.booleans())
    shared = draw(st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=3))
    recipe = draw(recipes(x_is_leaf, len(shared)))
    xs = draw(st.lists(st.floats(-2.0, 2.0), min_size=4, max_size=6, unique=True))
    return recipe, xs, shared, x_is_leaf


def test_the_expression_builders_cover_every_op_of_the_table() -> None:
    assert {name for name, _ in [*UNARY_BUILDERS, *BINARY_BUILDERS]} == set(OPS)


@settings(max_examples=80, deadline=None)
@given(batches())
def test_random_expressions_summed_over_samples_match_eager(
    batch: tuple[Recipe, list[float], list[float], bool]
) -> None:
    recipe, x_numbers, shared_numbers, x_is_leaf = batch
    shared = [Value(s) for s in shared_numbers]
    xs = [Value(x) for x in x_numbers] if x_is_leaf else []
    leaves = [*shared, *xs]

    def terms() -> list[Value]:
        built = [build_term(recipe, xs[i] if xs else None, x, shared)
                 for i, x in enumerate(x_numbers)]
        assert all(isinstance(t, Value) for t in built)  # a recipe's terminals are Values
        return built  # type: ignore[return-value]

    expected = eager(lambda: ag.sum(terms()), leaves)
    sample_terms = terms()
    value, grads = replayed(numpy_graph(ag.sum(sample_terms)), leaves)
    # Scale: the sum of the terms' magnitudes for the value (the sum cancels), the
    # largest gradient magnitude (and 1) for the gradients.
    value_scale = math.fsum(abs(t.data) for t in sample_terms)
    grad_scale = max([1.0, *map(abs, expected[1])])
    assert math.isclose(value, expected[0], rel_tol=REL, abs_tol=REL * value_scale)
    for got, want in zip(grads, expected[1]):
        assert math.isclose(got, want, rel_tol=REL, abs_tol=REL * grad_scale), (got, want)


def identical_samples_of_a_shared_leaf() -> tuple[Callable[[], Value], list[Value]]:
    s = Value(1.5)
    return (lambda: ag.sum([-s for _ in range(4)])), [s]


def identical_rows_of_an_mlp() -> tuple[Callable[[], Value], list[Value]]:
    model = MLP(2, [3, 1], seed=0)
    return (lambda: mse_loss([model([0.5, -0.25]) for _ in range(5)],
                             [1.0] * 5)), model.parameters()


@pytest.mark.parametrize("case", [identical_samples_of_a_shared_leaf, identical_rows_of_an_mlp],
                         ids=["shared leaf", "mlp"])
def test_identical_samples_each_count_in_the_sum(
    case: Callable[[], tuple[Callable[[], Value], list[Value]]]
) -> None:
    build, leaves = case()
    expected = eager(build, leaves)
    graph = numpy_graph(build())
    assert ARRAYS in graph.source
    assert_same_result(replayed(graph, leaves), expected)


@pytest.mark.parametrize("term", [
    pytest.param(lambda s, x: s + x, id="s + x"),
    pytest.param(lambda s, x: (s * s - x) * 2.0, id="(s * s - x) * 2"),
    pytest.param(lambda s, x: s.tanh() + 0.5 * x, id="tanh(s) + 0.5 x"),
])
def test_a_gradient_the_same_in_every_sample_reaching_a_shared_leaf_counts_every_sample(
    term: Callable[[Value, Value], Value]
) -> None:
    s = Value(0.5)
    xs = [Value(x) for x in (0.0, 1.0, 2.0, 3.0)]

    def build() -> Value:
        return ag.sum([term(s, x) for x in xs])

    expected = eager(build, [s, *xs])
    graph = numpy_graph(build())
    assert_same_result(replayed(graph, [s, *xs]), expected)


# ---------------------------------------------------------------------------
# leaves used many times


def test_a_shared_leaf_used_in_several_places_of_each_sample_gets_every_contribution() -> None:
    s = Value(0.7)
    xs = [Value(x) for x in (-1.2, -0.3, 0.4, 0.9, 1.6)]

    def term(m: Any, s: Any, x: Any) -> Any:
        return m.tanh(s * x) * s + m.exp(s * s * x) - s / (x * x + 1.0) + s * x * s

    def build() -> Value:
        return ag.sum([term(ag, s, x) for x in xs])

    expected = eager(build, [s, *xs])
    graph = numpy_graph(build())
    assert ARRAYS in graph.source
    got = replayed(graph, [s, *xs])
    assert_same_result(got, expected)
    # and from outside the engine: central differences of the float function
    numbers = [s.data, *(x.data for x in xs)]
    numeric = numeric_grad(lambda s, *xs: sum(term(FLOAT, s, x) for x in xs), numbers)
    assert_close(got[1], numeric, rel=1e-7)


def tied_network(w: list[Value], b: list[Value], x: Sequence[Operand]) -> Value:
    """Two layers with tied weights: the second layer's weight lists hold the first's Values."""
    hidden = [ag.dot(w[2 * j: 2 * j + 2], x, b[j]).tanh() for j in range(2)]
    second = [ag.dot([w[j], w[2 + j]], hidden, b[2 + j]).tanh() for j in range(2)]
    return ag.dot([w[0], w[3]], second, b[4])


def test_tied_weights_in_two_layers_get_both_layers_gradients() -> None:
    rng = random.Random(7)
    w = [Value(rng.uniform(-1.0, 1.0)) for _ in range(4)]
    b = [Value(rng.uniform(-0.5, 0.5)) for _ in range(5)]
    X, y = make_moons(12, noise=0.2, seed=1)

    def build() -> Value:
        return mse_loss([tied_network(w, b, x) for x in X], [float(t) for t in y])

    expected = eager(build, [*w, *b])
    graph = numpy_graph(build())
    assert ARRAYS in graph.source
    assert_same_result(replayed(graph, [*w, *b]), expected)


def test_a_weight_repeated_within_one_layer_gets_every_use() -> None:
    w, b = [Value(0.3), Value(-0.7)], Value(0.1)
    X, y = make_moons(12, noise=0.2, seed=1)

    def network(x: list[float]) -> Value:
        hidden = [ag.dot([w[0], w[1]], x, b).tanh(), ag.dot([w[1], w[0]], x, b).tanh(),
                  ag.dot([w[0], w[0]], x).tanh()]
        return ag.dot([w[1], w[0], w[1]], hidden)

    def build() -> Value:
        return mse_loss([network(x) for x in X], [float(t) for t in y])

    expected = eager(build, [*w, b])
    graph = numpy_graph(build())
    assert "@" in forward_source(graph)
    assert_same_result(replayed(graph, [*w, b]), expected)


# ---------------------------------------------------------------------------
# kinks: the conventions, exactly

KINKS = [
    # op, applied to x; x's derivative at 0 (0 for relu and abs, the slope for leaky_relu)
    pytest.param(lambda x: x.relu(), 0.0, id="relu"),
    pytest.param(abs, 0.0, id="abs"),
    pytest.param(lambda x: x.leaky_relu(0.2), 0.2, id="leaky_relu"),
]


@pytest.mark.parametrize(("op", "slope_at_zero"), KINKS)
def test_relu_abs_and_leaky_relu_at_zero_follow_eagers_convention(
    op: Callable[[Value], Value], slope_at_zero: float
) -> None:
    s = Value(1.5)
    xs = [Value(x) for x in (0.0, 1.25, -0.0, -2.0, 0.0)]

    def build() -> Value:
        return ag.sum([op(x) * s for x in xs])

    expected = eager(build, [s, *xs])
    graph = numpy_graph(build())
    assert ARRAYS in graph.source
    value, grads = replayed(graph, [s, *xs])
    assert (value, grads) == expected
    assert [grads[1], grads[3], grads[5]] == [slope_at_zero * 1.5] * 3


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_and_minimum_split_the_gradient_half_and_half_at_ties(name: str) -> None:
    s = Value(0.75)
    xs = [Value(x) for x in (0.75, 0.25, 1.5, 0.75, -0.0)]

    def build() -> Value:
        return ag.sum([getattr(ag, name)(x, s) for x in xs])

    expected = eager(build, [s, *xs])
    graph = numpy_graph(build())
    assert ARRAYS in graph.source
    value, grads = replayed(graph, [s, *xs])
    assert (value, grads) == expected
    assert grads[1] == grads[4] == 0.5  # the ties
    assert grads[0] == {"maximum": 3.0, "minimum": 2.0}[name]  # 1/2 + 1/2 + where s wins


def test_maximum_of_a_value_with_itself_passes_the_whole_gradient() -> None:
    s = Value(2.0)
    xs = [Value(x) for x in (0.5, -1.0, 0.0, 3.0)]

    def tie(u: Value) -> Value:
        return ag.maximum(u, u)

    def build() -> Value:
        return ag.sum([tie(x * s) for x in xs])

    expected = eager(build, [s, *xs])
    graph = numpy_graph(build())
    assert ARRAYS in graph.source
    assert replayed(graph, [s, *xs]) == expected
    assert expected[1] == [2.5, 2.0, 2.0, 2.0, 2.0]  # 0.5 g + 0.5 g through x * s


def test_clamp_has_derivative_one_at_its_bounds_and_zero_outside() -> None:
    s = Value(2.0)
    xs = [Value(x) for x in (0.0, 1.0, -0.5, 1.5, 0.3)]

    def build() -> Value:
        return ag.sum([x.clamp(0.0, 1.0) * s for x in xs])

    expected = eager(build, [s, *xs])
    graph = numpy_graph(build())
    assert ARRAYS in graph.source
    value, grads = replayed(graph, [s, *xs])
    assert (value, grads) == expected
    assert grads[1:] == [2.0, 2.0, 0.0, 0.0, 2.0]


def test_relu_at_zero_inside_a_lifted_layer_passes_no_gradient() -> None:
    model = MLP(2, [4, 1], seed=3)  # biases start at 0: every pre-activation is 0
    params = model.parameters()
    X = [[0.0, 0.0], [-0.0, 0.0], [0.0, -0.0], [0.0, 0.0]]

    def build() -> Value:
        return mse_loss([model(x) for x in X], [1.0, -1.0, 0.5, 2.0])

    expected = eager(build, params)
    graph = numpy_graph(build())
    assert "@" in forward_source(graph)
    assert replayed(graph, params) == expected
    first_layer = model.layers[0].parameters()
    assert [p.grad for p in first_layer] == [0.0] * len(first_layer)


# ---------------------------------------------------------------------------
# minibatches of any size with one program


def leaf_batch(model: MLP, loss: str, n: int
               ) -> tuple[Value, list[list[Value]], list[Value], list[Any]]:
    """The batch loss on Value leaves for the first ``n`` inputs and targets."""
    X, y = dataset(loss)
    inputs = [[Value(a), Value(b)] for a, b in X[:n]]
    targets = [Value(float(t)) for t in y[:n]]
    loss_value, predictions = batch_loss(model, inputs, targets, LOSSES[loss], 1e-3)
    return loss_value, inputs, targets, predictions


def rows_for(graph: ArrayGraph, inputs: list[Value], target: Value,
             X: list[list[float]], y: list[Any]) -> list[list[float]]:
    """The samples as ``graph(samples)`` takes them: the columns of ``sample_leaves``."""
    column = {leaf: k for k, leaf in enumerate([*inputs, target])}
    order = [column[leaf] for leaf in graph.sample_leaves]
    return [[[*x, float(t)][k] for k in order] for x, t in zip(X, y)]


BATCHES = [(0, 16), (16, 7), (23, 1), (0, 40)]
"""(start, size) of each minibatch of the 40 samples: the program was compiled on 16."""


@pytest.mark.parametrize("loss", ["hinge", "bce", "mse"])
def test_one_program_replays_minibatches_of_every_size_like_eager(loss: str) -> None:
    model = MLP(2, [8, 8, 1], seed=4)
    params = model.parameters()
    loss_value, inputs, targets, predictions = leaf_batch(model, loss, 16)
    graph = numpy_graph(loss_value, observe=predictions)
    X, y = dataset(loss)
    for start, size in BATCHES:
        X_batch, y_batch = X[start:start + size], y[start:start + size]
        samples = rows_for(graph, inputs[0], targets[0], X_batch, y_batch)
        got = replayed(graph, params, samples)
        zero_grads(params)
        eager_loss, eager_predictions = batch_loss(model, X_batch, y_batch, LOSSES[loss], 1e-3)
        eager_loss.backward()  # a mean over this batch's samples
        assert_same_result(got, (eager_loss.data, [p.grad for p in params]))
        assert_close(list(graph.values(predictions[0])),
                     [p.data for p in eager_predictions])  # type: ignore[union-attr]


def test_step_on_minibatches_of_every_size_matches_eager_steps() -> None:
    model, twin = MLP(2, [8, 8, 1], seed=4), MLP(2, [8, 8, 1], seed=4)
    loss_value, inputs, targets, _ = leaf_batch(model, "bce", 16)
    graph = numpy_graph(loss_value)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    eager_optimizer = SGD(twin.parameters(), lr=0.1, momentum=0.9)
    X, y = dataset("bce")
    for start, size in BATCHES:
        X_batch, y_batch = X[start:start + size], y[start:start + size]
        value = graph.step(optimizer, rows_for(graph, inputs[0], targets[0], X_batch, y_batch))
        eager_optimizer.zero_grad()
        eager_loss = batch_loss(twin, X_batch, y_batch, binary_cross_entropy_with_logits, 1e-3)[0]
        eager_loss.backward()
        eager_optimizer.step()
        assert math.isclose(value, eager_loss.data, rel_tol=REL)
        assert_same_parameters(model, twin)


# ---------------------------------------------------------------------------
# replays after the leaves change


def test_replay_after_the_weights_change_matches_eager() -> None:
    X, y = dataset("hinge")
    model = MLP(2, [8, 8, 1], seed=6)
    params = model.parameters()

    def build() -> Value:
        return batch_loss(model, X, y, hinge_loss, 1e-3)[0]

    graph = numpy_graph(build())
    rng = random.Random(0)
    for _ in range(3):
        for p in params:
            p.data += rng.gauss(0.0, 0.3)
        expected = eager(build, params)
        assert_same_result(replayed(graph, params), expected)


def test_replay_after_the_inputs_data_change_matches_eager_for_inputs_too() -> None:
    model = MLP(2, [6, 1], activation="tanh", seed=6)
    loss_value, inputs, targets, _ = leaf_batch(model, "mse", 10)
    leaves = [*model.parameters(), *(x for row in inputs for x in row), *targets]
    graph = numpy_graph(loss_value)

    def build() -> Value:
        return batch_loss(model, inputs, targets, mse_loss, 1e-3)[0]

    rng = random.Random(1)
    for _ in range(3):
        for leaf in leaves[len(model.parameters()):]:
            leaf.data += rng.gauss(0.0, 0.5)
        expected = eager(build, leaves)
        assert_same_result(replayed(graph, leaves), expected)


def test_replays_add_into_the_gradients_like_backward() -> None:
    model = MLP(2, [4, 1], seed=11)
    loss_value, inputs, _, _ = leaf_batch(model, "mse", 6)
    leaves = [*model.parameters(), *inputs[2]]
    expected = eager(lambda: loss_value, leaves)
    graph = numpy_graph(loss_value)
    zero_grads(leaves)
    graph()
    graph()
    assert_close([leaf.grad for leaf in leaves], [2.0 * g for g in expected[1]])


# ---------------------------------------------------------------------------
# what cannot be lifted falls back, and is still right


def fallback_case(build: Callable[[], Value], leaves: list[Value]
                  ) -> tuple[ArrayGraph, tuple[float, list[float]], tuple[float, list[float]]]:
    """(graph, its replay's result, eager's result) of the graph ``build`` makes."""
    expected = eager(build, leaves)
    graph = numpy_graph(build())
    return graph, replayed(graph, leaves), expected


def leaves_for_fallbacks() -> tuple[list[Value], list[Value]]:
    shared = [Value(0.3 * i + 0.1) for i in range(4)]
    xs = [Value(0.5 * i - 1.0) for i in range(6)]
    return shared, xs


def test_fewer_than_four_samples_run_as_float_code() -> None:
    s, xs = leaves_for_fallbacks()
    graph, got, expected = fallback_case(
        lambda: ag.sum([(s[0] * x).tanh() for x in xs[:3]]), [*s, *xs])
    assert ARRAYS not in graph.source
    assert got == expected  # the float code runs eager's operations in eager's order


def test_samples_of_different_shapes_run_as_flat_float_code() -> None:
    s, xs = leaves_for_fallbacks()
    graph, got, expected = fallback_case(lambda: ag.sum(
        [(s[0] * x).tanh() if i % 2 else (s[0] + x).exp() for i, x in enumerate(xs)]), [*s, *xs])
    assert ARRAYS not in graph.source
    assert got == expected


def test_a_dot_whose_weights_are_per_sample_nodes_is_no_matrix_product() -> None:
    s, xs = leaves_for_fallbacks()
    graph, got, expected = fallback_case(lambda: ag.sum(
        [ag.dot([x * s[0], x * s[1]], [s[2], s[3]]).tanh() for x in xs]), [*s, *xs])
    assert ARRAYS in graph.source
    assert "@" not in graph.source
    assert_same_result(got, expected)


def test_dots_reading_different_inputs_are_separate_products() -> None:
    s, xs = leaves_for_fallbacks()
    graph, got, expected = fallback_case(lambda: ag.sum(
        [ag.dot(s[:2], [x, x * x]).tanh() + ag.dot(s[2:], [x * x, x]).tanh() for x in xs]),
        [*s, *xs])
    products = [line for line in forward_source(graph).splitlines() if "@" in line]
    assert len(products) == 2, products  # not one product of a 2x2 matrix
    assert_same_result(got, expected)


def test_samples_sharing_an_interior_node_form_no_group() -> None:
    s, xs = leaves_for_fallbacks()

    def build() -> Value:
        shared_node = (s[0] * 2.0).tanh()
        return ag.sum([(x * shared_node).exp() for x in xs])

    graph, got, expected = fallback_case(build, [*s, *xs])
    assert ARRAYS not in graph.source
    assert got == expected


def test_a_sum_with_a_leaf_among_its_terms_forms_no_group() -> None:
    s, xs = leaves_for_fallbacks()
    graph, got, expected = fallback_case(
        lambda: ag.sum([*((x * s[0]).sin() for x in xs), s[1]]), [*s, *xs])
    assert ARRAYS not in graph.source
    assert got == expected


def test_a_sum_repeating_one_term_forms_no_group() -> None:
    s, xs = leaves_for_fallbacks()

    def build() -> Value:
        term = (xs[0] * s[0]).tanh()
        return ag.sum([term] * 5)

    graph, got, expected = fallback_case(build, [*s, *xs])
    assert ARRAYS not in graph.source
    assert got == expected


# ---------------------------------------------------------------------------
# errors and non-finite numbers, as in eager evaluation


def broken_sample(term: Callable[[Value, Value], Value], bad: float
                  ) -> tuple[ArrayGraph, Callable[[], Value]]:
    """A graph compiled with good numbers, one sample's x then set to ``bad``; and the
    eager build of the same graph from the new numbers."""
    s = Value(1.0)
    xs = [Value(x) for x in (1.0, 2.0, 3.0, 4.0, 5.0)]

    def build() -> Value:
        return ag.sum([term(s, x) for x in xs])

    graph = numpy_graph(build())
    assert ARRAYS in graph.source
    xs[2].data = bad
    return graph, build


def test_log_of_a_non_positive_sample_raises_eagers_error() -> None:
    for bad in (-1.0, 0.0):
        graph, build = broken_sample(lambda s, x: (s * x).log(), bad)
        assert_same_error(graph, build)


def test_division_by_zero_in_one_sample_raises_eagers_error() -> None:
    graph, build = broken_sample(lambda s, x: s / x, 0.0)
    assert_same_error(graph, build)


def test_exp_overflow_in_one_sample_raises_eagers_error() -> None:
    graph, build = broken_sample(lambda s, x: (s * x).exp(), 1000.0)
    assert_same_error(graph, build)


def test_forward_raises_eagers_error_too() -> None:
    graph, build = broken_sample(lambda s, x: (s * x).sqrt(), -4.0)
    assert_same_error(graph.forward, build)


def test_a_domain_error_in_a_replayed_batch_raises_eagers_error() -> None:
    s = Value(1.0)
    xs = [Value(x) for x in (1.0, 2.0, 3.0, 4.0)]
    graph = numpy_graph(ag.sum([(s * x).log() for x in xs]))
    assert_same_error(lambda: graph([[2.0], [-3.0]]),
                      lambda: ag.sum([(s * x).log() for x in (2.0, -3.0)]))


def test_a_domain_error_inside_a_lifted_layer_raises_eagers_error() -> None:
    # Binary fractions: every dot is exact in any order, so the failing number is eager's.
    w = [Value(v) for v in (0.5, 0.25, 0.75, 0.5, 1.0, 0.125)]
    xs = [[Value(a), Value(b)] for a, b in ((1.0, 2.0), (0.5, 1.5), (2.0, 0.25), (1.0, 1.0),
                                            (3.0, 0.5))]

    def build() -> Value:
        return ag.sum([ag.sum([ag.dot(w[2 * j: 2 * j + 2], x).log() for j in range(3)])
                       for x in xs])

    graph = numpy_graph(build())
    assert "@" in forward_source(graph)
    xs[3][0].data = -5.0  # w . x < 0 in every neuron of sample 3
    assert_same_error(graph, build)


def test_a_domain_error_names_a_labelled_operand_as_eager_does() -> None:
    xs = [Value(x, label=f"x{i}") for i, x in enumerate((1.0, 2.0, 3.0, 4.0))]
    s = Value(2.0, label="s")

    def build() -> Value:
        return ag.sum([x.log() * s for x in xs])

    graph = numpy_graph(build())
    xs[2].data = -1.0
    assert_same_error(graph, build)


@pytest.mark.parametrize(("term", "bad"), [
    pytest.param(lambda s, x: (s * x) ** -1.0, 0.0, id="zero to a negative power"),
    pytest.param(lambda s, x: (s * x) ** 1.5, -2.0, id="negative base, fractional exponent"),
    pytest.param(lambda s, x: (s * x) ** 2.0, 1e200, id="overflow"),
    pytest.param(lambda s, x: 2.0 ** (s * x), 2000.0, id="overflow of a constant base"),
])
def test_pow_outside_its_domain_raises_eagers_error(
    term: Callable[[Value, Value], Value], bad: float
) -> None:
    graph, build = broken_sample(term, bad)
    assert_same_error(graph, build)


def test_sqrt_at_zero_has_an_infinite_gradient_as_in_eager() -> None:
    s = Value(1.0)
    xs = [Value(x) for x in (1.0, 4.0, 0.0, 9.0)]

    def build() -> Value:
        return ag.sum([(s * x).sqrt() for x in xs])

    expected = eager(build, [s, *xs])
    graph = numpy_graph(build())
    assert ARRAYS in graph.source
    value, grads = replayed(graph, [s, *xs])
    assert repr((value, grads)) == repr(expected)
    assert grads[3] == math.inf  # d sqrt(s x) / dx at 0: inf, as in PyTorch
    assert math.isnan(grads[0])  # inf * 0 reaching s: nan, as IEEE says


def test_nan_and_inf_inputs_propagate_as_in_eager() -> None:
    s = Value(0.5)
    xs = [Value(x) for x in (1.0, math.nan, -math.inf, math.inf, 0.0)]

    def build() -> Value:
        return ag.sum([ag.maximum(x, s) + (s * x).tanh() + ag.minimum(x, s).exp() for x in xs])

    expected = eager(build, [s, *xs])
    graph = numpy_graph(build())
    assert ARRAYS in graph.source
    assert repr(replayed(graph, [s, *xs])) == repr(expected)  # nan and inf in the same places


# ---------------------------------------------------------------------------
# observed nodes


def observed_batch() -> tuple[MLP, Callable[[], tuple[Value, list[Value], Value]]]:
    X, y = dataset("bce", n=12)
    model = MLP(2, [5, 1], activation="tanh", seed=8)

    def build() -> tuple[Value, list[Value], Value]:
        predictions: list[Value] = [model(x) for x in X]
        penalty = l2_penalty(model.parameters())
        loss = binary_cross_entropy_with_logits(predictions, y) + 1e-3 * penalty
        return loss, predictions, penalty

    return model, build


def test_observed_nodes_hold_eagers_values_after_a_replay() -> None:
    _, build = observed_batch()
    _, eager_predictions, eager_penalty = build()
    loss, predictions, penalty = build()
    graph = numpy_graph(loss, observe=[*predictions, penalty])
    for node in [*predictions, penalty]:
        node.data = math.nan
    graph()
    assert_close([p.data for p in predictions], [p.data for p in eager_predictions])
    assert math.isclose(penalty.data, eager_penalty.data, rel_tol=REL)


def test_values_gives_an_observed_nodes_value_in_every_sample() -> None:
    _, build = observed_batch()
    _, eager_predictions, _ = build()
    loss, predictions, _ = build()
    graph = numpy_graph(loss, observe=predictions)
    graph()
    expected = [p.data for p in eager_predictions]
    assert_close(list(graph.values(predictions[0])), expected)
    assert_close(list(graph.values(predictions[5])), expected)  # any sample names the node


# ---------------------------------------------------------------------------
# g.step and the optimizers


def assert_same_parameters(model: MLP, twin: MLP) -> None:
    """The two models' parameters hold the same data and gradients (within REL)."""
    assert_close([p.data for p in model.parameters()], [p.data for p in twin.parameters()])
    assert_close([p.grad for p in model.parameters()], [p.grad for p in twin.parameters()])


OPTIMIZERS: list[Any] = [
    pytest.param(lambda params: SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01),
                 id="SGD momentum weight_decay"),
    pytest.param(lambda params: Adam(params, lr=0.02, weight_decay=0.01), id="Adam"),
    pytest.param(lambda params: RMSprop(params, lr=0.01), id="RMSprop"),
]


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS)
def test_step_matches_eager_zero_grad_backward_step_over_several_steps(
    make_optimizer: Callable[[list[Value]], Optimizer]
) -> None:
    X, y = dataset("hinge", n=24)
    model, twin = MLP(2, [8, 8, 1], seed=9), MLP(2, [8, 8, 1], seed=9)
    optimizer, eager_optimizer = make_optimizer(model.parameters()), make_optimizer(
        twin.parameters())
    graph = numpy_graph(batch_loss(model, X, y, hinge_loss, 1e-3)[0])
    for _ in range(4):
        value = graph.step(optimizer)
        eager_optimizer.zero_grad()
        eager_loss = batch_loss(twin, X, y, hinge_loss, 1e-3)[0]
        eager_loss.backward()
        eager_optimizer.step()
        assert math.isclose(value, eager_loss.data, rel_tol=REL)
        assert_same_parameters(model, twin)


@pytest.mark.parametrize("choose", [
    pytest.param(lambda params: params[::-1], id="reversed"),
    pytest.param(lambda params: params[::2], id="every other one"),
])
def test_step_gathers_parameters_in_any_order_or_a_subset_as_eager_steps_them(
    choose: Callable[[list[Value]], list[Value]]
) -> None:
    X, y = dataset("hinge", n=16)
    model, twin = MLP(2, [4, 4, 1], seed=11), MLP(2, [4, 4, 1], seed=11)
    optimizer = SGD(choose(model.parameters()), lr=0.1, momentum=0.9)
    eager_optimizer = SGD(choose(twin.parameters()), lr=0.1, momentum=0.9)
    graph = numpy_graph(batch_loss(model, X, y, hinge_loss, 1e-3)[0])
    for _ in range(3):
        for p in model.parameters():
            p.grad = 0.0  # the parameters left out get this step's gradient added, as g() adds
        value = graph.step(optimizer)
        for p in twin.parameters():
            p.grad = 0.0
        eager_loss = batch_loss(twin, X, y, hinge_loss, 1e-3)[0]
        eager_loss.backward()
        eager_optimizer.step()
        assert math.isclose(value, eager_loss.data, rel_tol=REL)
        assert_same_parameters(model, twin)


def test_step_with_a_nan_loss_leaves_the_parameters_unchanged() -> None:
    model = MLP(2, [4, 1], seed=10)
    loss_value, inputs, _, _ = leaf_batch(model, "mse", 8)
    graph = numpy_graph(loss_value)
    optimizer = Adam(model.parameters(), lr=0.1)
    before = [p.data for p in model.parameters()]
    inputs[3][1].data = math.nan
    assert math.isnan(graph.step(optimizer))
    assert [p.data for p in model.parameters()] == before
    assert optimizer.steps == 0


# ---------------------------------------------------------------------------
# errors of the interface


def test_an_unknown_backend_is_refused_naming_the_backends() -> None:
    with pytest.raises(ValueError, match="backend must be 'python' or 'numpy', not 'jax'"):
        compile_graph(Value(1.0) * 2.0, backend="jax")


def test_samples_with_the_wrong_number_of_columns_are_refused() -> None:
    model = MLP(2, [3, 1], seed=0)
    loss_value, _, _, _ = leaf_batch(model, "mse", 6)
    graph = numpy_graph(loss_value)
    assert len(graph.sample_leaves) == 3
    with pytest.raises(ValueError, match="3 columns"):
        graph([[0.5, 1.0], [0.25, 0.0]])


def test_a_graph_whose_samples_differ_in_constants_refuses_other_samples() -> None:
    s = Value(0.5)
    xs = [Value(x) for x in (1.0, 2.0, 3.0, 4.0)]
    targets = (0.5, -1.0, 2.0, 0.0)  # numbers, not leaves: fixed at compile time
    graph = compile_numpy(ag.sum([(s * x - t).tanh() for x, t in zip(xs, targets)]))
    assert ARRAYS in graph.source
    assert graph.sample_leaves == [xs[0]]
    assert math.isclose(graph(), sum(math.tanh(0.5 * x.data - t) for x, t in zip(xs, targets)),
                        rel_tol=REL)  # the compiled samples replay
    with pytest.raises(ValueError, match="cannot replay other samples: its samples differ in "
                                         "constants"):
        graph([[1.0], [2.0]])
    with pytest.raises(ValueError, match="cannot replay other samples"):
        graph.step(SGD([s], lr=0.1), [[1.0], [2.0]])


def test_the_numpy_backend_without_numpy_asks_for_the_fast_extra(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy fails
    monkeypatch.delitem(sys.modules, "autograd_scalar.compile_numpy")  # imported afresh
    with pytest.raises(ImportError, match=re.escape('pip install "autograd-scalar[fast]"')):
        compile_graph(Value(1.0) * 2.0, backend="numpy")
