"""backward_steps and forward_steps: the steps reproduce backward() bit for bit, for every op."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_scalar as ag
from autograd_scalar import Value, topological_order
from autograd_scalar.ops import OPS, Op
from autograd_scalar.steps import BackwardStep, backward_steps, forward_steps

# Points that reach every branch of the table's derivatives: kinks, ties, signs, 0.
POINTS = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 3.0]
PARAMETERS = {"negative_slope": 0.2, "alpha": 0.7, "min": -0.5, "max": 1.5}


def same_bits(x: float, y: float) -> bool:
    return struct.pack("<d", x) == struct.pack("<d", y) or (math.isnan(x) and math.isnan(y))


def apply(op: Op, operands: list[Value | float]) -> Value:
    """A node of ``op`` on ``operands`` (Values or constants), through the public API."""
    if op.arity == 0:
        if len(op.roles) == 1:
            return ag.sum(operands)
        half = len(operands) // 2
        bias = operands[2 * half] if len(operands) % 2 else None
        return ag.dot(operands[:half], operands[half : 2 * half], bias)
    parameters = [PARAMETERS[name] for name in op.parameter_names]
    a = operands[0]
    if op.arity == 1:
        assert isinstance(a, Value)
        return getattr(a, op.method)(*parameters)  # type: ignore[no-any-return]
    b = operands[1]
    if isinstance(a, Value):
        return getattr(a, op.method)(b)  # type: ignore[no-any-return]
    return getattr(b, op.reflected)(a)  # type: ignore[no-any-return]


def assert_steps_match_backward(root: Value, gradient: float = 1.0) -> list[BackwardStep]:
    steps = backward_steps(root, gradient)
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.backward(gradient)
    assert [step.node for step in steps] == order
    for step in steps:
        assert same_bits(step.gradient, step.node.grad), (step.node, step.gradient)
    # The running sums are the gradients: each parent's last grad_after is its gradient.
    final = {edge.parent: edge.grad_after for step in steps for edge in step.edges}
    for node, total in final.items():
        assert same_bits(total, node.grad)
    return steps


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_steps_match_backward_at_every_point(name: str) -> None:
    op = OPS[name]
    count = {1: 1, 2: 2}.get(op.arity, 5)
    for x in POINTS:
        for y in POINTS:
            leaves = [Value(x, label="x"), Value(y, label="y")]
            for constant_first in (False, True):
                operands: list[Value | float] = [leaves[k % 2] for k in range(count)]
                if constant_first and op.arity != 1:
                    operands[0] = y  # a constant operand where the op allows one
                try:
                    node = apply(op, operands)
                except (ArithmeticError, ValueError):
                    continue  # outside the op's domain
                if node.is_leaf:
                    continue
                assert_steps_match_backward(node * node * 1.5)


def test_the_issues_edge_example_multiplies_the_local_derivative_by_the_gradient() -> None:
    # out = x * w with dL/dout = 1.2: dL/dw += x * dL/dout = 0.5 * 1.2 = 0.6
    x, w = Value(0.5, label="x"), Value(-2.0, label="w")
    out = x * w
    step = next(s for s in backward_steps(out * 1.2) if s.node is out)
    assert step.gradient == 1.2
    (to_x, to_w) = step.edges
    assert (to_w.parent, to_w.role, to_w.template) == (w, "b", "{g} * {a}")
    assert to_w.local_derivative == 0.5
    assert to_w.contribution == 0.5 * 1.2
    assert to_x.local_derivative == -2.0


def test_local_derivatives_are_the_closed_form_derivatives() -> None:
    x = Value(0.3)
    h = x.tanh()
    e = h.exp()
    steps = {s.node: s for s in backward_steps(e)}
    assert steps[e].edges[0].local_derivative == pytest.approx(math.exp(math.tanh(0.3)))
    assert steps[h].edges[0].local_derivative == pytest.approx(1 - math.tanh(0.3) ** 2)


def test_a_value_used_twice_receives_the_sum_of_its_contributions_in_backward_order() -> None:
    x = Value(2.0, label="x")
    y = x * x + 3 * x
    leaf = backward_steps(y)[-1]
    assert leaf.node is x
    assert [edge.contribution for edge in leaf.received] == [3.0, 2.0, 2.0]
    assert [edge.grad_after for edge in leaf.received] == [3.0, 5.0, 7.0]
    assert leaf.gradient == 7.0


def test_each_gradient_is_the_sum_of_the_contributions_it_received() -> None:
    w = [Value(0.5), Value(-1.0), Value(2.0)]
    x = [Value(1.5), Value(0.25), w[0]]
    hidden = ag.dot(w, x, Value(0.1)).relu()
    root = (hidden * hidden + ag.sum([hidden, *w])).tanh()
    for step in backward_steps(root)[1:]:
        total = 0.0
        for edge in step.received:
            total = total + edge.contribution
        assert total == step.gradient


def test_a_sum_or_dot_with_zero_gradient_adds_nothing_as_backward_skips_it() -> None:
    w, x, b = Value(-1.0), Value(math.inf), Value(0.5)
    neuron = ag.dot([w], [x], b)
    root = neuron.relu() + b  # relu is off: the dot's gradient is 0
    steps = assert_steps_match_backward(root)
    dot_step = next(s for s in steps if s.node is neuron)
    assert dot_step.gradient == 0.0
    assert [edge.local_derivative for edge in dot_step.edges] == [math.inf, -1.0, 1.0]
    # 0 * inf would be nan: nothing is added, and w's gradient stays 0
    assert [edge.contribution for edge in dot_step.edges] == [0.0, 0.0, 0.0]
    assert [edge.grad_after for edge in dot_step.edges] == [0.0, 0.0, 1.0]


def test_a_seed_gradient_scales_every_step() -> None:
    x = Value(1.5)
    y = x.sin() * x
    steps = assert_steps_match_backward(y, gradient=-2.5)
    assert steps[0].gradient == -2.5


def test_a_leaf_root_is_one_step_with_the_seed() -> None:
    x = Value(4.0)
    (step,) = backward_steps(x, 3.0)
    assert (step.node, step.gradient, step.edges, step.received) == (x, 3.0, (), ())


def test_steps_write_no_gradient() -> None:
    x = Value(2.0)
    y = (x * 3.0).exp()
    backward_steps(y)
    assert [v.grad for v in topological_order(y)] == [0.0, 0.0, 0.0]


def test_forward_steps_put_every_value_after_its_parents_and_the_root_last() -> None:
    a, b = Value(1.0), Value(2.0)
    c = a * b
    root = (c + a).tanh() * c
    order = forward_steps(root)
    position = {v: k for k, v in enumerate(order)}
    assert order[-1] is root and len(order) == len(topological_order(root))
    assert all(position[p] < position[v] for v in order for p in v.parents)


def test_long_chains_need_no_recursion() -> None:
    x = Value(1.0)
    y = x
    for _ in range(5_000):
        y = y * 1.0001
    assert_steps_match_backward(y)


@pytest.mark.parametrize("function", [backward_steps, forward_steps])
def test_a_root_that_is_not_a_value_is_refused_by_name(function: object) -> None:
    with pytest.raises(TypeError, match=r"_steps needs a Value, the output of a computation, "
                                        r"not float"):
        function(1.0)  # type: ignore[operator]


def test_a_gradient_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(TypeError, match="gradient must be a number, not Value"):
        backward_steps(Value(1.0), Value(1.0))  # type: ignore[arg-type]


def test_the_engine_does_not_import_the_steps() -> None:
    engine = Path(ag.__file__).with_name("engine.py").read_text(encoding="utf-8")
    assert "steps" not in engine.split('"""', 2)[2].split("\nclass Value")[0]


# ---------------------------------------------------------------------------
# Random graphs: every op, constants anywhere, shared subexpressions.


@st.composite
def graphs(draw: st.DrawFn) -> Value:
    nodes: list[Value] = [Value(draw(st.sampled_from(POINTS) | st.floats(-3.0, 3.0)))
                          for _ in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(1, 12))):
        op = OPS[draw(st.sampled_from(sorted(OPS)))]
        count = op.arity or draw(st.integers(1, 6))
        operands: list[Value | float] = [
            draw(st.sampled_from(nodes) | st.sampled_from(POINTS)) for _ in range(count)
        ]
        if op.arity == 1 or not any(isinstance(x, Value) for x in operands):
            operands[0] = draw(st.sampled_from(nodes))
        try:
            nodes.append(apply(op, operands))
        except (ArithmeticError, ValueError):
            continue
    return ag.sum([node for node in nodes if not node.is_leaf] or nodes)


@settings(max_examples=300, deadline=None)
@given(graphs(), st.sampled_from([1.0, -0.5, 0.0, 3.0]))
def test_random_graphs_steps_match_backward_bit_for_bit(root: Value, gradient: float) -> None:
    assert_steps_match_backward(root, gradient)
