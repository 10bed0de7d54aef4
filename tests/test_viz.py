"""draw_dot's DOT source: one box per Value, one node per operation, stable and styled by role."""

from __future__ import annotations

import re

import pytest

import autograd_scalar as ag
from autograd_scalar import Value
from autograd_scalar.viz import Drawing, draw_dot

NODE = re.compile(r"^\t((?:v|op)\d+) \[", re.MULTILINE)
EDGE = re.compile(r"^\t([\w:]+) -> ([\w:]+)", re.MULTILINE)
FILL = re.compile(r'fillcolor="(#\w+)"')


def node_ids(source: str) -> list[str]:
    return NODE.findall(source)


def edges(source: str) -> list[tuple[str, str]]:
    return EDGE.findall(source)


def node_line(source: str, node_id: str) -> str:
    return next(line for line in source.splitlines() if line.startswith(f"\t{node_id} ["))


def neuron() -> tuple[Value, list[Value]]:
    """tanh(x1*w1 + x2*w2 + b), the neuron of micrograd's tutorial, after backward."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.label = "o"
    out.backward()
    return out, [w1, w2, b]


TINY_SOURCE = """\
digraph computation_graph {
\tgraph [bgcolor=white fontname=Arial nodesep=0.25 nslimit=1 nslimit1=1 rankdir=LR ranksep=0.35]
\tnode [fontname=Arial fontsize=12 height=0.3 margin="0.07,0.04" \
shape=Mrecord style=filled]
\tedge [arrowsize=0.6 color="#8c8c8c"]
\tv1 [label="{a | data 2 | grad 3}" color="#6f93bd" fillcolor="#e8f1fb" \
tooltip="a: data=2.0, grad=3.0"]
\tv0 [label="{data 6 | grad 1}" color="#4f8a3c" fillcolor="#e3f2dc" penwidth=2 \
tooltip="data=6.0, grad=1.0"]
\top0 [label="* 3" color="#c8c8c8" fillcolor="#f0f0f0" margin="0.06,0.02" shape=ellipse \
tooltip=mul width=0.4]
\tv1 -> op0
\top0 -> v0
}
"""


def test_tiny_graph_gives_exactly_this_source() -> None:
    a = Value(2.0, label="a")
    b = a * 3
    b.backward()
    assert draw_dot(b).source == TINY_SOURCE


def test_one_box_per_value_and_one_node_per_operation() -> None:
    out, _ = neuron()
    values = ag.topological_order(out)
    operations = [v for v in values if v.parents]
    ids = node_ids(draw_dot(out).source)
    assert len(ids) == len(values) + len(operations) == 10 + 5
    assert len(set(ids)) == len(ids)


def test_an_edge_per_operand_and_one_from_each_operation_to_its_result() -> None:
    out, _ = neuron()
    values = ag.topological_order(out)
    expected = sum(len(v.parents) + 1 for v in values if v.parents)
    assert len(edges(draw_dot(out).source)) == expected == 9 + 5


def test_node_ids_follow_the_topological_order() -> None:
    out, _ = neuron()
    source = draw_dot(out).source
    for i, value in enumerate(ag.topological_order(out)):
        if value.label:
            assert f'label="{{{value.label} | data' in node_line(source, f"v{i}")
    assert ("op0", "v0") in edges(source)  # the root's operation feeds the root


def test_constant_operands_appear_in_the_operation_label() -> None:
    x = Value(2.0, label="x")
    source = draw_dot((2 - x * 2) ** 3 + x.leaky_relu(0.1)).source
    labels = re.findall(r'^\top\d+ \[label="([^"]+)"', source, re.MULTILINE)
    assert sorted(labels) == sorted(["* 2", "2 -", "** 3", "leaky_relu(0.1)", "+"])


def test_a_sum_of_many_terms_is_one_node_with_many_inputs() -> None:
    xs = [Value(float(i), label=f"x{i}") for i in range(6)]
    source = draw_dot(ag.sum(xs)).source
    assert [node for node in node_ids(source) if node.startswith("op")] == ["op0"]
    assert sum(head == "op0" for _, head in edges(source)) == 6


def test_a_dot_is_one_node_whose_term_cells_receive_both_operands() -> None:
    weights = [Value(0.5, label="w0"), Value(-1.0, label="w1")]
    inputs = [Value(1.0, label="x0"), Value(2.0, label="x1")]
    bias = Value(0.1, label="b")
    out = ag.dot(weights, inputs, bias)
    source = draw_dot(out).source
    index = {v: f"v{i}" for i, v in enumerate(ag.topological_order(out))}
    heads = dict(edges(source))
    assert [node for node in node_ids(source) if node.startswith("op")] == ["op0"]
    for k in range(2):
        assert heads[index[weights[k]]] == heads[index[inputs[k]]] == f"op0:t{k}"
    assert heads[index[bias]] == "op0:b"
    assert "w0 · x0" in source and "w1 · x1" in source and "+ b" in source


def test_a_dot_with_constant_operands_writes_them_in_its_cells() -> None:
    weights = [Value(0.5), Value(-1.0)]
    out = ag.dot(weights, [2.0, 3.0], 0.25)
    source = draw_dot(out).source
    assert "w0 · 2" in source and "w1 · 3" in source and "+ 0.25" in source
    assert sorted(head for _, head in edges(source)) == ["op0:t0", "op0:t1", "v0"]


def test_identical_graphs_built_separately_give_identical_source() -> None:
    first, _ = neuron()
    _garbage = [Value(float(i)) for i in range(1000)]  # different ids for the second graph
    second, _ = neuron()
    assert draw_dot(first).source == draw_dot(second).source


def test_roles_have_distinct_fills_parameters_amber_not_like_inputs() -> None:
    out, parameters = neuron()
    source = draw_dot(out, highlight=parameters).source
    order = ag.topological_order(out)

    def fill(value: Value) -> str:
        return FILL.findall(node_line(source, f"v{order.index(value)}"))[0]

    x1, w1 = out.parents[0].parents[0].parents[0].parents
    intermediate = out.parents[0]
    fills = {fill(x1), fill(w1), fill(intermediate), fill(out)}
    assert len(fills) == 4  # input, parameter, intermediate, output
    assert {fill(p) for p in parameters} == {fill(w1)}
    assert "penwidth=2" in node_line(source, "v0")  # the output stands out


def test_without_highlight_every_leaf_looks_alike() -> None:
    out, _ = neuron()
    source = draw_dot(out).source
    order = ag.topological_order(out)
    leaf_fills = {FILL.findall(node_line(source, f"v{i}"))[0] for i, v in enumerate(order)
                  if v.is_leaf}
    assert len(leaf_fills) == 1


def test_show_grad_false_hides_the_gradient() -> None:
    out, _ = neuron()
    assert "| grad" not in draw_dot(out, show_grad=False).source
    assert "| grad" in draw_dot(out).source


def test_fmt_sets_the_digits_shown() -> None:
    x = Value(1.0 / 3.0, label="x")
    assert "0.333333" in draw_dot(x, fmt=".6f").source
    assert "data 0.3333 |" in draw_dot(x).source


def test_show_order_numbers_values_by_backward_step() -> None:
    out, _ = neuron()
    source = draw_dot(out, show_order=True).source
    for i in range(len(ag.topological_order(out))):
        assert f'label="{{#{i + 1} | ' in node_line(source, f"v{i}")
    assert "#1" not in draw_dot(out).source


def test_record_characters_in_labels_are_escaped() -> None:
    x = Value(1.0, label='<a> | {"b"} \\')
    source = draw_dot(x * 2).source
    assert r'label="{\<a\> \| \{\"b\"\} \\ | data 1 | grad 0}"' in source
    # Graphviz reads a tooltip's backslashes twice (\N is the node's name): one shows as four.
    assert r'tooltip="<a> | {\"b\"} \\\\: data=1.0' in source


def test_top_to_bottom_records_need_no_braces() -> None:
    x = Value(1.0, label="x")
    assert 'label="x | data 1 | grad 0"' in draw_dot(x, rankdir="TB").source


def test_a_gradient_graph_from_create_graph_draws_too() -> None:
    x = Value(3.0, label="x")
    y = x**3
    y.backward(create_graph=True)
    gradient = x.grad  # 3x^2 as a graph of Values
    source = draw_dot(gradient).source
    assert gradient.data == 27.0
    assert 'label="{x | data 3' in source and "** 2" in source
    assert len(node_ids(source)) > 2


def test_too_many_values_raise_with_the_count_and_the_parameter() -> None:
    x = Value(1.0)
    y = x
    for _ in range(70_000):
        y = y + 1.0
    with pytest.raises(ValueError, match=r"70,?001 Values.*max_nodes=500.*max_nodes=70,?001"):
        draw_dot(y)


def test_deep_graphs_draw_without_recursion() -> None:
    x = Value(1.0)
    y = x
    for _ in range(5_000):
        y = y * 1.0
    assert len(node_ids(draw_dot(y, max_nodes=10_000).source)) == 5_001 + 5_000


def test_unknown_rankdir_is_refused() -> None:
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(Value(1.0), rankdir="XY")


def test_value_draw_is_draw_dot() -> None:
    out, parameters = neuron()
    drawing = out.draw(highlight=parameters, rankdir="TB")
    assert isinstance(drawing, Drawing)
    assert drawing.source == draw_dot(out, highlight=parameters, rankdir="TB").source


def test_a_bare_value_keeps_its_text_repr_in_jupyter() -> None:
    assert not hasattr(Value(1.0), "_repr_mimebundle_")
    assert not hasattr(Value(1.0), "_repr_svg_")
