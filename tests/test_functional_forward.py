"""Forward mode (``jvp``, ``jacfwd``) against PyTorch, HIPS autograd and reverse mode.

Every op of the table is run through forward mode at its samples of
``tests/test_ops.py`` and compared with PyTorch float64 (the committed reference
on every Python, ``torch.func`` itself where torch is installed) and with
reverse mode, bit for bit, kinks included: both modes read the same derivative
templates. Random expression trees of 1-5 inputs and 1-4 outputs, built over
every op, are compared with ``torch.func.jvp``/``jacfwd`` and HIPS autograd's
``make_jvp``/``jacobian``. The trees and their three builders (ours, torch, HIPS
autograd) live here; ``tests/test_functional_transforms.py`` uses them too.
"""

from __future__ import annotations

import builtins
import math
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
import torch_reference
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from op_samples import SAMPLES, anywhere_kinks, ops_of_arity
from test_ops import ALL_CASES, KINK_CASES, OpCase, bits, close, decoded, params, torch_case

import autograd_scalar as ag
from autograd_scalar import Value, grad, jacfwd, jacrev, jvp, no_grad
from autograd_scalar._generated.value_methods import RULES
from autograd_scalar.forward import recording
from autograd_scalar.ops import OPS

# torch.func warns about its own use of torch.jit, and HIPS autograd about a constant
# function (a tree without variables); neither concerns the numbers compared.
pytestmark = [
    pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Output seems independent of input:UserWarning"),
]

# --- the libraries compared with, as test-only dependencies ---------------------------


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


# --- random expression trees -------------------------------------------------------
#
# A tree is ("var", i), ("const", c), (kind, child, ...) for the kinds below, ("sum",
# (children...)) or ("dot", w0, x0, w1, x1, bias). Each kind is written once against a
# namespace ``m`` of functions (ours, torch's or HIPS autograd's) and keeps its op inside
# the op's domain: log(a^2 + 0.5), tan(tanh a), a / (b^2 + 0.5), (a^2 + 0.5) ** b.

Tree = tuple[Any, ...]

UNARY: dict[str, Callable[[Any, Any], Any]] = {
    name: SAMPLES[name].apply_anywhere for name in ops_of_arity(1)
}
BINARY: dict[str, Callable[[Any, Any, Any], Any]] = {
    name: SAMPLES[name].apply_anywhere for name in ops_of_arity(2)
}
NARY = tuple(ops_of_arity(0))
KINKED = {name: anywhere_kinks(name) for name in UNARY if anywhere_kinks(name)}
"""Where a kind's derivative jumps; random points keep 1e-3 away (the kinks have their own
tests, and HIPS autograd's conventions there differ from PyTorch's)."""
CONSTANTS = [-1.5, -0.5, 0.5, 2.0]
MAX_MAGNITUDE = 50.0  # every value stays well inside float range (and softplus below torch's
# threshold of 20 for its input: softplus(21) > 20 is refused below as well)


def test_the_trees_use_every_op_of_the_table() -> None:
    assert {*UNARY, *BINARY, *NARY} == set(OPS)


class Unsafe(Exception):
    """The drawn tree leaves the region where the libraries compared agree, at the drawn point."""


def value_of(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def guard(kind: str, operands: Sequence[Any], result: Any) -> None:
    numbers = [value_of(x) for x in operands]
    if any(abs(numbers[0] - k) < 1e-3 for k in KINKED.get(kind, ())):
        raise Unsafe
    if kind in ("maximum", "minimum") and abs(numbers[0] - numbers[1]) < 1e-3:
        raise Unsafe
    if kind == "pow" and abs(numbers[1]) < 1e-3:
        raise Unsafe  # PyTorch drops a term of d2/da db there (see test_functional_transforms)
    if kind == "softplus" and numbers[0] > 15.0:
        raise Unsafe
    if not abs(value_of(result)) <= MAX_MAGNITUDE:
        raise Unsafe


def build(tree: Tree, m: Any, xs: Sequence[Any], checked: bool = False) -> Any:
    """The tree evaluated with namespace ``m`` on the variables ``xs``; ``checked`` raises
    Unsafe where the tree leaves the safe region (only on our Values or floats)."""
    kind = tree[0]
    if kind == "var":
        return xs[tree[1]]
    if kind == "const":
        return m.constant(tree[1])
    if kind == "sum":
        result = m.sum([build(child, m, xs, checked) for child in tree[1]])
    elif kind == "dot":
        w0, x0, w1, x1, bias = (build(child, m, xs, checked) for child in tree[1:])
        result = m.dot([w0, w1], [x0, x1], bias)
    else:
        operands = [build(child, m, xs, checked) for child in tree[1:]]
        try:
            result = (UNARY.get(kind) or BINARY[kind])(m, *operands)  # type: ignore[operator]
        except OverflowError:
            raise Unsafe from None
        if checked:
            guard(kind, operands, result)
    if checked and not abs(value_of(result)) <= MAX_MAGNITUDE:
        raise Unsafe
    return result


class Ours:
    """The namespace of our engine: its module functions, numbers kept as constants."""

    def __getattr__(self, name: str) -> Any:
        return getattr(ag, name)

    @staticmethod
    def constant(c: float) -> float:
        return c

    @staticmethod
    def reciprocal(a: Any) -> Any:
        return a._reciprocal() if isinstance(a, Value) else 1.0 / a

    @staticmethod
    def dot(weights: list[Any], inputs: list[Any], bias: Any) -> Any:
        return ag.dot(weights, inputs, bias=bias)


class TorchMath:
    """The same functions in PyTorch, on 0-d float64 tensors."""

    def __init__(self, torch: Any) -> None:
        self.torch = torch
        functional = torch.nn.functional
        self.gelu, self.softplus = functional.gelu, functional.softplus
        self.leaky_relu, self.elu = functional.leaky_relu, functional.elu

    def __getattr__(self, name: str) -> Any:
        return getattr(self.torch, name)

    def constant(self, c: float) -> Any:
        return self.torch.tensor(c)

    def sum(self, terms: list[Any]) -> Any:
        return self.torch.stack(terms).sum()

    def dot(self, weights: list[Any], inputs: list[Any], bias: Any) -> Any:
        return weights[0] * inputs[0] + weights[1] * inputs[1] + bias


class HipsMath:
    """The same functions in HIPS autograd's numpy (no erf: that needs scipy)."""

    def __init__(self, hips: Any) -> None:
        import autograd.numpy as np

        self.np = np

    def __getattr__(self, name: str) -> Any:
        return getattr(self.np, name)

    @staticmethod
    def constant(c: float) -> float:
        return c

    def atan(self, a: Any) -> Any:
        return self.np.arctan(a)

    def reciprocal(self, a: Any) -> Any:
        return 1.0 / a

    def relu(self, a: Any) -> Any:
        return self.np.maximum(a, 0.0)

    def leaky_relu(self, a: Any, slope: float) -> Any:
        return self.np.where(a > 0.0, a, a * slope)

    def elu(self, a: Any, alpha: float) -> Any:
        return self.np.where(a > 0.0, a, alpha * (self.np.exp(a) - 1.0))

    def sigmoid(self, a: Any) -> Any:
        return 1.0 / (1.0 + self.np.exp(-a))

    def softplus(self, a: Any) -> Any:
        return self.np.logaddexp(0.0, a)

    def clamp(self, a: Any, low: float, high: float) -> Any:
        return self.np.clip(a, low, high)

    @staticmethod
    def sum(terms: list[Any]) -> Any:
        return builtins.sum(terms[1:], terms[0])

    @staticmethod
    def dot(weights: list[Any], inputs: list[Any], bias: Any) -> Any:
        return weights[0] * inputs[0] + weights[1] * inputs[1] + bias


NO_ERF = ("erf", "gelu")
"""The kinds HIPS autograd computes only with scipy, which the dev extra does not bring."""


def trees(variables: int, kinds: Sequence[str] = ()) -> st.SearchStrategy[Tree]:
    unary = sorted(set(UNARY) - set(kinds)) if kinds else sorted(UNARY)
    leaves = st.one_of(
        st.integers(0, variables - 1).map(lambda i: ("var", i)),
        st.sampled_from(CONSTANTS).map(lambda c: ("const", c)),
    )

    def extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
        return st.one_of(
            st.tuples(st.sampled_from(unary), children),
            st.tuples(st.sampled_from(sorted(BINARY)), children, children),
            st.tuples(st.just("sum"), st.lists(children, min_size=1, max_size=3).map(tuple)),
            st.tuples(st.just("dot"), children, children, children, children, children),
        )

    return st.recursive(leaves, extend, max_leaves=7)


@st.composite
def problems(draw: st.DrawFn, inputs: tuple[int, int] = (1, 5), outputs: tuple[int, int] = (1, 4),
             without: Sequence[str] = ()) -> tuple[list[Tree], list[float]]:
    """m trees over n variables and a point: a function of n inputs and m outputs."""
    n = draw(st.integers(*inputs))
    m = draw(st.integers(*outputs))
    forest = draw(st.lists(trees(n, without), min_size=m, max_size=m))
    point = draw(st.lists(st.floats(-2.0, 2.0), min_size=n, max_size=n))
    return forest, point


def ours(forest: list[Tree]) -> Callable[..., list[Any]]:
    """The function of the trees on our engine: n arguments, a list of m outputs."""
    return lambda *xs: [build(tree, Ours(), xs) for tree in forest]


def safe_or_reject(forest: list[Tree], point: list[float]) -> None:
    """Reject the example unless every tree stays in the safe region at ``point``."""
    try:
        for tree in forest:
            build(tree, Ours(), [Value(x) for x in point], checked=True)
    except Unsafe:
        reject()


def on_torch(torch: Any, forest: list[Tree]) -> Callable[[Any], Any]:
    math_ = TorchMath(torch)
    return lambda v: torch.stack([torch.as_tensor(build(t, math_, list(v))) for t in forest])


def on_hips(hips: Any, forest: list[Tree]) -> Callable[[Any], Any]:
    math_ = HipsMath(hips)
    np = math_.np
    return lambda v: np.array([build(t, math_, [v[i] for i in range(len(v))]) for t in forest])


def matrix(jacobian: Any) -> list[list[float]]:
    """Our Jacobian (a list of rows, each a tuple per argument) as a list of lists."""
    return [list(row) for row in jacobian]


def assert_matrices_close(actual: Any, expected: Any, rel: float = 1e-9) -> None:
    actual = [list(map(float, row)) for row in actual]
    expected = [list(map(float, row)) for row in expected]
    assert len(actual) == len(expected), (actual, expected)
    for a_row, e_row in zip(actual, expected):
        assert len(a_row) == len(e_row), (actual, expected)
        for a, e in zip(a_row, e_row):
            assert math.isclose(a, e, rel_tol=rel, abs_tol=rel), (actual, expected)


TREE_SETTINGS = settings(max_examples=60, deadline=None,
                         suppress_health_check=[HealthCheck.filter_too_much,
                                                HealthCheck.too_slow])


# --- every op of the table, at its samples -------------------------------------------------


def forward_gradient(case: OpCase) -> list[float]:
    positions = tuple(range(len(case.leaf_point)))
    return list(jacfwd(lambda *xs: case.apply(ag, *xs), argnums=positions)(*case.leaf_point))


def reverse_gradient(case: OpCase) -> list[float]:
    out, leaves = case.build()
    out.backward()
    return [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("case", params(ALL_CASES))
def test_forward_mode_gives_reverse_modes_derivatives_bit_for_bit(case: OpCase) -> None:
    assert bits(forward_gradient(case)) == bits(reverse_gradient(case))


@pytest.mark.parametrize("case", params(ALL_CASES))
def test_forward_mode_matches_the_torch_reference(case: OpCase) -> None:
    # the committed float64 numbers of PyTorch, on every Python; kinks and poles exactly
    value, gradient, _ = decoded(torch_case(case.id))
    out, tangent = jvp(lambda *xs: case.apply(ag, *xs), tuple(case.leaf_point),
                       (1.0,) + (0.0,) * (len(case.leaf_point) - 1))
    assert close(out, value)
    assert close(tangent, gradient[0]), (tangent, gradient[0])
    assert all(map(close, forward_gradient(case), gradient))


def tangent_vector(size: int) -> tuple[float, ...]:
    return tuple(0.7 - 1.1 * i for i in range(size))


@pytest.mark.parametrize("case", params(ALL_CASES))
def test_jvp_of_every_op_matches_torch_func(torch: Any, case: OpCase) -> None:
    call = torch_reference.torch_calls(torch)[case.name]
    parameters = dict(case.sample.parameters)

    def on_tensors(*leaves: Any) -> Any:
        given = iter(leaves)
        operands = [torch.tensor(x) if fixed else next(given)
                    for x, fixed in zip(case.sample.point, case.sample.constant)]
        return call(*operands, **parameters)

    direction = tangent_vector(len(case.leaf_point))
    primals = tuple(torch.tensor(x) for x in case.leaf_point)
    expected = torch.func.jvp(on_tensors, primals, tuple(torch.tensor(t) for t in direction))
    out, tangent = jvp(lambda *xs: case.apply(ag, *xs), tuple(case.leaf_point), direction)
    assert close(out, expected[0].item())
    assert close(tangent, expected[1].item()), (tangent, expected[1].item())


def jvp_gradient(case: OpCase) -> list[float]:
    """Each partial derivative by its own jvp: the dual numbers of the engine's methods."""
    size = len(case.leaf_point)
    return [jvp(lambda *xs: case.apply(ag, *xs), tuple(case.leaf_point),
                tuple(float(i == k) for i in range(size)))[1] for k in range(size)]


@pytest.mark.parametrize("case", params(ALL_CASES))
def test_jvp_gives_reverse_modes_derivatives_bit_for_bit(case: OpCase) -> None:
    # every op in every layout (Value op Value, Value op number, number op Value)
    assert bits(jvp_gradient(case)) == bits(reverse_gradient(case))


@pytest.mark.parametrize("case", params(KINK_CASES))
def test_jvp_at_a_kink_gives_the_convention(case: OpCase) -> None:
    assert bits(jvp_gradient(case)) == bits(case.sample.grad or ())


def test_a_recording_gives_tangents_as_dual_numbers_in_any_thread_until_it_ends() -> None:
    x, other = Value(3.0), Value(5.0)
    seen: list[Value] = []

    def work() -> None:
        seen.extend([x * x, other * other])  # x carries a tangent here; other does not

    with recording({x: 1.0}) as tangents:
        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
        here = x * x
    after = x * x
    assert tangents[here] == tangents[seen[0]] == 6.0  # d(x*x)/dx at 3, in either thread
    assert seen[1] not in tangents and after not in tangents
    assert seen[0].parents == (x, x)  # the other thread built its graph as always


def test_another_thread_s_no_grad_changes_no_tangent_of_the_recording() -> None:
    x = Value(3.0)
    inside, outside = threading.Event(), threading.Event()

    def hold_no_grad() -> None:
        with no_grad():
            inside.set()
            outside.wait(10)

    holder = threading.Thread(target=hold_no_grad)
    with recording({x: 1.0}) as tangents:
        quiet = x * x + 1.0  # the only block open: the ops' own fast path
        holder.start()
        inside.wait(10)
        busy = x * x + 1.0  # two blocks open: through observe
        outside.set()
    holder.join()
    assert tangents[quiet] == tangents[busy] == 6.0
    assert busy.parents  # no_grad in the other thread made no leaf here


def test_no_grad_inside_a_recording_gives_constants_and_the_recording_resumes() -> None:
    x = Value(2.0)
    with recording({x: 1.0}) as tangents:
        with no_grad():
            c = x * 5.0
        y = x * c
    assert c not in tangents and c.parents == ()
    assert tangents[y] == 10.0  # c is a constant 10


def test_a_recording_cannot_start_inside_another_or_inside_no_grad() -> None:
    with recording(), pytest.raises(RuntimeError, match="cannot record inside"), recording():
        pass
    with no_grad(), pytest.raises(RuntimeError, match="cannot record inside"), recording():
        pass


def test_sum_and_dot_record_their_tangents() -> None:
    x, y = Value(2.0), Value(-1.0)
    with recording({x: 1.0, y: 0.5}) as tangents:
        s = ag.sum([x, y, x * y])
        d = ag.dot([x, 3.0], [y, x], 1.0)
    assert tangents[s] == 1.0 + 0.5 + (1.0 * -1.0 + 0.5 * 2.0)  # 1.5
    assert tangents[d] == (1.0 * -1.0 + 0.5 * 2.0) + 3.0 * 1.0  # d(xy + 3x + 1) = 3


# --- kinks and non-finite derivatives: the conventions of reverse mode and PyTorch --------


@pytest.mark.parametrize("case", params(KINK_CASES))
def test_forward_mode_at_a_kink_gives_the_convention(case: OpCase) -> None:
    assert bits(forward_gradient(case)) == bits(case.sample.grad or ())


def test_sqrt_at_zero_has_the_infinite_derivatives_of_reverse_mode_in_every_order() -> None:
    # d/dx sqrt x = +inf, d2 = -inf, d3 = +inf at 0, as grad (and PyTorch) give them
    first = jacfwd(lambda x: x.sqrt())
    assert jvp(lambda x: x.sqrt(), (0.0,), (1.0,)) == (0.0, math.inf)
    assert first(0.0) == math.inf
    assert jacfwd(first)(0.0) == grad(grad(lambda x: x.sqrt()))(0.0) == -math.inf
    assert jacfwd(jacfwd(first))(0.0) == math.inf


def test_a_nan_derivative_is_nan_in_forward_mode_too() -> None:
    # d/dy (-2)^y = (-2)^y log(-2), undefined
    tangent = jvp(lambda y: (-2.0) ** y, (1.0,), (1.0,))[1]
    assert math.isnan(tangent) and math.isnan(grad(lambda y: (-2.0) ** y)(1.0))
    assert math.isnan(jacfwd(jacfwd(lambda y: (-2.0) ** y))(1.0))


def test_fractional_power_at_zero_is_infinite_in_both_modes() -> None:
    assert jacfwd(lambda x: x**0.5)(0.0) == jacrev(lambda x: x**0.5)(0.0) == math.inf
    # d/dx x^1.5 = 1.5 x^0.5 is 0 at 0, and its derivative 0.75 x^-0.5 is +inf
    assert jacfwd(lambda x: x**1.5)(0.0) == 0.0
    assert jacfwd(jacrev(lambda x: x**1.5))(0.0) == jacfwd(jacfwd(lambda x: x**1.5))(0.0)
    assert jacfwd(jacfwd(lambda x: x**1.5))(0.0) == math.inf


def test_maximum_at_a_tie_splits_the_tangent_as_reverse_mode_splits_the_gradient() -> None:
    assert jvp(lambda a, b: ag.maximum(a, b), (0.7, 0.7), (1.0, 0.0))[1] == 0.5
    assert jvp(lambda a, b: ag.maximum(a, b), (0.7, 0.7), (1.0, 1.0))[1] == 1.0


def test_a_zero_tangent_passes_nothing_on_so_no_nan_appears_below_a_relu_that_is_off() -> None:
    # sqrt(relu(x)) at 0: relu passes nothing on, so sqrt's +inf is never multiplied by 0.
    # Reverse mode gives 0 (torch.func.jacrev too); torch.func.jacfwd gives nan here.
    f: Callable[[Any], Any] = lambda x: ag.relu(x).sqrt()  # noqa: E731
    assert jacfwd(f)(0.0) == jacrev(f)(0.0) == 0.0


def test_a_zero_tangent_gives_the_partial_derivative_that_reverse_mode_gives() -> None:
    # d/dx (x + sqrt y) at y = 0 is 1; the y direction has +inf. torch.func.jvp and jacfwd
    # give nan for the x entry (0 * inf from the zero tangent of y); grad gives 1.
    f: Callable[[Any, Any], Any] = lambda x, y: x + ag.sqrt(y)  # noqa: E731
    assert jvp(f, (1.0, 0.0), (1.0, 0.0))[1] == grad(f)(1.0, 0.0) == 1.0
    assert jacfwd(f, argnums=(0, 1))(1.0, 0.0) == jacrev(f, argnums=(0, 1))(1.0, 0.0)
    assert jacfwd(f, argnums=(0, 1))(1.0, 0.0) == (1.0, math.inf)


def test_torch_func_jacfwd_gives_nan_where_we_follow_reverse_mode(torch: Any) -> None:
    # The one place the conventions part: documents what torch.func does there.
    f = lambda x, y: x + torch.sqrt(y)  # noqa: E731
    x, y = torch.tensor(1.0), torch.tensor(0.0)
    forward_x = torch.func.jacfwd(f, argnums=(0, 1))(x, y)[0]
    reverse_x = torch.func.jacrev(f, argnums=(0, 1))(x, y)[0]
    assert math.isnan(forward_x.item()) and reverse_x.item() == 1.0


# --- random expression trees ------------------------------------------------------------


@TREE_SETTINGS
@given(problems())
def test_jvp_of_random_trees_matches_torch_func(torch: Any, problem: Any) -> None:
    forest, point = problem
    safe_or_reject(forest, point)
    direction = tangent_vector(len(point))
    out, tangent = jvp(ours(forest), tuple(point), direction)
    expected = torch.func.jvp(on_torch(torch, forest), (torch.tensor(point),),
                              (torch.tensor(direction),))
    assert_matrices_close([out, tangent], [expected[0].tolist(), expected[1].tolist()])


@TREE_SETTINGS
@given(problems())
def test_jacfwd_of_random_trees_matches_torch_func(torch: Any, problem: Any) -> None:
    forest, point = problem
    safe_or_reject(forest, point)
    positions = tuple(range(len(point)))
    ours_ = jacfwd(ours(forest), argnums=positions)(*point)
    theirs = torch.func.jacfwd(on_torch(torch, forest))(torch.tensor(point))
    assert_matrices_close(matrix(ours_), theirs.tolist())


@TREE_SETTINGS
@given(problems(without=NO_ERF))
def test_jvp_and_jacfwd_of_random_trees_match_hips_autograd(hips: Any, problem: Any) -> None:
    import autograd.numpy as np

    forest, point = problem
    safe_or_reject(forest, point)
    direction = tangent_vector(len(point))
    function = on_hips(hips, forest)
    value, tangent = hips.make_jvp(function)(np.array(point))(np.array(direction))
    out, ours_tangent = jvp(ours(forest), tuple(point), direction)
    assert_matrices_close([out, ours_tangent], [list(value), list(tangent)])
    positions = tuple(range(len(point)))
    expected = hips.jacobian(function)(np.array(point))
    assert_matrices_close(matrix(jacfwd(ours(forest), argnums=positions)(*point)),
                          expected.tolist())


# --- composition: forward mode nests with itself and with reverse mode --------------------


def quintic(x: Any) -> Any:
    return x**5 - 2.0 * x**3  # f' = 5x^4 - 6x^2, f'' = 20x^3 - 12x, f''' = 60x^2 - 12


def test_grad_of_a_jvp_is_the_second_derivative() -> None:
    second = grad(lambda x: jvp(quintic, (x,), (1.0,))[1])
    assert second(1.5) == pytest.approx(20 * 1.5**3 - 12 * 1.5, rel=1e-14)


def test_jvp_of_a_jvp_is_the_second_derivative() -> None:
    def first(x: Any) -> Any:
        return jvp(quintic, (x,), (1.0,))[1]

    assert jvp(first, (1.5,), (1.0,))[1] == pytest.approx(20 * 1.5**3 - 12 * 1.5, rel=1e-14)


def test_jvp_of_grad_and_jacfwd_of_grad_are_the_second_derivative() -> None:
    expected = 20 * 1.5**3 - 12 * 1.5
    assert jvp(grad(quintic), (1.5,), (1.0,))[1] == pytest.approx(expected, rel=1e-14)
    assert jacfwd(grad(quintic))(1.5) == pytest.approx(expected, rel=1e-14)


def test_third_derivative_through_three_forward_levels() -> None:
    third = jacfwd(jacfwd(jacfwd(quintic)))
    assert third(1.5) == pytest.approx(60 * 1.5**2 - 12, rel=1e-14)


def test_nested_jvp_keeps_its_variables_apart() -> None:
    # Siskind and Pearlmutter's example: d/dx [x * (d/dy (x + y))] = 1 (confused: 2)
    inner = lambda x: x * jvp(lambda y: x + y, (1.0,), (1.0,))[1]  # noqa: E731
    assert jvp(inner, (1.0,), (1.0,)) == (1.0, 1.0)


def test_inner_jvp_of_a_closed_over_value_is_the_partial_derivative() -> None:
    # f(x) = d/dy (x * y) at y = x, which is x: f' = 1
    f = lambda x: jvp(lambda y: x * y, (x,), (1.0,))[1]  # noqa: E731
    assert f(3.0) == 3.0
    assert jvp(f, (3.0,), (1.0,))[1] == 1.0
    assert grad(f)(3.0) == 1.0


def test_jvp_of_value_primals_returns_values_that_backward_differentiates() -> None:
    x = Value(2.0, label="x")
    out, tangent = jvp(lambda t: t**3, (x,), (1.0,))
    assert (out.data, tangent.data) == (8.0, 12.0)
    tangent.backward()
    assert x.grad == 12.0  # d/dx 3x^2 = 6x


def test_a_value_tangent_is_differentiated_through() -> None:
    v = Value(2.0)
    tangent = jvp(lambda t: t * t, (3.0,), (v,))[1]  # 2 x v
    assert tangent.data == 12.0
    tangent.backward()
    assert v.grad == 6.0


# --- the shapes and the arguments ----------------------------------------------------------


def test_jvp_of_numbers_returns_floats_in_the_shape_of_the_result() -> None:
    out, tangent = jvp(lambda x, y: (x * y, [x, 2.0]), (2.0, 3.0), (1.0, 1.0))
    assert out == (6.0, [2.0, 2.0]) and tangent == (5.0, [1.0, 0.0])
    assert all(type(t) is float for t in (tangent[0], *tangent[1]))


def test_jvp_of_a_constant_function_is_zero() -> None:
    assert jvp(lambda x: 3.0, (1.0,), (1.0,)) == (3.0, 0.0)


def test_jacfwd_shapes_follow_argnums_and_the_outputs() -> None:
    f = lambda x, y: (x * y, x + y)  # noqa: E731
    assert jacfwd(f)(2.0, 3.0) == (3.0, 1.0)
    assert jacfwd(f, argnums=1)(2.0, 3.0) == (2.0, 1.0)
    assert jacfwd(f, argnums=(0, 1))(2.0, 3.0) == ((3.0, 2.0), (1.0, 1.0))
    assert jacfwd(lambda x, y: x * y, argnums=(1,))(2.0, 3.0) == (2.0,)


def test_jacfwd_passes_other_arguments_and_keywords_as_given() -> None:
    f = lambda x, scale, offset=0.0: x * scale + offset  # noqa: E731
    assert jacfwd(f)(2.0, 3.0, offset=1.0) == 3.0


def test_forward_mode_never_runs_backward(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("forward mode ran backward")

    monkeypatch.setattr(Value, "backward", refuse)
    assert jvp(lambda x, y: (x * y).tanh() + ag.dot([x], [y]), (0.5, 1.0), (1.0, 0.0))[1] > 0
    assert jacfwd(lambda x: [x.sin(), ag.sum([x, x])])(0.0) == [1.0, 2.0]


def test_jacfwd_of_numbers_runs_f_once_per_argument_as_dual_numbers(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    import autograd_scalar.functional as functional

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("jacfwd of numbers walked the graph")

    monkeypatch.setattr(functional, "propagate", refuse)
    calls = []

    def f(x: Value, y: Value, z: Value) -> list[Value]:
        calls.append(1)
        return [x * y * z, (x + y).sin()]

    # [[yz, xz, xy], [cos(x + y), cos(x + y), 0]] at (1, 2, 3)
    c = math.cos(3.0)
    assert jacfwd(f, argnums=(0, 1, 2))(1.0, 2.0, 3.0) == [(6.0, 3.0, 2.0), (c, c, 0.0)]
    assert len(calls) == 3


def test_every_rule_has_generated_tangent_rules_beside_its_backward_rules() -> None:
    for (name, layout), rule in RULES.items():
        assert rule.tangent.__name__ == f"{name}_{layout}"
        assert rule.tangent_graph.__name__ == f"{name}_{layout}_graph"
        assert rule.tangent.__module__ == "autograd_scalar._generated.tangent_rules"
    assert {name for name, _ in RULES} == set(OPS)


def test_no_grad_inside_the_function_makes_that_part_a_constant_as_in_reverse_mode() -> None:
    def f(x: Any, y: Any) -> Any:
        with no_grad():
            hidden = y * y
        return x * y + hidden

    assert jacfwd(f, argnums=(0, 1))(0.5, 2.0) == jacrev(f, argnums=(0, 1))(0.5, 2.0) == (2.0, 0.5)


# --- errors -----------------------------------------------------------------------------


def test_a_domain_error_is_eager_evaluations_error() -> None:
    with pytest.raises(ValueError) as eager:
        grad(lambda x: x.log())(-1.0)
    with pytest.raises(ValueError) as forward_mode:
        jvp(lambda x: x.log(), (-1.0,), (1.0,))
    assert str(forward_mode.value) == str(eager.value)
    assert "log(-1.0 (Value 'arg0')) is undefined: log needs an argument > 0" in str(eager.value)


def test_jvp_refuses_primals_that_are_not_a_tuple() -> None:
    with pytest.raises(TypeError, match=r"jvp: primals must be a tuple or list .* write \(1.0,\)"):
        jvp(lambda x: x, 1.0, (1.0,))  # type: ignore[arg-type]


def test_jvp_refuses_a_tangent_per_primal_mismatch() -> None:
    with pytest.raises(ValueError, match="jvp: 2 primals but 1 tangents"):
        jvp(lambda x, y: x * y, (1.0, 2.0), (1.0,))


def test_jvp_refuses_a_tangent_that_is_not_a_number() -> None:
    with pytest.raises(TypeError, match="jvp: tangent 0 must be a number or a Value, not str"):
        jvp(lambda x: x, (1.0,), ("1",))


def test_jvp_refuses_a_function_returning_something_else() -> None:
    with pytest.raises(TypeError, match="jvp: the differentiated function must return a Value"):
        jvp(lambda x: "x", (1.0,), (1.0,))


def test_forward_transforms_refuse_to_run_inside_no_grad() -> None:
    with no_grad(), pytest.raises(RuntimeError, match=r"jvp .* inside a no_grad\(\) block"):
        jvp(lambda x: x * x, (1.0,), (1.0,))
    with no_grad(), pytest.raises(RuntimeError, match=r"jacfwd .* inside a no_grad\(\) block"):
        jacfwd(lambda x: x * x)(1.0)
