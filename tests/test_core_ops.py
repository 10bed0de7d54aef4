"""The op table is complete: every check that once refused to import, as a test."""

from __future__ import annotations

import pytest

from autograd_scalar.compile_numpy import NUMPY_FUNCTIONS
from autograd_scalar.core.functions import FLOAT_FUNCTIONS, HELPERS
from autograd_scalar.core.ops import FUNCTIONS, OPS, Op, called_functions, template_names

TEMPLATES = [(op.name, template) for op in OPS.values() for template in (op.forward, *op.grads)]
CALLED = sorted({(name, function) for name, template in TEMPLATES
                 for function in called_functions(template)})


@pytest.mark.parametrize("op", OPS.values(), ids=list(OPS))
def test_every_op_has_one_derivative_per_operand(op: Op) -> None:
    assert len(op.grads) == len(op.operands)


@pytest.mark.parametrize(("name", "template"), TEMPLATES)
def test_every_template_uses_only_its_op_s_names(name: str, template: str) -> None:
    op = OPS[name]
    known = {*op.operands, "g", "out", *op.parameter_names}
    assert template_names(template) <= known, f"op {name!r}: {template!r}"


@pytest.mark.parametrize(("name", "function"), CALLED)
def test_every_called_function_has_a_row_with_a_float_and_a_value_form(
    name: str, function: str,
) -> None:
    assert function in FUNCTIONS, f"op {name!r} calls {function}, which has no FUNCTIONS row"
    assert callable(FLOAT_FUNCTIONS[function])
    has_value_form = function in HELPERS or (function in OPS and OPS[function].arity == 1)
    assert has_value_form, f"op {name!r} calls {function}, which has no Value form"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_has_a_numpy_form(function: str) -> None:
    assert function in NUMPY_FUNCTIONS


FORWARD_CALLS = sorted({f for op in OPS.values() for f in called_functions(op.forward)})


@pytest.mark.parametrize("function", FORWARD_CALLS)
def test_every_function_of_a_forward_rule_has_a_torch_form(function: str) -> None:
    # to_torch writes the forward pass only: torch differentiates it itself
    assert FUNCTIONS[function].torch, f"{function} has no torch form"


def test_the_derivative_helpers_are_called_only_by_derivatives() -> None:
    forwards = {f for op in OPS.values() for f in called_functions(op.forward)}
    assert not forwards & {"sign", "sqrt_grad", "pow_grad_base", "pow_grad_exponent"}
