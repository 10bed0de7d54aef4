"""Value: construction, attributes, repr, comparisons, identity, and conversion to numbers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from autograd_scalar import Value


def test_int_data_is_stored_as_float() -> None:
    v = Value(3)
    assert type(v.data) is float
    assert v.data == 3.0


def test_new_value_is_a_leaf_with_zero_grad() -> None:
    v = Value(2.5, label="w")
    assert (v.data, v.grad, v.label, v.op, v.parents, v.is_leaf) == (2.5, 0.0, "w", "", (), True)


def test_label_defaults_to_empty_string() -> None:
    assert Value(1.0).label == ""


@pytest.mark.parametrize(("bad", "type_name"), [("1.0", "str"), (None, "NoneType"), (True, "bool")])
def test_non_number_data_raises_type_error_naming_the_type(bad: object, type_name: str) -> None:
    with pytest.raises(TypeError, match=type_name):
        Value(bad)  # type: ignore[arg-type]


def test_result_records_op_and_parents() -> None:
    a, b = Value(2.0), Value(3.0)
    c = a * b
    assert c.op == "mul"
    assert c.parents == (a, b)
    assert c.parents[0] is a and c.parents[1] is b
    assert not c.is_leaf


@pytest.mark.parametrize(
    ("build", "op"),
    [
        (lambda x: x + 2, "add"),
        (lambda x: 2 + x, "add"),
        (lambda x: x - 2, "sub"),
        (lambda x: 2 - x, "sub"),
        (lambda x: x * 2, "mul"),
        (lambda x: 2 * x, "mul"),
        (lambda x: x / 2, "div"),
        (lambda x: 2 / x, "div"),
        (lambda x: x**2, "pow"),
        (lambda x: 2**x, "pow"),
    ],
)
def test_number_operand_is_a_constant_not_a_parent(
    build: Callable[[Value], Value], op: str
) -> None:
    x = Value(1.5)
    out = build(x)
    assert out.op == op
    assert out.parents == (x,)


@pytest.mark.parametrize(
    ("build", "op"),
    [
        (lambda x: -x, "neg"),
        (lambda x: abs(x), "abs"),
        (lambda x: x.exp(), "exp"),
        (lambda x: x.log(), "log"),
        (lambda x: x.tanh(), "tanh"),
        (lambda x: x.sigmoid(), "sigmoid"),
        (lambda x: x.relu(), "relu"),
        (lambda x: x.leaky_relu(), "leaky_relu"),
        (lambda x: x.sin(), "sin"),
        (lambda x: x.cos(), "cos"),
        (lambda x: x.sqrt(), "sqrt"),
    ],
)
def test_unary_result_names_its_op(build: Callable[[Value], Value], op: str) -> None:
    x = Value(0.5)
    out = build(x)
    assert out.op == op
    assert out.parents == (x,)


def test_repr_shows_data_grad_and_label() -> None:
    assert repr(Value(2.0, label="x")) == "Value(data=2.0, grad=0.0, label='x')"


def test_repr_omits_empty_label() -> None:
    assert repr(Value(-1.5)) == "Value(data=-1.5, grad=0.0)"


@pytest.mark.parametrize(
    ("compare", "expected"),
    [
        (lambda a, b: a < b, True),
        (lambda a, b: a <= b, True),
        (lambda a, b: a > b, False),
        (lambda a, b: a >= b, False),
        (lambda a, b: b > a, True),
        (lambda a, b: a < 2.5, True),
        (lambda a, b: a >= 1, True),
        (lambda a, b: 3 > a, True),  # noqa: SIM300 - reflected comparison
        (lambda a, b: 0.5 >= a, False),  # noqa: SIM300 - reflected comparison
    ],
)
def test_comparisons_compare_data_and_return_bool(
    compare: Callable[[Value, Value], bool], expected: bool
) -> None:
    result = compare(Value(1.0), Value(2.0))
    assert type(result) is bool
    assert result is expected


def test_equality_is_identity_not_data() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a == a
    assert a != b
    assert (a == b) is False


def test_equal_data_values_are_distinct_set_members() -> None:
    a, b = Value(1.0), Value(1.0)
    assert len({a, b, a}) == 2


def test_values_are_dict_keys_by_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    table = {a: "a", b: "b"}
    assert table[a] == "a"
    assert table[b] == "b"


def test_hash_survives_data_change() -> None:
    a = Value(1.0)
    members = {a}
    a.data = 5.0
    assert a in members


def test_item_returns_data_as_a_float() -> None:
    v = Value(-2.25)
    assert v.item() == -2.25
    assert type(v.item()) is float
