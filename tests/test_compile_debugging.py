"""Compiled code a person and a debugger can read: linecache, names, eager error messages,
and constants that survive the trip through source."""

from __future__ import annotations

import linecache
import math
import traceback

import pytest

import autograd_scalar as ag
from autograd_scalar import Value, compile_graph


def eager_error(build: object, data: float) -> Exception:
    """The error eager evaluation raises for ``build(x)`` at ``x = data``."""
    try:
        build(Value(data, label="x"))  # type: ignore[operator]
    except (ArithmeticError, ValueError) as error:
        return error
    raise AssertionError("eager evaluation raised nothing")


FAILURES = [
    ("log", lambda x: (x - 3.0).log() * x, 2.0),
    ("log of a leaf", lambda x: x.log() + x, -1.0),
    ("sqrt", lambda x: x.sqrt(), -4.0),
    ("div", lambda x: 1.0 / x + x, 0.0),
    ("pow", lambda x: x ** 0.5 + x, -2.0),
    ("exp", lambda x: (x * 2.0).exp(), 800.0),
]


@pytest.mark.parametrize(("name", "build", "bad"), FAILURES, ids=[f[0] for f in FAILURES])
def test_a_replay_error_reads_exactly_as_the_eager_one(
    name: str, build: object, bad: float
) -> None:
    x = Value(4.0, label="x")
    g = compile_graph(build(x))  # type: ignore[operator]
    x.data = bad
    expected = eager_error(build, bad)
    with pytest.raises(type(expected)) as caught:
        g()
    assert str(caught.value) == str(expected)
    with pytest.raises(type(expected)) as caught:
        g.forward()
    assert str(caught.value) == str(expected)


def test_an_error_inside_a_per_sample_loop_names_that_sample_leaf() -> None:
    xs = [Value(float(i + 2), label=f"x{i}") for i in range(6)]
    g = compile_graph(ag.sum([x.log() for x in xs]))
    assert "for " in g.source  # the samples share one loop body
    xs[4].data = -1.0
    with pytest.raises(ValueError) as caught:
        g()
    assert str(caught.value) == "log(-1.0 (Value 'x4')) is undefined: log needs an argument > 0"


def test_generated_source_is_registered_for_tracebacks_and_pdb() -> None:
    x = Value(2.0, label="x")
    g = compile_graph(x * x)
    lines = g.source.splitlines()
    assert [linecache.getline(g.filename, i + 1).rstrip("\n") for i in range(len(lines))] == lines


def test_a_traceback_into_replay_code_shows_its_lines() -> None:
    x = Value(2.0, label="x")
    g = compile_graph(x * x)
    try:
        g._replay(None, [])  # wrong arguments: fails inside the generated code
    except TypeError as error:
        frames = traceback.extract_tb(error.__traceback__)
    generated = [f for f in frames if f.filename == g.filename]
    assert generated and generated[-1].line


def test_variables_are_named_after_the_leaves_labels() -> None:
    weight, bias, x = Value(0.5, label="w"), Value(0.1, label="b"), Value(2.0, label="x")
    g = compile_graph((weight * x + bias).tanh())
    assert "v0 = w * x" in g.source
    assert "d_w" in g.source and "d_b" in g.source


def test_labels_that_are_not_identifiers_are_made_into_names() -> None:
    p = Value(0.5, label="layers.0.neurons.1.w.0")
    g = compile_graph(p * p)
    assert "layers_0_neurons_1_w_0 * layers_0_neurons_1_w_0" in g.source


def test_clashing_or_reserved_labels_fall_back_to_plain_names() -> None:
    a, b, c = Value(1.0, label="x"), Value(2.0, label="x"), Value(3.0, label="exp")
    g = compile_graph(a * b + c)
    assert g() == 5.0
    assert "v0 = x * l1" in g.source and "v1 = v0 + l2" in g.source


CONSTANTS = [math.inf, -math.inf, math.nan, -0.0, 5e-324, 1.7976931348623157e308, 0.1]


@pytest.mark.parametrize("constant", CONSTANTS, ids=repr)
@pytest.mark.parametrize(
    "place",
    ["x * c", "c * x", "x + c", "c - x", "maximum(x, c)", "maximum(c, x)", "clamp",
     "dot weight", "dot input", "dot bias", "sum"],
)
def test_every_float_constant_round_trips_through_generated_code(
    place: str, constant: float
) -> None:
    def build(x: Value) -> Value:
        c = constant
        return {
            "x * c": lambda: x * c, "c * x": lambda: c * x, "x + c": lambda: x + c,
            "c - x": lambda: c - x, "maximum(x, c)": lambda: ag.maximum(x, c),
            "maximum(c, x)": lambda: ag.maximum(c, x),
            "clamp": lambda: x.clamp(None if math.isnan(c) else min(c, 0.5), None),
            "dot weight": lambda: ag.dot([c, x], [x, x]),
            "dot input": lambda: ag.dot([x, x], [c, x]),
            "dot bias": lambda: ag.dot([x], [x], c),
            "sum": lambda: ag.sum([x, c, x]),
        }[place]()

    x = Value(0.75, label="x")
    eager = build(x)
    eager.backward()
    expected = (eager.data, x.grad)
    x.grad = 0.0
    value = compile_graph(build(x))()
    got = (value, x.grad)
    assert [repr(v) for v in got] == [repr(v) for v in expected]
