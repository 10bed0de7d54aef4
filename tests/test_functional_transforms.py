"""``vjp``, ``jacrev``, ``hessian`` and ``hvp``, and every transform composed with the others.

Compared with closed forms (the issue's: the Hessian of 3x² + 2xy + y², the
Jacobian of polar coordinates, the seed's gradient (10, 6) in both modes), with
sympy's exact derivatives to the fourth order, with PyTorch float64 (the
committed reference for every op, ``torch.func`` on random expression trees)
and with HIPS autograd's ``jacobian`` and ``hessian``. The random trees and
their builders are those of ``tests/test_functional_forward.py``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sympy  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st
from test_functional_forward import (
    NO_ERF,
    TREE_SETTINGS,
    assert_matrices_close,
    matrix,
    on_hips,
    on_torch,
    ours,
    problems,
    safe_or_reject,
    tangent_vector,
)
from test_ops import ALL_CASES, OP_CASES, OpCase, close, decoded, params, torch_case

import autograd_scalar as ag
from autograd_scalar import (
    Value,
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    no_grad,
    value_and_grad,
    vjp,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Output seems independent of input:UserWarning"),
]


@pytest.fixture(scope="module")
def torch() -> Iterator[Any]:
    torch = pytest.importorskip("torch")
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(before)  # other modules' tests build float32 models


@pytest.fixture(scope="module")
def hips() -> Any:
    return pytest.importorskip("autograd")


POINTS = st.floats(-3.0, 3.0)


# --- the closed forms ----------------------------------------------------------


def quadratic(x: Any, y: Any) -> Any:
    return 3 * x**2 + 2 * x * y + y**2


@settings(max_examples=30, deadline=None)
@given(POINTS, POINTS)
def test_the_hessian_of_the_quadratic_is_6_2_2_2_everywhere(x: float, y: float) -> None:
    both = (0, 1)
    expected = ((6.0, 2.0), (2.0, 2.0))
    assert hessian(quadratic, argnums=both)(x, y) == expected
    assert jacrev(jacrev(quadratic, both), both)(x, y) == expected
    assert jacfwd(jacfwd(quadratic, both), both)(x, y) == expected


def test_the_seed_gradient_at_1_2_is_10_6_in_both_modes() -> None:
    assert jacfwd(quadratic, argnums=(0, 1))(1.0, 2.0) == (10.0, 6.0)
    assert jacrev(quadratic, argnums=(0, 1))(1.0, 2.0) == (10.0, 6.0)
    assert jvp(quadratic, (1.0, 2.0), (1.0, 0.0))[1] == 10.0
    assert vjp(quadratic, 1.0, 2.0)[1](1.0) == (10.0, 6.0)


def polar(r: Any, t: Any) -> list[Any]:
    return [r * ag.cos(t), r * ag.sin(t)]


@settings(max_examples=30, deadline=None)
@given(st.floats(0.1, 5.0), POINTS)
def test_the_jacobian_of_polar_coordinates_in_both_modes(r: float, t: float) -> None:
    expected = [[math.cos(t), -r * math.sin(t)], [math.sin(t), r * math.cos(t)]]
    for transform in (jacfwd, jacrev):
        found = matrix(transform(polar, argnums=(0, 1))(r, t))
        assert_matrices_close(found, expected, rel=1e-15)
        determinant = found[0][0] * found[1][1] - found[0][1] * found[1][0]
        assert determinant == pytest.approx(r, rel=1e-14)


# --- against sympy's exact derivatives ---------------------------------------------------

X, Y, Z = sympy.symbols("x y z", real=True)
SYMBOLIC = sympy.exp(X * Y) * sympy.sin(Z) + sympy.log(1 + X**2) * Y**3 - sympy.sqrt(Y**2 + Z**2)


def three_variables(x: Any, y: Any, z: Any) -> Any:
    return ag.exp(x * y) * ag.sin(z) + ag.log(1 + x**2) * y**3 - ag.sqrt(y**2 + z**2)


def exact(expression: Any, point: tuple[float, ...]) -> float:
    return float(expression.evalf(30, subs=dict(zip((X, Y, Z), map(sympy.Rational, point)))))


POINT = (0.3, -0.8, 1.1)


def test_hessian_of_three_variables_is_sympys() -> None:
    found = hessian(three_variables, argnums=(0, 1, 2))(*POINT)
    expected = [[exact(sympy.diff(SYMBOLIC, a, b), POINT) for b in (X, Y, Z)] for a in (X, Y, Z)]
    assert_matrices_close(found, expected, rel=1e-13)


def test_third_derivatives_by_every_mix_of_modes_are_sympys() -> None:
    both = (0, 1, 2)
    expected = [[[exact(sympy.diff(SYMBOLIC, a, b, c), POINT) for c in (X, Y, Z)]
                 for b in (X, Y, Z)] for a in (X, Y, Z)]
    for outer, middle, inner in itertools.product((jacfwd, jacrev), repeat=3):
        found = outer(middle(inner(three_variables, both), both), both)(*POINT)
        for found_plane, expected_plane in zip(found, expected):
            assert_matrices_close(found_plane, expected_plane, rel=1e-12)


def test_hessian_of_a_hessian_is_the_fourth_derivative() -> None:
    fourth = hessian(hessian(lambda x: x**5 * ag.sin(x)))
    expected = exact(sympy.diff(X**5 * sympy.sin(X), X, 4), (0.7,))
    assert fourth(0.7) == pytest.approx(expected, rel=1e-13)


def test_jacobian_of_a_vector_function_is_sympys() -> None:
    outputs = [X * sympy.tanh(Y) + Z, sympy.atan(X * Z) / (1 + Y**2)]

    def f(x: Any, y: Any, z: Any) -> list[Any]:
        return [x * ag.tanh(y) + z, ag.atan(x * z) / (1 + y**2)]

    expected = [[exact(sympy.diff(o, v), POINT) for v in (X, Y, Z)] for o in outputs]
    for transform in (jacfwd, jacrev, jacobian):
        assert_matrices_close(matrix(transform(f, argnums=(0, 1, 2))(*POINT)), expected,
                              rel=1e-14)


def test_third_derivative_of_a_power_with_a_zero_exponent_is_sympys(torch: Any) -> None:
    # (x^2 + 1/2)^x at 0: PyTorch's pow derivative is 0 where the exponent is 0, and the
    # derivative of that 0 is lost in every order after it (3.667 instead of 11.667);
    # ours keeps the exponent's own term. The random trees keep exponents away from 0.
    expected = exact(sympy.diff((X**2 + sympy.Rational(1, 2)) ** X, X, 3), (0.0,))
    f = lambda x: (x * x + 0.5) ** x  # noqa: E731
    assert jacfwd(hessian(f))(0.0) == grad(grad(grad(f)))(0.0) == pytest.approx(expected)
    on_tensor = lambda x: (x * x + 0.5) ** x  # noqa: E731
    theirs = torch.func.jacfwd(torch.func.hessian(on_tensor))(torch.tensor(0.0)).item()
    assert theirs == pytest.approx(expected - 8.0)


# --- every op of the table, to the second derivative ---------------------------------------


def on_case(case: OpCase) -> Callable[..., Any]:
    return lambda *xs: case.apply(ag, *xs)


def case_hessian(case: OpCase, transform: Callable[..., Any]) -> list[list[float]]:
    positions = tuple(range(len(case.leaf_point)))
    return [list(row) for row in transform(on_case(case), argnums=positions)(*case.leaf_point)]


def reverse_over_reverse(case: OpCase) -> list[list[float]]:
    return case_hessian(case, lambda f, argnums: jacrev(jacrev(f, argnums), argnums))


@pytest.mark.parametrize("case", params(OP_CASES))
def test_hessian_of_every_op_matches_the_torch_reference(case: OpCase) -> None:
    _, _, expected = decoded(torch_case(case.id))
    found = case_hessian(case, hessian)
    assert all(all(map(close, a, b)) for a, b in zip(found, expected)), (found, expected)


@pytest.mark.parametrize("case", params(ALL_CASES))
def test_forward_over_reverse_gives_reverse_over_reverse(case: OpCase) -> None:
    # kinks included, infinities and nans exactly: both read the same templates (elu's
    # second derivative at 0 is alpha in both, where PyTorch says 0; see tests/test_ops.py).
    # Finite numbers may differ in the last bit: the products are taken in another order.
    found, expected = case_hessian(case, hessian), reverse_over_reverse(case)
    assert all(all(map(close, a, b)) for a, b in zip(found, expected)), (found, expected)


@pytest.mark.parametrize("case", params(ALL_CASES))
def test_vjp_of_every_op_matches_torch_func(torch: Any, case: OpCase) -> None:
    import torch_reference

    call = torch_reference.torch_calls(torch)[case.name]
    parameters = dict(case.sample.parameters)

    def on_tensors(*leaves: Any) -> Any:
        given = iter(leaves)
        return call(*[torch.tensor(x) if fixed else next(given)
                      for x, fixed in zip(case.sample.point, case.sample.constant)], **parameters)

    out, vjp_fn = vjp(on_case(case), *case.leaf_point)
    expected_out, expected_fn = torch.func.vjp(on_tensors, *map(torch.tensor, case.leaf_point))
    assert close(out, expected_out.item())
    found, expected = vjp_fn(-1.5), expected_fn(torch.tensor(-1.5))
    assert all(close(a, b.item()) for a, b in zip(found, expected)), (found, expected)


# --- random expression trees --------------------------------------------------------------


@TREE_SETTINGS
@given(problems())
def test_jacrev_of_random_trees_matches_torch_func_and_jacfwd(torch: Any, problem: Any) -> None:
    forest, point = problem
    safe_or_reject(forest, point)
    positions = tuple(range(len(point)))
    found = matrix(jacrev(ours(forest), argnums=positions)(*point))
    assert_matrices_close(found, torch.func.jacrev(on_torch(torch, forest))(
        torch.tensor(point)).tolist())
    assert_matrices_close(found, matrix(jacfwd(ours(forest), argnums=positions)(*point)))


@TREE_SETTINGS
@given(problems())
def test_vjp_of_random_trees_matches_torch_func(torch: Any, problem: Any) -> None:
    forest, point = problem
    safe_or_reject(forest, point)
    cotangent = list(tangent_vector(len(forest)))
    out, vjp_fn = vjp(ours(forest), *point)
    expected_out, expected_fn = torch.func.vjp(on_torch(torch, forest), torch.tensor(point))
    (expected,) = expected_fn(torch.tensor(cotangent))
    assert_matrices_close([out, list(vjp_fn(cotangent))],
                          [expected_out.tolist(), expected.tolist()])


@TREE_SETTINGS
@given(problems(outputs=(1, 1)))
def test_hessian_and_hvp_of_random_trees_match_torch(torch: Any, problem: Any) -> None:
    forest, point = problem
    safe_or_reject(forest, point)
    positions = tuple(range(len(point)))
    f = lambda *xs: ours(forest)(*xs)[0]  # noqa: E731
    scalar = lambda v: on_torch(torch, forest)(v)[0]  # noqa: E731
    expected = torch.func.hessian(scalar)(torch.tensor(point)).tolist()
    assert_matrices_close(matrix(hessian(f, argnums=positions)(*point)), expected, rel=1e-8)
    direction = tangent_vector(len(point))
    _, expected_hvp = torch.autograd.functional.hvp(scalar, torch.tensor(point),
                                                    torch.tensor(direction))
    found = hvp(f, tuple(point), direction)
    found = [found] if len(point) == 1 else list(found)
    assert_matrices_close([found], [expected_hvp.tolist()], rel=1e-8)


@TREE_SETTINGS
@given(problems(inputs=(1, 2), outputs=(1, 1)))
def test_third_derivatives_of_random_trees_match_torch_func(torch: Any, problem: Any) -> None:
    forest, point = problem
    safe_or_reject(forest, point)
    positions = tuple(range(len(point)))
    f = lambda *xs: ours(forest)(*xs)[0]  # noqa: E731
    scalar = lambda v: on_torch(torch, forest)(v)[0]  # noqa: E731
    expected = torch.func.jacfwd(torch.func.hessian(scalar))(torch.tensor(point)).tolist()
    found = jacfwd(hessian(f, argnums=positions), argnums=positions)(*point)
    for found_plane, expected_plane in zip(found, expected):
        assert_matrices_close(found_plane, expected_plane, rel=1e-8)


@TREE_SETTINGS
@given(problems(without=NO_ERF))
def test_jacobian_and_hessian_of_random_trees_match_hips_autograd(hips: Any, problem: Any) -> None:
    import autograd.numpy as np

    forest, point = problem
    safe_or_reject(forest, point)
    positions = tuple(range(len(point)))
    function = on_hips(hips, forest)
    expected = hips.jacobian(function)(np.array(point)).tolist()
    assert_matrices_close(matrix(jacrev(ours(forest), argnums=positions)(*point)), expected)
    f = lambda *xs: ours(forest)(*xs)[0]  # noqa: E731
    expected_hessian = hips.hessian(lambda v: function(v)[0])(np.array(point)).tolist()
    assert_matrices_close(matrix(hessian(f, argnums=positions)(*point)), expected_hessian,
                          rel=1e-8)


# --- composition at depth ---------------------------------------------------------------


def quintic(x: Any) -> Any:
    return x**5 - 2.0 * x**3  # f'' = 20x^3 - 12x, f''' = 60x^2 - 12, f'''' = 120x


def test_every_pair_of_transforms_gives_the_second_derivative() -> None:
    x0, expected = 1.5, 20 * 1.5**3 - 12 * 1.5
    first_derivatives: list[Callable[[Any], Any]] = [
        grad(quintic), jacfwd(quintic), jacrev(quintic),
        lambda x: jvp(quintic, (x,), (1.0,))[1], lambda x: vjp(quintic, x)[1](1.0)[0],
    ]
    for first in first_derivatives:
        seconds = [grad(first)(x0), jacfwd(first)(x0), jacrev(first)(x0),
                   jvp(first, (x0,), (1.0,))[1], vjp(first, x0)[1](1.0)[0]]
        assert seconds == pytest.approx([expected] * 5, rel=1e-14)
    assert hessian(quintic)(x0) == hvp(quintic, (x0,), (1.0,)) == pytest.approx(expected)


def test_grad_of_a_hessian_and_hessian_of_a_grad_are_the_third_derivative() -> None:
    assert grad(hessian(quintic))(1.5) == pytest.approx(60 * 1.5**2 - 12, rel=1e-14)
    assert hessian(grad(quintic))(1.5) == pytest.approx(60 * 1.5**2 - 12, rel=1e-14)
    assert hessian(hessian(quintic))(1.5) == pytest.approx(120 * 1.5, rel=1e-14)


def test_nested_transforms_keep_their_variables_apart() -> None:
    # d/dx [x * (d/dy (x + y))] = 1 whichever mode takes each derivative
    for outer, inner in itertools.product((grad, jacfwd, jacrev), repeat=2):
        assert outer(lambda x, inner=inner: x * inner(lambda y: x + y)(1.0))(1.0) == 1.0


def test_hessian_of_a_function_closing_over_the_argument_is_the_partial() -> None:
    # h(x) = d/dy [x y^2] at y = x = 2x^2... taken as d/dy with x fixed: 2 x y, at y = x
    h = lambda x: jacrev(lambda y: x * y * y)(x)  # noqa: E731
    assert h(3.0) == 18.0
    assert jacfwd(h)(3.0) == 12.0  # d/dx 2x^2 = 4x
    assert hessian(h)(3.0) == 4.0


def test_jvp_and_vjp_of_value_arguments_compose_with_backward() -> None:
    x = Value(1.5)
    _, vjp_fn = vjp(quintic, x)
    (derivative,) = vjp_fn(1.0)
    derivative.backward()
    assert x.grad == pytest.approx(20 * 1.5**3 - 12 * 1.5, rel=1e-14)


# --- vjp -------------------------------------------------------------------------------


def test_vjp_fn_may_be_called_several_times_and_gives_the_jacobians_rows() -> None:
    f = lambda x, y: (x * y, ag.sin(x) + y)  # noqa: E731
    out, vjp_fn = vjp(f, 2.0, 3.0)
    assert out == (6.0, math.sin(2.0) + 3.0)
    rows = jacrev(f, argnums=(0, 1))(2.0, 3.0)
    assert vjp_fn((1.0, 0.0)) == rows[0] == vjp_fn([1.0, 0.0])
    assert vjp_fn((0.0, 1.0)) == rows[1]
    assert vjp_fn((2.0, -1.0)) == pytest.approx([2 * a - b for a, b in zip(*rows)])


def test_vjp_of_one_primal_still_returns_a_tuple() -> None:
    assert vjp(lambda x: x * x, 3.0)[1](1.0) == (6.0,)


def test_vjp_fn_refuses_a_cotangent_of_another_shape() -> None:
    _, vjp_fn = vjp(lambda x: [x, x], 1.0)
    with pytest.raises(ValueError, match=r"the shape of f's result \(a list of 2\), not one"):
        vjp_fn(1.0)


def test_reverse_transforms_leave_the_leaves_grads_as_they_were() -> None:
    w = Value(2.0)
    w.grad = 0.25
    f = lambda x: [x * w, ag.tanh(x * w)]  # noqa: E731
    jacrev(f)(1.0)
    vjp(f, 1.0)[1]([1.0, 1.0])
    hessian(lambda x: x * x * w)(1.0)
    assert w.grad == 0.25


def test_a_value_cotangent_is_differentiated_through() -> None:
    c = Value(2.0)
    (derivative,) = vjp(lambda x: x * x, 3.0)[1](c)  # 2 x c
    assert derivative.data == 12.0
    derivative.backward()
    assert c.grad == 6.0


# --- shapes, arguments, errors -----------------------------------------------------------


def test_hessian_of_several_outputs_is_a_hessian_per_output() -> None:
    f = lambda x, y: [x * y, x * x]  # noqa: E731
    assert hessian(f, argnums=(0, 1))(1.0, 2.0) == [((0.0, 1.0), (1.0, 0.0)),
                                                   ((2.0, 0.0), (0.0, 0.0))]


def test_hvp_of_several_arguments_is_the_hessian_times_the_vector() -> None:
    assert hvp(quadratic, (1.0, 2.0), (1.0, 0.0)) == (6.0, 2.0)
    assert hvp(quadratic, (1.0, 2.0), (0.0, 1.0)) == (2.0, 2.0)


def test_jacobian_is_jacrev() -> None:
    assert jacobian is jacrev


def test_results_are_floats_with_numbers_in_and_values_with_values_in() -> None:
    assert type(hessian(quintic)(1.0)) is float
    assert type(jacrev(quintic)(1.0)) is float
    assert isinstance(jacfwd(quintic)(Value(1.0)), Value)
    assert isinstance(jacrev(quintic)(Value(1.0)), Value)


def test_argnums_out_of_range_is_an_index_error_as_for_grad() -> None:
    with pytest.raises(IndexError, match="argnums names argument 2, but 2 arguments"):
        jacrev(quadratic, argnums=2)(1.0, 2.0)
    with pytest.raises(IndexError, match="argnums names argument 2, but 2 arguments"):
        value_and_grad(quadratic, argnums=2)(1.0, 2.0)


def test_a_domain_error_is_eager_evaluations_error_at_any_depth() -> None:
    with pytest.raises(ValueError) as eager:
        ag.sqrt(Value(-1.0, label="arg0"))
    for transform in (jacrev, jacfwd, hessian, lambda f: hessian(hessian(f))):
        with pytest.raises(ValueError) as caught:
            transform(lambda x: ag.sqrt(x))(-1.0)
        assert str(caught.value) == str(eager.value)
    assert "sqrt(-1.0 (Value 'arg0')) is undefined" in str(eager.value)


def test_reverse_transforms_refuse_to_run_inside_no_grad() -> None:
    # no graph is built there, so a derivative would be a silent 0
    for name, call in [("vjp", lambda: vjp(quintic, 1.0)), ("jacrev", lambda: jacrev(quintic)(1.0)),
                       ("jacfwd", lambda: hessian(quintic)(1.0)),
                       ("grad", lambda: ag.grad(quintic)(1.0)),
                       ("grad", lambda: ag.value_and_grad(quintic)(1.0))]:
        with no_grad(), pytest.raises(RuntimeError, match=rf"{name} .* no_grad\(\) block"):
            call()
