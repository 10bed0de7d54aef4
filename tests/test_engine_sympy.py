"""An independent oracle: random expressions differentiated exactly by sympy.

Hypothesis draws small expression trees over x and y. Each tree is built twice,
as a sympy expression and as an engine expression (the same builder also runs on
plain floats for central differences); the engine's gradient must match sympy's
exact derivative, evaluated at the same point with 30 digits.
"""

from __future__ import annotations

import math
from typing import Any

import sympy  # type: ignore[import-untyped]
from conftest import FLOAT, numeric_grad, plain
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import autograd_scalar as ag
from autograd_scalar import Value, grad

# A tree is ("x",), ("y",), ("const", c), (unary_name, child), ("pow", child, k)
# or (binary_name, left, right).
Tree = tuple[Any, ...]
Number = float | Value

UNARY = [
    "sin",
    "cos",
    "exp",
    "tanh",
    "sigmoid",
    "log_of_square_plus_one",
    "sqrt_of_square_plus_one",
]
BINARY = ["add", "sub", "mul", "div"]
CONSTANTS = [-2.0, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0, 3.0]

MAX_MAGNITUDE = 1e4  # keeps exp from overflowing and values in float's comfortable range
MIN_DENOMINATOR = 0.1

ORACLE_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


def _extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    return st.one_of(
        st.tuples(st.sampled_from(UNARY), children),
        st.tuples(st.just("pow"), children, st.sampled_from([2, 3])),
        st.tuples(st.sampled_from(BINARY), children, children),
    )


def expressions(variables: tuple[str, ...]) -> st.SearchStrategy[Tree]:
    leaves = st.one_of(
        st.sampled_from([(v,) for v in variables]),
        st.sampled_from(CONSTANTS).map(lambda c: ("const", c)),
    )
    return st.recursive(leaves, _extend, max_leaves=6)


COORDINATES = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False)


class Unsafe(Exception):
    """The drawn expression leaves the well-conditioned region at the drawn point."""


def build(tree: Tree, m: Any, x: Number, y: Number) -> Any:
    """The tree evaluated with namespace ``m`` (FLOAT on floats, autograd_scalar on Values)."""
    kind = tree[0]
    if kind == "x":
        return x
    if kind == "y":
        return y
    if kind == "const":
        return tree[1]
    a = build(tree[1], m, x, y)
    if kind == "pow":
        result = a ** tree[2]
    elif kind in BINARY:
        b = build(tree[2], m, x, y)
        if kind == "div" and abs(plain(b)) < MIN_DENOMINATOR:
            raise Unsafe
        result = {"add": a + b, "sub": a - b, "mul": a * b}[kind] if kind != "div" else a / b
    elif kind == "log_of_square_plus_one":
        result = m.log(a * a + 1.0)
    elif kind == "sqrt_of_square_plus_one":
        result = m.sqrt(a * a + 1.0)
    else:
        try:
            result = getattr(m, kind)(a)
        except OverflowError:  # exp of a large constant sub-expression
            raise Unsafe from None
    if not abs(plain(result)) <= MAX_MAGNITUDE:
        raise Unsafe
    return result


def to_sympy(tree: Tree, x: sympy.Symbol, y: sympy.Symbol) -> sympy.Expr:
    kind = tree[0]
    if kind == "x":
        return x
    if kind == "y":
        return y
    if kind == "const":
        return sympy.Rational(tree[1])
    a = to_sympy(tree[1], x, y)
    if kind == "pow":
        return a ** tree[2]
    if kind in BINARY:
        b = to_sympy(tree[2], x, y)
        return {"add": a + b, "sub": a - b, "mul": a * b, "div": a / b}[kind]
    unary = {
        "sin": sympy.sin(a),
        "cos": sympy.cos(a),
        "exp": sympy.exp(a),
        "tanh": sympy.tanh(a),
        "sigmoid": 1 / (1 + sympy.exp(-a)),
        "log_of_square_plus_one": sympy.log(a**2 + 1),
        "sqrt_of_square_plus_one": sympy.sqrt(a**2 + 1),
    }
    return unary[kind]


X, Y = sympy.symbols("x y", real=True)


def exact(expression: sympy.Expr, point: tuple[float, float]) -> float:
    """``expression`` at ``point`` (taken as exact binary fractions), to 30 digits."""
    subs = {X: sympy.Rational(point[0]), Y: sympy.Rational(point[1])}
    return float(expression.evalf(30, subs=subs))


def engine_gradient(tree: Tree, point: tuple[float, float]) -> list[float]:
    x, y = Value(point[0]), Value(point[1])
    try:
        out = build(tree, ag, x, y)
    except Unsafe:
        reject()
    if not isinstance(out, Value):  # a constant tree
        return [0.0, 0.0]
    out.backward()
    return [x.grad, y.grad]


@ORACLE_SETTINGS
@given(expressions(("x", "y")), COORDINATES, COORDINATES)
def test_gradient_matches_sympy(tree: Tree, px: float, py: float) -> None:
    analytic = engine_gradient(tree, (px, py))
    expression = to_sympy(tree, X, Y)
    for variable, found in zip((X, Y), analytic):
        expected = exact(sympy.diff(expression, variable), (px, py))
        assert math.isclose(found, expected, rel_tol=1e-9, abs_tol=1e-9), (variable, tree)


@ORACLE_SETTINGS
@given(expressions(("x", "y")), COORDINATES, COORDINATES)
def test_gradient_matches_central_differences(tree: Tree, px: float, py: float) -> None:
    analytic = engine_gradient(tree, (px, py))
    try:
        numeric = numeric_grad(lambda x, y: float(build(tree, FLOAT, x, y)), [px, py], eps=1e-6)
    except Unsafe:
        reject()
    for found, expected in zip(analytic, numeric):
        assert math.isclose(found, expected, rel_tol=1e-5, abs_tol=1e-5), tree


@ORACLE_SETTINGS
@given(expressions(("x",)), COORDINATES)
def test_second_derivative_matches_sympy(tree: Tree, px: float) -> None:
    try:
        second = grad(grad(lambda x: build(tree, ag, x, 0.0)))(px)
    except Unsafe:
        reject()
    expected = exact(sympy.diff(to_sympy(tree, X, Y), X, 2), (px, 0.0))
    assert math.isclose(second, expected, rel_tol=1e-8, abs_tol=1e-8), tree


MONOMIALS = st.lists(
    st.tuples(st.integers(-5, 5), st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=6
)


@ORACLE_SETTINGS
@given(MONOMIALS, COORDINATES, COORDINATES)
def test_polynomial_gradient_matches_sympy(
    monomials: list[tuple[int, int, int]], px: float, py: float
) -> None:
    x, y = Value(px), Value(py)
    out = ag.sum([c * x**i * y**j for c, i, j in monomials])
    out.backward()
    polynomial = sum(c * X**i * Y**j for c, i, j in monomials)
    for variable, found in zip((X, Y), (x.grad, y.grad)):
        expected = exact(sympy.diff(polynomial, variable), (px, py))
        assert math.isclose(found, expected, rel_tol=1e-9, abs_tol=1e-9), (variable, monomials)
