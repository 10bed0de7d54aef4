"""backward(): hand-derived gradients, accumulation rules, deep graphs, no_grad."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
import threading

import pytest

import autograd_scalar as ag
from autograd_scalar import Value, is_grad_enabled, no_grad

CHAIN_LENGTH = 1_000_000
CHAIN_FACTOR = 1.0000001


def test_gradient_of_quadratic_form_at_1_2() -> None:
    # f = 3x^2 + 2xy + y^2; df/dx = 6x + 2y = 10, df/dy = 2x + 2y = 6 at (1, 2).
    x, y = Value(1.0), Value(2.0)
    f = 3 * x**2 + 2 * x * y + y**2
    f.backward()
    assert f.data == 3.0 + 4.0 + 4.0
    assert (x.grad, y.grad) == (10.0, 6.0)
    assert math.isclose(math.hypot(x.grad, y.grad), 11.661903789690601, rel_tol=1e-12)


def test_tutorial_expression_gives_every_node_its_gradient() -> None:
    # micrograd lecture: L = (a*b + c) * f, gradients worked out by hand.
    a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
    e = a * b
    d = e + c
    loss = d * f
    loss.backward()
    assert loss.data == -8.0
    assert (loss.grad, d.grad, f.grad, e.grad, c.grad) == (1.0, -2.0, 4.0, -2.0, -2.0)
    assert (a.grad, b.grad) == (6.0, -4.0)


def test_tutorial_tanh_neuron_gradients() -> None:
    # o = tanh(x1 w1 + x2 w2 + b) with n = 0.8814 so that o = 1/sqrt(2) and do/dn = 1/2.
    x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
    bias = Value(6.8813735870195432)
    o = (x1 * w1 + x2 * w2 + bias).tanh()
    o.backward()
    assert math.isclose(o.data, math.sqrt(0.5), rel_tol=1e-12)
    expected = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5}
    actual = {"x1": x1.grad, "w1": w1.grad, "x2": x2.grad, "w2": w2.grad, "b": bias.grad}
    for name, value in expected.items():
        assert math.isclose(actual[name], value, rel_tol=1e-9, abs_tol=1e-12), name


def test_chain_rule_through_sin_of_square() -> None:
    # d sin(x^2)/dx = 2x cos(x^2)
    x = Value(0.7)
    y = (x * x).sin()
    y.backward()
    assert math.isclose(x.grad, 2 * 0.7 * math.cos(0.49), rel_tol=1e-12)


def test_chain_rule_through_exp_of_tanh() -> None:
    # d exp(tanh(x))/dx = exp(tanh x) (1 - tanh^2 x)
    x = Value(-0.3)
    x.tanh().exp().backward()
    t = math.tanh(-0.3)
    assert math.isclose(x.grad, math.exp(t) * (1 - t * t), rel_tol=1e-12)


def test_value_used_several_times_gets_sum_of_contributions() -> None:
    # f = x*x*x + x: df/dx = 3x^2 + 1 = 13 at x = 2
    x = Value(2.0)
    (x * x * x + x).backward()
    assert x.grad == 13.0


def test_shared_intermediate_gets_sum_of_contributions() -> None:
    # a = 3x, f = a*a + a: df/da = 2a + 1 = 13, df/dx = 3 * 13 = 39 at x = 2
    x = Value(2.0)
    a = x * 3
    f = a * a + a
    f.backward()
    assert a.grad == 13.0
    assert x.grad == 39.0


def test_backward_twice_doubles_leaf_grads_only() -> None:
    # b = x^2, c = 3b: dc/db = 3, dc/dx = 6x = 12 at x = 2. micrograd would give b.grad = 6.
    x = Value(2.0)
    b = x * x
    c = b * 3
    c.backward()
    assert (x.grad, b.grad, c.grad) == (12.0, 3.0, 1.0)
    c.backward()
    assert x.grad == 24.0
    assert (b.grad, c.grad) == (3.0, 1.0)


def test_leaf_grad_reset_by_hand_gives_single_pass_value() -> None:
    x = Value(2.0)
    y = x * x
    y.backward()
    x.grad = 0.0
    y.backward()
    assert x.grad == 4.0


def test_backward_gradient_argument_scales_every_grad() -> None:
    x = Value(3.0)
    a = x * x
    y = a + 1.0
    y.backward(gradient=2.0)
    assert (y.grad, a.grad, x.grad) == (2.0, 2.0, 12.0)


def test_backward_on_a_leaf_sets_its_grad_to_one() -> None:
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0


def test_backward_on_a_leaf_uses_the_given_gradient() -> None:
    x = Value(4.0)
    x.backward(gradient=2.5)
    assert x.grad == 2.5


def test_grads_are_zero_before_backward() -> None:
    x = Value(1.0)
    y = x.exp()
    assert (x.grad, y.grad) == (0.0, 0.0)


def test_million_node_chain_backward_at_default_recursion_limit() -> None:
    limit = sys.getrecursionlimit()
    assert limit <= 1000, "the test must run at Python's default recursion limit"
    x = Value(1.0)
    y = x
    for _ in range(CHAIN_LENGTH):
        y = y * CHAIN_FACTOR
    y.backward()
    # y = x * c^n, so dy/dx = c^n (the repeated product rounds a little differently)
    assert math.isclose(x.grad, CHAIN_FACTOR**CHAIN_LENGTH, rel_tol=1e-9)
    assert sys.getrecursionlimit() == limit


def test_building_and_dropping_million_node_chain_does_not_crash() -> None:
    # A separate interpreter, so a C-stack overflow in deallocation fails this test
    # instead of killing the test run.
    script = textwrap.dedent(
        f"""
        import gc, sys
        from autograd_scalar import Value
        assert sys.getrecursionlimit() <= 1000
        x = Value(0.0)
        y = x
        for _ in range({CHAIN_LENGTH}):
            y = y + 1.0
        assert y.data == {float(CHAIN_LENGTH)}
        del y
        gc.collect()
        print("dropped")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "dropped"


def test_no_grad_results_are_leaves() -> None:
    x = Value(2.0)
    with no_grad():
        y = (x * 3 + 1).exp()
    assert (y.parents, y.op, y.is_leaf) == ((), "", True)
    assert y.data == math.exp(7.0)


def test_no_grad_sum_and_dot_results_are_leaves() -> None:
    a, b = Value(1.0), Value(2.0)
    with no_grad():
        total = ag.sum([a, b])
        product = ag.dot([a], [b], bias=a)
    assert (total.parents, total.is_leaf, total.data) == ((), True, 3.0)
    assert (product.parents, product.is_leaf, product.data) == ((), True, 3.0)


def test_grad_is_enabled_by_default() -> None:
    assert is_grad_enabled() is True


def test_is_grad_enabled_false_inside_no_grad() -> None:
    with no_grad():
        assert is_grad_enabled() is False
    assert is_grad_enabled() is True


def test_no_grad_nests() -> None:
    x = Value(1.0)
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()
        inner_exited = x * 2
    assert is_grad_enabled()
    assert inner_exited.parents == ()
    assert (x * 2).parents == (x,)


def test_no_grad_restores_state_after_exception() -> None:
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("boom")
    assert is_grad_enabled()
    x = Value(1.0)
    assert (x + 1).parents == (x,)


def test_no_grad_works_as_decorator() -> None:
    @no_grad()
    def evaluate(v: Value) -> tuple[Value, bool]:
        return v * v, is_grad_enabled()

    x = Value(3.0)
    y, enabled_inside = evaluate(x)
    assert enabled_inside is False
    assert y.parents == ()
    assert y.data == 9.0
    assert is_grad_enabled()


def test_no_grad_in_one_thread_does_not_disable_another() -> None:
    entered, built = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def hold_no_grad() -> None:
        with no_grad():
            entered.set()
            built.wait(timeout=10)
            seen["inner_enabled"] = is_grad_enabled()
            seen["inner_parents"] = (Value(1.0) * 2).parents

    worker = threading.Thread(target=hold_no_grad)
    worker.start()
    try:
        assert entered.wait(timeout=10)
        x = Value(1.0)
        y = x * 2
        z = ag.sum([x, y])
        enabled_here = is_grad_enabled()
    finally:
        built.set()
        worker.join(timeout=10)
    assert enabled_here is True
    assert y.parents == (x,)
    assert z.parents == (x, y)
    assert seen == {"inner_enabled": False, "inner_parents": ()}
