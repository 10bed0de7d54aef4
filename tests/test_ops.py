"""Every op against finite differences of an engine-free float version, and against gradcheck.

Each case is written once against a namespace ``m``: ``m = FLOAT`` evaluates it on
plain floats with the ``math`` module (the oracle), ``m = autograd_scalar`` builds
the engine graph. Operators (``+ - * / **``, unary ``-``, ``abs``) work on both.
"""

from __future__ import annotations

import builtins
import functools
import importlib.util
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pytest
import torch_reference
from conftest import FLOAT, assert_close, engine_grad, numeric_grad
from op_samples import ops_of_arity

import autograd_scalar as ag
from autograd_scalar import Value, cli, compile_graph, gradcheck
from autograd_scalar.engine import describe_op, dot_operands
from autograd_scalar.expression import CALLABLE_OPS
from autograd_scalar.ops import OPS
from autograd_scalar.viz import draw_dot

Case = tuple[str, Callable[..., Any], list[tuple[float, ...]]]

POSITIVE: list[tuple[float, ...]] = [(0.3,), (1.0,), (2.7,)]
ANYWHERE: list[tuple[float, ...]] = [(-2.1,), (-0.4,), (0.6,), (1.9,)]
PAIRS: list[tuple[float, ...]] = [(1.3, -0.7), (-2.0, 0.45), (0.8, 2.2)]

CASES: list[Case] = [
    ("add Value+Value", lambda m, x, y: x + y, PAIRS),
    ("add Value+number", lambda m, x: x + 2.5, ANYWHERE),
    ("add number+Value", lambda m, x: 2.5 + x, ANYWHERE),
    ("sub Value-Value", lambda m, x, y: x - y, PAIRS),
    ("sub Value-number", lambda m, x: x - 2.5, ANYWHERE),
    ("sub number-Value", lambda m, x: 2.5 - x, ANYWHERE),
    ("mul Value*Value", lambda m, x, y: x * y, PAIRS),
    ("mul Value*number", lambda m, x: x * -1.5, ANYWHERE),
    ("mul number*Value", lambda m, x: -1.5 * x, ANYWHERE),
    ("div Value/Value", lambda m, x, y: x / y, PAIRS),
    ("div Value/number", lambda m, x: x / 0.3, ANYWHERE),
    ("div number/Value", lambda m, x: 0.3 / x, ANYWHERE),
    ("pow Value**Value", lambda m, x, y: x**y, [(1.3, -0.7), (0.4, 2.5), (2.0, 3.0)]),
    ("pow Value**number", lambda m, x: x**3, ANYWHERE),
    ("pow Value**fraction", lambda m, x: x**1.5, POSITIVE),
    ("pow Value**negative", lambda m, x: x**-2, ANYWHERE),
    ("pow number**Value", lambda m, x: 2**x, ANYWHERE),
    ("pow fraction**Value", lambda m, x: 0.5**x, ANYWHERE),
    ("same Value x*x", lambda m, x: x * x, ANYWHERE),
    ("same Value x-x", lambda m, x: x - x, ANYWHERE),
    ("same Value x/x", lambda m, x: x / x, ANYWHERE),
    ("same Value x**x", lambda m, x: x**x, POSITIVE),
    ("neg", lambda m, x: -x, ANYWHERE),
    ("abs", lambda m, x: abs(x), ANYWHERE),
    ("exp", lambda m, x: m.exp(x), ANYWHERE),
    ("log", lambda m, x: m.log(x), POSITIVE),
    ("tanh", lambda m, x: m.tanh(x), ANYWHERE),
    ("sigmoid", lambda m, x: m.sigmoid(x), ANYWHERE),
    ("relu", lambda m, x: m.relu(x), ANYWHERE),
    ("leaky_relu default slope", lambda m, x: m.leaky_relu(x), ANYWHERE),
    ("leaky_relu custom slope", lambda m, x: m.leaky_relu(x, negative_slope=0.2), ANYWHERE),
    ("sin", lambda m, x: m.sin(x), ANYWHERE),
    ("cos", lambda m, x: m.cos(x), ANYWHERE),
    ("sqrt", lambda m, x: m.sqrt(x), POSITIVE),
    ("composite", lambda m, x, y: m.tanh(x * y) + m.exp(-x) / (1 + y * y), PAIRS),
]

POINTS = [
    pytest.param(f, point, id=f"{name} at {point}") for name, f, points in CASES for point in points
]


@pytest.mark.parametrize(("f", "point"), POINTS)
def test_forward_matches_float_math(f: Callable[..., Any], point: tuple[float, ...]) -> None:
    out = f(ag, *[Value(x) for x in point])
    assert isinstance(out, Value)
    assert math.isclose(out.data, f(FLOAT, *point), rel_tol=1e-13, abs_tol=1e-15)


@pytest.mark.parametrize(("f", "point"), POINTS)
def test_gradient_matches_central_differences(
    f: Callable[..., Any], point: tuple[float, ...]
) -> None:
    analytic = engine_grad(lambda *xs: f(ag, *xs), point)
    numeric = numeric_grad(lambda *xs: f(FLOAT, *xs), point)
    assert_close(analytic, numeric, rel=1e-6, abs_=1e-7)


@pytest.mark.parametrize(("f", "point"), POINTS)
def test_gradcheck_passes(f: Callable[..., Any], point: tuple[float, ...]) -> None:
    assert gradcheck(lambda *xs: f(ag, *xs), list(point)) is True


def test_abs_method_and_builtin_agree_with_sign() -> None:
    for x0, sign in [(-1.5, -1.0), (2.0, 1.0)]:
        for take_abs in (abs, Value.abs):
            x = Value(x0)
            y = take_abs(x)
            y.backward()
            assert (y.op, y.data, x.grad) == ("abs", builtins.abs(x0), sign)


def test_leaky_relu_default_slope_is_one_hundredth() -> None:
    x = Value(-3.0)
    y = x.leaky_relu()
    y.backward()
    assert math.isclose(y.data, -0.03, rel_tol=1e-15)
    assert x.grad == 0.01


def test_leaky_relu_custom_slope_scales_negative_side() -> None:
    x = Value(-3.0)
    y = ag.leaky_relu(x, negative_slope=0.2)
    y.backward()
    assert math.isclose(y.data, -0.6, rel_tol=1e-15)
    assert x.grad == 0.2


def test_leaky_relu_positive_side_is_identity() -> None:
    x = Value(3.0)
    y = x.leaky_relu(0.2)
    y.backward()
    assert (y.data, x.grad) == (3.0, 1.0)


UNARY_FUNCTIONS = [name for name in ops_of_arity(1) if OPS[name].function]


@pytest.mark.parametrize("name", UNARY_FUNCTIONS)
@pytest.mark.parametrize("argument", [2.0, 2], ids=["float", "int"])
def test_module_function_accepts_a_number(name: str, argument: float) -> None:
    out = getattr(ag, name)(argument)
    assert isinstance(out, Value)
    assert math.isclose(out.data, getattr(FLOAT, name)(2.0), rel_tol=1e-15)


@pytest.mark.parametrize("name", UNARY_FUNCTIONS)
def test_module_function_on_a_value_builds_a_node(name: str) -> None:
    x = Value(2.0)
    out = getattr(ag, name)(x)
    assert (out.op, out.parents) == (name, (x,))
    assert math.isclose(out.data, getattr(FLOAT, name)(2.0), rel_tol=1e-15)


def test_sum_is_one_node_with_value_terms_as_parents() -> None:
    a, b, c = Value(1.0), Value(-2.5), Value(4.0)
    total = ag.sum([a, b, 3, c, 0.5])
    assert total.op == "sum"
    assert total.parents == (a, b, c)
    assert total.data == 1.0 - 2.5 + 3 + 4.0 + 0.5


def test_sum_gives_each_value_term_gradient_one() -> None:
    a, b = Value(1.0), Value(-2.5)
    ag.sum([a, 7.0, b]).backward()
    assert (a.grad, b.grad) == (1.0, 1.0)


def test_sum_counts_a_repeated_term_each_time() -> None:
    a = Value(1.5)
    total = ag.sum([a, a, a])
    total.backward()
    assert len(total.parents) == 3
    assert (total.data, a.grad) == (4.5, 3.0)


def test_sum_accepts_a_generator() -> None:
    xs = [Value(float(i)) for i in range(5)]
    assert ag.sum(x * x for x in xs).data == 0 + 1 + 4 + 9 + 16


def test_sum_of_intermediates_matches_central_differences() -> None:
    def f(m: Any, x: Any, y: Any) -> Any:
        terms = [x * y, m.sin(x), 2.0, y * y]
        return ag.sum(terms) if m is ag else builtins.sum(terms)

    analytic = engine_grad(lambda x, y: f(ag, x, y), [0.7, -1.2])
    numeric = numeric_grad(lambda x, y: f(FLOAT, x, y), [0.7, -1.2])
    assert_close(analytic, numeric, rel=1e-6, abs_=1e-7)


def test_dot_of_values_is_one_node_with_weights_and_inputs_as_parents() -> None:
    ws = [Value(0.5), Value(-1.0), Value(2.0)]
    xs = [Value(3.0), Value(4.0), Value(-0.25)]
    out = ag.dot(ws, xs)
    assert out.op == "dot"
    assert out.parents == (*ws, *xs)
    assert out.data == 1.5 - 4.0 - 0.5


def test_dot_of_values_gradients_are_the_other_factor() -> None:
    ws = [Value(0.5), Value(-1.0)]
    xs = [Value(3.0), Value(4.0)]
    ag.dot(ws, xs).backward()
    assert [w.grad for w in ws] == [3.0, 4.0]
    assert [x.grad for x in xs] == [0.5, -1.0]


def test_dot_with_value_bias_adds_bias_as_parent_with_gradient_one() -> None:
    ws, xs, bias = [Value(0.5), Value(-1.0)], [Value(3.0), Value(4.0)], Value(0.75)
    out = ag.dot(ws, xs, bias=bias)
    out.backward()
    assert len(out.parents) == 5
    assert bias in out.parents
    assert (out.data, bias.grad) == (1.5 - 4.0 + 0.75, 1.0)


def test_dot_with_numeric_bias_keeps_it_as_constant() -> None:
    ws, xs = [Value(0.5), Value(-1.0)], [Value(3.0), Value(4.0)]
    out = ag.dot(ws, xs, bias=0.75)
    out.backward()
    assert out.parents == (*ws, *xs)
    assert out.data == 1.5 - 4.0 + 0.75
    assert [w.grad for w in ws] == [3.0, 4.0]


def test_dot_with_value_weights_and_number_inputs_has_weights_as_parents() -> None:
    ws = [Value(0.5), Value(-1.0)]
    out = ag.dot(ws, [3.0, 4], bias=1)
    out.backward()
    assert out.parents == tuple(ws)
    assert out.data == 1.5 - 4.0 + 1.0
    assert [w.grad for w in ws] == [3.0, 4.0]


@pytest.mark.parametrize("with_bias", [False, True])
def test_dot_of_value_weights_and_float_inputs_matches_the_hand_formula(with_bias: bool) -> None:
    # A first layer's neuron: weights are Values, the inputs plain floats.
    ws, xs, b = [Value(0.5), Value(-1.0), Value(2.0)], [3.0, 4.0, -0.5], Value(0.25)
    out = ag.dot(ws, xs, bias=b if with_bias else None)
    (out * 3.0).backward()
    assert out.parents == (*ws, b) if with_bias else tuple(ws)
    assert out.data == 1.5 - 4.0 - 1.0 + (0.25 if with_bias else 0.0)
    assert [w.grad for w in ws] == [9.0, 12.0, -1.5]
    assert b.grad == (3.0 if with_bias else 0.0)


@pytest.mark.parametrize(
    "weights, inputs, bias",
    [
        ([Value(0.5), Value(-1.0)], [Value(3.0), Value(4.0)], None),
        ([Value(0.5), Value(-1.0)], [Value(3.0), Value(4.0)], Value(0.75)),
        ([Value(0.5), Value(-1.0)], [3.0, 4.0], None),
        ([Value(0.5), Value(-1.0)], [3.0, 4.0], Value(0.75)),
        ([Value(0.5), 2.0], [3.0, Value(4.0)], 0.75),
        ([Value(0.5), Value(-1.0)], [3.0, 4], None),
    ],
    ids=["values", "values+bias", "floats", "floats+bias", "mixed", "int input"],
)
def test_dot_operands_gives_back_what_dot_was_given(
    weights: list[Any], inputs: list[Any], bias: Any
) -> None:
    out = ag.dot(weights, inputs, bias=bias)
    got_weights, got_inputs, got_bias = dot_operands(out)
    assert list(got_weights) == weights
    assert list(got_inputs) == inputs
    assert got_bias is bias if isinstance(bias, Value) else got_bias == (bias or 0.0)
    assert out.parents == tuple(
        x for x in (*weights, *inputs, bias) if isinstance(x, Value)
    )


def test_dot_with_zero_gradient_passes_nothing_on() -> None:
    # Downstream of a relu that is off, a dot's gradient is 0: its operands get nothing.
    ws, xs = [Value(0.5), Value(-1.0)], [Value(3.0), Value(4.0)]
    out = ag.dot(ws, xs).relu()  # 1.5 - 4.0 < 0: relu is off
    out.backward()
    assert [v.grad for v in (*ws, *xs)] == [0.0, 0.0, 0.0, 0.0]


def test_a_dot_with_zero_gradient_still_lets_its_inputs_finish() -> None:
    # h feeds a dot whose relu is off and, directly, the output: d out/dx = 2 * 1.
    x, w = Value(1.5), Value(-1.0)
    h = x * 2.0
    out = ag.dot([w], [h]).relu() + h
    out.backward()
    assert (x.grad, h.grad, w.grad) == (2.0, 1.0, 0.0)


def test_dot_with_mixed_operands_has_only_values_as_parents() -> None:
    w0, x1, bias = Value(0.5), Value(4.0), Value(0.75)
    out = ag.dot([w0, -1.0], [3.0, x1], bias=bias)
    out.backward()
    assert out.parents == (w0, x1, bias)
    assert out.data == 1.5 - 4.0 + 0.75
    assert (w0.grad, x1.grad, bias.grad) == (3.0, -1.0, 1.0)


@pytest.mark.parametrize("bias_kind", ["none", "number", "value"])
def test_dot_gradient_matches_central_differences(bias_kind: str) -> None:
    point = [0.5, -1.0, 2.0, 3.0, 4.0, -0.25, 0.75]  # three weights, three inputs, a bias

    def bias_of(b: Any) -> Any:
        return {"none": None, "number": 0.75, "value": b}[bias_kind]

    def engine_f(*args: Value) -> Value:
        return ag.dot(args[:3], args[3:6], bias=bias_of(args[6]))

    def float_f(*args: float) -> float:
        return builtins.sum(w * x for w, x in zip(args[:3], args[3:6])) + (bias_of(args[6]) or 0.0)

    assert_close(engine_grad(engine_f, point), numeric_grad(float_f, point), rel=1e-6, abs_=1e-7)
    assert gradcheck(engine_f, point) is True


def test_dot_with_mismatched_lengths_raises_value_error() -> None:
    with pytest.raises(ValueError, match="2 weights but 3 inputs"):
        ag.dot([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])


def test_star_import_does_not_bind_sum() -> None:
    namespace: dict[str, Any] = {}
    exec("from autograd_scalar import *", namespace)
    assert "dot" in namespace
    assert "Value" in namespace
    assert "sum" not in namespace


def test_builtin_sum_over_values_builds_a_differentiable_value() -> None:
    xs = [Value(1.0), Value(2.0), Value(-0.5)]
    total = builtins.sum(xs)
    assert isinstance(total, Value)
    total.backward()
    assert total.data == 2.5
    assert [x.grad for x in xs] == [1.0, 1.0, 1.0]


# ===========================================================================
# The OpInfo-style suite
"""Every op of the table, checked the same way from one table of samples.

In the spirit of PyTorch's OpInfo: :data:`SAMPLES` says, for each op of
:data:`autograd_scalar.ops.OPS`, how to call it (on Values, and with a constant
operand on either side of a binary op), where to sample it (points across its
domain, at least 1e-3 away from any kink, for finite differences), which
parameter values to try, and what derivative it has by convention at its
kinks. Every test below is parametrised over those cases, so a new op gets the
whole battery by adding its samples here, and cannot be added without them:

* the value against an engine-free float version (``FLOAT``, ``math``);
* first derivatives against central differences of the float version, second
  derivatives (``grad(grad(f))``) against central differences of those;
* a compiled replay against eager evaluation, bit for bit, before and after the
  leaves change;
* the renderer's label of the op node, constants shown;
* the command line (``autograd-scalar graph``) for every op it can call;
* the kink conventions, exactly;
* PyTorch float64 to the second derivative, read from ``tests/data/torch_reference.json``
  (written by ``tests/torch_reference.py``, checked against torch where torch is installed).
"""

from op_samples import (  # noqa: E402  (the OpInfo suite's table, in its own file)
    ALL_CASES,
    BINARY,
    KINK_CASES,
    NAMES,
    OP_CASES,
    SAMPLES,
    OpCase,
)


def params(cases: Iterable[OpCase]) -> list[Any]:
    return [pytest.param(case, id=case.id) for case in cases]


def bits(xs: Iterable[float]) -> list[str]:
    """Each float's exact bits (``float.hex``): -0.0 differs from 0.0, nan equals nan."""
    return [x.hex() for x in xs]


def engine_gradient(case: OpCase) -> list[float]:
    out, leaves = case.build()
    out.backward()
    return [leaf.grad for leaf in leaves]


def engine_hessian(case: OpCase) -> list[list[float]]:
    """Second derivatives over the Value operands, by nesting ``grad``."""
    positions = tuple(range(len(case.leaf_point)))
    first = ag.grad(lambda *xs: case.apply(ag, *xs), argnums=positions)
    return [
        list(ag.grad(lambda *xs, i=i: first(*xs)[i], argnums=positions)(*case.leaf_point))
        for i in positions
    ]


def numeric_hessian(f: Callable[..., float], point: Sequence[float], eps: float = 1e-4
                    ) -> list[list[float]]:
    """Central differences of the central-difference gradient: row i is d/dx (df/dx_i)."""
    rows: list[list[float]] = [[] for _ in point]
    for j in range(len(point)):
        above = [*point[:j], point[j] + eps, *point[j + 1 :]]
        below = [*point[:j], point[j] - eps, *point[j + 1 :]]
        up, down = numeric_grad(f, above, eps), numeric_grad(f, below, eps)
        for i in range(len(point)):
            rows[i].append((up[i] - down[i]) / (2.0 * eps))
    return rows


# --- the table of samples itself ----------------------------------------------


def test_every_op_of_the_table_has_samples() -> None:
    assert set(SAMPLES) == set(OPS), (
        "every op in OPS needs its samples in SAMPLES (tests/test_ops.py), and every entry "
        "of SAMPLES an op: a new op that is not in this test cannot exist. "
        f"Missing: {sorted(set(OPS) - set(SAMPLES))}; unknown: {sorted(set(SAMPLES) - set(OPS))}"
    )


def test_every_case_has_its_own_id() -> None:
    # The ids key the torch reference.
    assert len({case.id for case in ALL_CASES}) == len(ALL_CASES)


def test_every_kink_of_the_table_has_its_convention_tested() -> None:
    tested = {(name, s.point[0]) for name, samples in SAMPLES.items() for s in samples.kinks}
    declared = {(op.name, point) for op in OPS.values() for point in op.kinks}
    assert declared <= tested, f"kinks without a tested convention: {sorted(declared - tested)}"


def distance_to_kink(case: OpCase) -> float:
    """How far the sample is from the nearest point where the op's derivative jumps."""
    point, parameters = case.sample.point, dict(case.sample.parameters)
    distances = [abs(point[0] - k) for k in case.op.kinks]
    if case.name in ("maximum", "minimum"):
        distances.append(abs(point[0] - point[1]))
    if case.name == "clamp":
        distances += [abs(point[0] - b) for b in parameters.values() if b is not None]
    if case.name == "sqrt":
        distances.append(point[0])
    return min(distances, default=math.inf)


@pytest.mark.parametrize("case", params(OP_CASES))
def test_sample_keeps_clear_of_kinks(case: OpCase) -> None:
    assert distance_to_kink(case) >= 1e-3


def test_softplus_samples_stay_below_torch_threshold() -> None:
    # torch's softplus returns x itself for x > 20; the reference compares below that.
    assert all(abs(s.point[0]) <= 15.0 for s in SAMPLES["softplus"].samples)


def test_every_binary_op_is_sampled_with_a_constant_on_either_side() -> None:
    for name, samples in SAMPLES.items():
        if OPS[name].arity == 2:
            assert set(BINARY) <= {s.constant for s in samples.samples}, name


def test_every_parameter_is_sampled_at_its_default_and_elsewhere() -> None:
    for name, samples in SAMPLES.items():
        settings = [dict(s.parameters) for s in samples.samples]
        for parameter in OPS[name].parameter_names:
            assert any(parameter not in given for given in settings), (name, parameter)
            assert any(given.get(parameter) is not None for given in settings), (name, parameter)


# --- against the engine-free float version ---------------------------------------


@pytest.mark.parametrize("case", params(ALL_CASES))
def test_value_matches_float_version(case: OpCase) -> None:
    out, _ = case.build()
    expected = case.apply(FLOAT, *case.leaf_point)
    assert math.isclose(out.data, expected, rel_tol=1e-13, abs_tol=1e-15), (out.data, expected)


@pytest.mark.parametrize("case", params(OP_CASES))
def test_first_derivatives_match_central_differences(case: OpCase) -> None:
    numeric = numeric_grad(lambda *xs: case.apply(FLOAT, *xs), case.leaf_point)
    assert_close(engine_gradient(case), numeric, rel=1e-6, abs_=1e-7)


@pytest.mark.parametrize("case", params(OP_CASES))
def test_second_derivatives_match_central_differences_of_first(case: OpCase) -> None:
    numeric = numeric_hessian(lambda *xs: case.apply(FLOAT, *xs), case.leaf_point)
    for analytic_row, numeric_row in zip(engine_hessian(case), numeric):
        assert_close(analytic_row, numeric_row, rel=1e-5, abs_=1e-6)


@pytest.mark.parametrize("case", params(OP_CASES))
def test_grad_of_op_passes_gradcheck(case: OpCase) -> None:
    assert gradcheck(lambda *xs: case.apply(ag, *xs), case.leaf_point) is True


# --- the table's methods ----------------------------------------------------------


def by_method(case: OpCase) -> Value:
    """The op applied through the Value method the table names for it."""
    op, sample = case.op, case.sample
    leaves = iter(Value(x) for x in case.leaf_point)
    parameters = [value for _, value in sample.parameters]
    if sample.constant == (True, False):  # c∘Value: the reflected method
        return getattr(next(leaves), op.reflected)(sample.point[0], *parameters)  # type: ignore[no-any-return]
    operands = [x if fixed else next(leaves) for x, fixed in zip(sample.point, sample.constant)]
    return getattr(operands[0], op.method)(*operands[1:], *parameters)  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", params(c for c in ALL_CASES if c.op.arity))
def test_table_method_builds_the_same_node(case: OpCase) -> None:
    out, _ = case.build()
    via_method = by_method(case)
    assert (via_method.op, via_method.data) == (case.name, out.data)
    assert describe_op(via_method) == describe_op(out)


# --- compiled replay ----------------------------------------------------------------


def eager(case: OpCase, point: Sequence[float]) -> list[str]:
    out, leaves = case.build(point)
    out.backward()
    return bits([out.data, *(leaf.grad for leaf in leaves)])


def another_point(case: OpCase) -> list[float]:
    """The Value operands of the next sample of the same op, mask and parameters at which the
    op, with this case's constants, is defined (it may be across a kink)."""
    same = [c for c in ALL_CASES if c.name == case.name and c.sample.constant
            == case.sample.constant and c.sample.parameters == case.sample.parameters]
    start = same.index(case)
    for other in same[start + 1 :] + same[:start]:
        try:
            case.build(other.leaf_point)
        except (ArithmeticError, ValueError):
            continue
        return other.leaf_point
    return [x + 0.125 for x in case.leaf_point]  # the op's only sample of its kind


@pytest.mark.parametrize("case", params(ALL_CASES))
def test_compiled_replay_equals_eager_bit_for_bit(case: OpCase) -> None:
    out, leaves = case.build()
    replay = compile_graph(out)
    assert bits([replay(), *(leaf.grad for leaf in leaves)]) == eager(case, case.leaf_point)


@pytest.mark.parametrize("case", params(ALL_CASES))
def test_compiled_replay_after_new_leaf_data_equals_eager_bit_for_bit(case: OpCase) -> None:
    out, leaves = case.build()
    replay = compile_graph(out)
    replay()
    point = another_point(case)
    for leaf, x in zip(leaves, point):
        leaf.data, leaf.grad = x, 0.0
    assert bits([replay(), *(leaf.grad for leaf in leaves)]) == eager(case, point)


# --- the renderer -------------------------------------------------------------------


def op_node_label(out: Value) -> str:
    """The label of the drawing's one op node (graphviz quotes it only where it must)."""
    source = draw_dot(out).source
    labels: list[tuple[str, str]] = re.findall(
        r'^\top0 \[label=(?:"([^"]*)"|([^\s"]+))', source, re.MULTILINE
    )
    assert len(labels) == 1, source
    quoted, bare = labels[0]
    return quoted or bare


@pytest.mark.parametrize("case", params(c for c in ALL_CASES if len(c.op.roles) < 2))
def test_drawing_labels_op_node_as_the_table_does(case: OpCase) -> None:
    out, _ = case.build()
    assert out.operation is case.op
    assert op_node_label(out) == case.op.label(out.arguments)


@pytest.mark.parametrize("case", params(c for c in ALL_CASES if len(c.op.roles) > 1))
def test_drawing_of_a_dot_is_a_record_of_its_terms(case: OpCase) -> None:
    # A dot is drawn as a record, a field per term and one for a bias; its first field
    # is the table's label of a dot without a bias.
    out, _ = case.build()
    fields = op_node_label(out).split(" | ")
    assert fields[0] == case.op.label({**out.arguments, "bias": 0.0})
    assert len(fields) == 1 + len(out.arguments["weights"]) + (out.arguments["bias"] != 0.0)


@pytest.mark.parametrize("case", params(c for c in ALL_CASES if any(c.sample.constant)))
def test_drawing_shows_each_constant_operand(case: OpCase) -> None:
    out, _ = case.build()
    label = op_node_label(out)
    for x, fixed in zip(case.sample.point, case.sample.constant):
        if fixed:
            assert f"{x:g}" in label, (label, x)


# --- the command line -----------------------------------------------------------------


def cli_expression(case: OpCase) -> str | None:
    """The case as an ``autograd-scalar graph`` expression, or None if it cannot be written:
    parameters are numbers after the operands, so a None bound can only be left off the end."""
    given = dict(case.sample.parameters)
    written = []
    for name in case.op.parameter_names:
        if name not in given:
            break
        written.append(given.pop(name))
    if given or None in written:
        return None
    names = iter(NAMES)
    operands = [repr(x) if fixed else next(names)
                for x, fixed in zip(case.sample.point, case.sample.constant)]
    return f"{case.name}({', '.join([*operands, *map(repr, written)])})"


CLI_CASES = [c for c in ALL_CASES if c.name in CALLABLE_OPS and cli_expression(c) is not None]


def test_command_line_cases_cover_every_callable_op() -> None:
    assert {case.name for case in CLI_CASES} == set(CALLABLE_OPS)


@pytest.mark.parametrize("case", params(CLI_CASES))
def test_command_line_prints_the_engine_gradient(
    case: OpCase, capsys: pytest.CaptureFixture[str]
) -> None:
    expression = cli_expression(case)
    assert expression is not None
    variables = [f"{name}={x!r}" for name, x in zip(case.leaf_names, case.leaf_point)]
    assert cli.main(["graph", expression, *variables]) == 0
    printed = capsys.readouterr().out
    out, leaves = case.build()
    out.backward()
    assert f"= {out.data:.6g}" in printed.splitlines()[0]
    for leaf in leaves:
        row = re.search(rf"^{leaf.label}\s+(\S+)\s+(\S+)\s*$", printed, re.MULTILINE)
        assert row is not None, printed
        assert row.group(2) == f"{leaf.grad:.6g}", printed


# --- kinks ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", params(KINK_CASES))
def test_derivative_at_kink_is_the_convention(case: OpCase) -> None:
    assert bits(engine_gradient(case)) == bits(case.sample.grad or ())


@pytest.mark.parametrize("case", params(KINK_CASES))
def test_grad_transform_at_kink_gives_the_convention(case: OpCase) -> None:
    positions = tuple(range(len(case.leaf_point)))
    derivative = ag.grad(lambda *xs: case.apply(ag, *xs), argnums=positions)
    assert bits(derivative(*case.leaf_point)) == bits(case.sample.grad or ())


# --- PyTorch float64, through the JSON fixture ------------------------------------------



@functools.cache
def reference() -> dict[str, Any]:
    """The fixture, read once (lazily, so that the generator can import this module)."""
    return torch_reference.load()


def torch_case(key: str) -> dict[str, Any]:
    entry: dict[str, Any] = reference()["cases"][key]
    return entry


def decoded(entry: dict[str, Any]) -> tuple[float, list[float], list[list[float]]]:
    decode = torch_reference.decode
    return (decode(entry["value"]), [decode(g) for g in entry["grad"]],
            [[decode(h) for h in row] for row in entry["hessian"]])


def close(actual: float, expected: float) -> bool:
    if math.isnan(expected) or math.isinf(expected):
        return actual.hex() == expected.hex()
    return math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-14)


def test_torch_reference_holds_every_case() -> None:
    assert set(reference()["cases"]) == {case.id for case in ALL_CASES}, (
        "the samples changed: regenerate the reference with python tests/torch_reference.py"
    )


def test_torch_reference_file_is_in_its_stable_format() -> None:
    text = torch_reference.PATH.read_text(encoding="utf-8")
    assert text == torch_reference.dumps(reference())


@pytest.mark.parametrize("case", params(OP_CASES))
def test_value_and_derivatives_match_torch(case: OpCase) -> None:
    value, gradient, hessian = decoded(torch_case(case.id))
    out, leaves = case.build()
    out.backward()
    assert close(out.data, value), (out.data, value)
    ours = [leaf.grad for leaf in leaves]
    assert all(map(close, ours, gradient)), (ours, gradient)
    ours_second = engine_hessian(case)
    assert all(all(map(close, a, b)) for a, b in zip(ours_second, hessian)), (ours_second, hessian)


@pytest.mark.parametrize("case", params(KINK_CASES))
def test_value_and_first_derivatives_at_kink_equal_torch(case: OpCase) -> None:
    value, gradient, _ = decoded(torch_case(case.id))
    out, leaves = case.build()
    out.backward()
    assert bits([out.data, *(leaf.grad for leaf in leaves)]) == bits([value, *gradient])


# Where the engine's second derivative at a kink deliberately differs from PyTorch's:
# elu keeps the left branch (alpha e^x) at 0 in every order, as its first derivative
# does; PyTorch's first derivative takes the left branch there and its second the right.
ELU_SECOND_AT_ZERO = {"kink elu(x=0.0)": 1.0, "kink elu(x=0.0, alpha=0.5)": 0.5}
@pytest.mark.parametrize("case", params(c for c in KINK_CASES if c.id not in ELU_SECOND_AT_ZERO))
def test_second_derivatives_at_kink_equal_torch(case: OpCase) -> None:
    _, _, hessian = decoded(torch_case(case.id))
    assert [bits(row) for row in engine_hessian(case)] == [bits(row) for row in hessian]


@pytest.mark.parametrize("case_id", sorted(ELU_SECOND_AT_ZERO))
def test_elu_second_derivative_at_zero_keeps_the_left_branch(case_id: str) -> None:
    case = next(c for c in KINK_CASES if c.id == case_id)
    _, _, hessian = decoded(torch_case(case_id))
    assert engine_hessian(case) == [[ELU_SECOND_AT_ZERO[case_id]]]
    assert hessian == [[0.0]]  # PyTorch's, from the reference


@pytest.mark.parametrize("case", params(KINK_CASES))
def test_torch_agrees_with_kink_convention(case: OpCase) -> None:
    _, gradient, _ = decoded(torch_case(case.id))
    assert bits(gradient) == bits(case.sample.grad or ())


@pytest.mark.skipif(
    importlib.util.find_spec("torch") is None,
    reason="torch is not installed: the fixture is checked against torch where it is",
)
def test_torch_reference_file_is_what_torch_computes() -> None:
    fresh = torch_reference.compute()["cases"]
    assert set(fresh) == set(reference()["cases"])
    for key, entry in fresh.items():
        now, stored = decoded(entry), decoded(torch_case(key))
        assert close(now[0], stored[0]), key
        assert all(map(close, now[1], stored[1])), key
        assert all(all(map(close, a, b)) for a, b in zip(now[2], stored[2])), key


# --- softplus far out: closed forms (torch's threshold makes it a line above 20) ----------


@pytest.mark.parametrize(
    ("x", "value", "derivative"),
    [
        (800.0, 800.0, 1.0),
        (1e308, 1e308, 1.0),
        (30.0, 30.0 + math.exp(-30.0), 1.0 / (1.0 + math.exp(-30.0))),
        (-700.0, math.exp(-700.0), math.exp(-700.0)),  # tiny but positive
        (-800.0, 0.0, 0.0),  # e**-800 underflows: 0, not an OverflowError
    ],
)
def test_softplus_far_from_zero_matches_closed_form(x: float, value: float, derivative: float
                                                    ) -> None:
    y = Value(x)
    out = ag.softplus(y)
    out.backward()
    assert math.isclose(out.data, value, rel_tol=1e-15, abs_tol=0.0)
    assert math.isclose(y.grad, derivative, rel_tol=1e-15, abs_tol=0.0)


def test_softplus_of_very_negative_input_is_tiny_and_positive() -> None:
    assert 0.0 < ag.softplus(-700.0).data < 1e-300
