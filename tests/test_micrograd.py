"""autograd_scalar.micrograd is a drop-in for micrograd 0.1.0.

Every number is compared with an independent source: the installed micrograd
0.1.0 (always installed by the dev extra), PyTorch float64 where torch is
installed, or numbers printed in micrograd's README. The micrograd programs
below are written once against a ``Value`` class (or ``MLP``) and run with
micrograd's and with ours: only the import changes.
"""

from __future__ import annotations

import math
import random
import shutil
from collections import Counter
from typing import Any

import graphviz
import micrograd.engine
import micrograd.nn
import pytest

import autograd_scalar
from autograd_scalar import make_moons
from autograd_scalar.micrograd import engine as ours
from autograd_scalar.micrograd import nn as ours_nn

Value = ours.Value
TheirValue = micrograd.engine.Value
LIBRARIES = [
    pytest.param((ours.Value, ours_nn), id="ours"),
    pytest.param((micrograd.engine.Value, micrograd.nn), id="micrograd"),
]


def readme_example(value: Any) -> tuple[Any, Any, Any]:
    """micrograd's README example, verbatim, on the Value class ``value``."""
    a = value(-4.0)
    b = value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g, a, b


def sanity_check(value: Any) -> tuple[Any, Any]:
    """The expression of micrograd's test_sanity_check, on the Value class ``value``."""
    x = value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return y, x


def signature(v: Any) -> tuple[Any, ...]:
    """A Value's graph as a canonical tree over ``_prev``: op, data (with its type),
    grad to 12 significant digits, and the children's signatures in sorted order."""
    children = sorted((signature(child) for child in v._prev), key=repr)
    return (v._op, type(v.data).__name__, v.data, f"{v.grad:.12g}", tuple(children))


# --- 1. the README example -----------------------------------------------------------


def test_readme_example_gives_the_readme_numbers() -> None:
    g, a, b = readme_example(Value)
    # the numbers printed in micrograd's README
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_readme_example_matches_installed_micrograd() -> None:
    g, a, b = readme_example(Value)
    tg, ta, tb = readme_example(TheirValue)
    assert g.data == tg.data  # the same arithmetic: the same bits
    assert repr(g) == repr(tg) == "Value(data=24.70408163265306, grad=1)"
    # gradient sums may be added in another order: equal to rounding
    assert math.isclose(a.grad, ta.grad, rel_tol=1e-14)
    assert math.isclose(b.grad, tb.grad, rel_tol=1e-14)
    assert signature(g) == signature(tg)


# --- 2. micrograd's test_engine.py: against torch float64 and against micrograd ------


def test_sanity_check_matches_micrograd() -> None:
    y, x = sanity_check(Value)
    ty, tx = sanity_check(TheirValue)
    assert y.data == ty.data
    assert x.grad == tx.grad
    assert signature(y) == signature(ty)


def test_more_ops_matches_micrograd() -> None:
    # micrograd's test_more_ops is its README expression
    g, a, b = readme_example(Value)
    tg, ta, tb = readme_example(TheirValue)
    assert abs(g.data - tg.data) < 1e-12
    assert abs(a.grad - ta.grad) < 1e-12
    assert abs(b.grad - tb.grad) < 1e-12


def test_sanity_check_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    x = torch.tensor([-4.0], dtype=torch.float64, requires_grad=True)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    ours_y, ours_x = sanity_check(Value)
    assert ours_y.data == y.item()
    assert ours_x.grad == x.grad.item()


def test_more_ops_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    a = torch.tensor([-4.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    c = a + b
    d = a * b + b**3
    c = c + (c + 1)  # Value's `c += x` is `c = c + x`, not in place
    c = c + (1 + c + (-a))
    d = d + (d * 2 + (b + a).relu())
    d = d + (3 * d + (b - a).relu())
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    ours_g, ours_a, ours_b = readme_example(Value)
    # micrograd divides as x * y**-1, torch as x / y: equal to rounding
    assert math.isclose(ours_g.data, g.item(), rel_tol=1e-13)
    assert math.isclose(ours_a.grad, a.grad.item(), rel_tol=1e-13)
    assert math.isclose(ours_b.grad, b.grad.item(), rel_tol=1e-13)


# --- 3. demo.ipynb's training loop ------------------------------------------------------


def demo_training(value: Any, nn: Any, steps: int) -> list[tuple[float, float]]:
    """micrograd's demo.ipynb loop (full batch, svm max-margin loss, L2 1e-4, SGD), per step
    the total loss and the accuracy of the scores it was computed from."""
    X, labels = make_moons(100, noise=0.1, seed=0)
    y = [2 * label - 1 for label in labels]
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])

    def loss() -> tuple[Any, float]:
        Xb, yb = X, y  # batch_size=None
        inputs = [list(map(value, xrow)) for xrow in Xb]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    history = []
    for k in range(steps):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((total_loss.data, acc))
    return history


def test_demo_training_matches_micrograd_step_for_step() -> None:
    steps = 20
    ours_history = demo_training(ours.Value, ours_nn, steps)
    their_history = demo_training(micrograd.engine.Value, micrograd.nn, steps)
    for step, ((loss, _), (their_loss, _)) in enumerate(zip(ours_history, their_history)):
        assert math.isclose(loss, their_loss, rel_tol=1e-9), (step, loss, their_loss)
    assert ours_history[-1][1] == their_history[-1][1]  # the accuracy at step 20
    assert ours_history[0][0] > ours_history[-1][0]  # and it trains


# --- 4. trace_graph.ipynb's draw_dot -------------------------------------------------------


def trace(root: Any) -> tuple[set[Any], set[tuple[Any, Any]]]:
    """Every node and edge below ``root``, found through ``_prev`` (trace_graph.ipynb)."""
    nodes: set[Any] = set()
    edges: set[tuple[Any, Any]] = set()
    stack = [root]
    while stack:
        v = stack.pop()
        if v in nodes:
            continue
        nodes.add(v)
        for child in v._prev:
            edges.add((child, v))
            stack.append(child)
    return nodes, edges


def draw_dot(root: Any, rankdir: str = "LR") -> graphviz.Digraph:
    """trace_graph.ipynb's picture: a record per Value, an op node per ``_op``."""
    assert rankdir in ("LR", "TB")
    nodes, edges = trace(root)
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": rankdir})
    for n in nodes:
        uid = str(id(n))
        dot.node(name=uid, label=f"{{ data {n.data:.4f} | grad {n.grad:.4f} }}", shape="record")
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for child, parent in edges:
        dot.edge(str(id(child)), str(id(parent)) + parent._op)
    return dot


def picture_summary(root: Any) -> tuple[int, int, Counter[str], Counter[str]]:
    """Node and edge statement counts, op labels and record labels of ``draw_dot(root)``."""
    dot = draw_dot(root)
    lines = [line.strip() for line in dot.body]
    edges = [line for line in lines if "->" in line]
    nodes = [line for line in lines if "->" not in line]
    ops = Counter(
        line.split("label=")[1].split("]")[0].strip('"') for line in nodes if "shape" not in line
    )
    records = Counter(
        line.split("label=")[1].split(" shape")[0] for line in nodes if "shape" in line
    )
    if shutil.which("dot"):
        assert dot.pipe(format="svg").startswith(b"<?xml")
    return len(nodes), len(edges), ops, records


def neuron_graph(value: Any, nn: Any) -> Any:
    random.seed(1337)
    n = nn.Neuron(2)
    y = n([value(1.0), value(-2.0)])
    y.backward()
    return y


def simple_graph(value: Any, nn: Any) -> Any:
    x = value(1.0)
    y = (x * 2 + 1).relu()
    y.backward()
    return y


@pytest.mark.parametrize("build", [simple_graph, neuron_graph])
def test_draw_dot_draws_micrograd_s_picture(build: Any) -> None:
    ours_summary = picture_summary(build(ours.Value, ours_nn))
    their_summary = picture_summary(build(micrograd.engine.Value, micrograd.nn))
    assert ours_summary == their_summary
    assert ours_summary[0] > 0 and ours_summary[2]


def test_draw_dot_of_the_readme_graph() -> None:
    ours_summary = picture_summary(readme_example(Value)[0])
    their_summary = picture_summary(readme_example(TheirValue)[0])
    assert ours_summary == their_summary
    assert set(ours_summary[2]) == {"+", "*", "**2", "**3", "**-1", "ReLU"}


# --- 5. _prev, _op, repr, initialisation ---------------------------------------------------

OPERATIONS = {
    "add": lambda a, b: a + b,
    "add number": lambda a, b: a + 1.5,
    "radd": lambda a, b: 1.5 + a,
    "mul": lambda a, b: a * b,
    "mul number": lambda a, b: a * 3,
    "rmul": lambda a, b: 3 * a,
    "square": lambda a, b: a**2,
    "cube float": lambda a, b: a**3.0,
    "reciprocal": lambda a, b: a**-1,
    "root": lambda a, b: a**0.5,
    "relu": lambda a, b: a.relu(),
    "relu negative": lambda a, b: (-a).relu(),
    "neg": lambda a, b: -a,
    "sub": lambda a, b: a - b,
    "sub number": lambda a, b: a - 1,
    "rsub": lambda a, b: 1 - a,
    "div": lambda a, b: a / b,
    "div number": lambda a, b: a / 3.0,
    "rdiv": lambda a, b: 2.0 / a,
    "same operand": lambda a, b: a * a + a,
}


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_every_op_builds_micrograd_s_graph(name: str) -> None:
    op = OPERATIONS[name]
    results = []
    for value in (Value, TheirValue):
        a, b = value(1.25), value(-0.75)
        out = op(a, b)
        out.backward()
        results.append((signature(out), repr(out), repr(a), repr(b)))
    assert results[0][1:] == results[1][1:]
    assert results[0][0] == results[1][0]


def test_prev_is_the_set_of_parents_and_op_is_micrograd_s() -> None:
    a, b = Value(2.0), Value(3.0)
    total = a + b
    assert isinstance(total._prev, set) and total._prev == {a, b} and total._op == "+"
    product = a * b
    assert product._prev == {a, b} and product._op == "*"
    square = a**2
    assert square._prev == {a} and square._op == "**2"
    assert a.relu()._prev == {a} and a.relu()._op == "ReLU"
    assert a._prev == set() and a._op == ""
    scaled = a * 2
    (constant,) = scaled._prev - {a}
    assert isinstance(constant, Value) and constant.data == 2 and constant._op == ""
    assert (a * a)._prev == {a}


def test_repr_matches_micrograd() -> None:
    cases = [
        lambda v: v(2.0),
        lambda v: v(2),
        lambda v: v(0),
        lambda v: v(2) * 3,
        lambda v: v(2) + 0.5,
        lambda v: v(2) ** 3,
        lambda v: v(2) ** -1,
        lambda v: v(-3).relu(),
        lambda v: v(-3.5).relu(),
        lambda v: v(0.1) * 3,
        lambda v: v(1e300) * 10,
    ]
    for case in cases:
        assert repr(case(Value)) == repr(case(TheirValue))
    for value in (Value, TheirValue):
        x = value(1.5)
        y = x * x
        y.backward()
        assert (repr(x), repr(y)) == ("Value(data=1.5, grad=3.0)", "Value(data=2.25, grad=1)")


@pytest.mark.parametrize("seed", [0, 1, 42, 1337])
def test_seeded_models_have_micrograd_s_weights(seed: int) -> None:
    models = []
    after = []
    for nn in (ours_nn, micrograd.nn):
        random.seed(seed)
        models.append(nn.MLP(3, [4, 4, 1]))
        after.append(random.random())  # the same number of draws
    mine, theirs = models
    assert [p.data for p in mine.parameters()] == [p.data for p in theirs.parameters()]
    assert [type(p.data) for p in mine.parameters()] == [type(p.data) for p in theirs.parameters()]
    assert after[0] == after[1]
    assert repr(mine) == repr(theirs)
    x = [0.5, -1.25, 2.0]
    assert mine(x).data == theirs(x).data  # micrograd's summation order: the same bits


def test_module_reprs() -> None:
    random.seed(0)
    assert repr(ours_nn.Neuron(3)) == "ReLUNeuron(3)"
    assert repr(ours_nn.Neuron(3, nonlin=False)) == "LinearNeuron(3)"
    assert repr(ours_nn.Layer(2, 2)) == "Layer of [ReLUNeuron(2), ReLUNeuron(2)]"
    assert repr(ours_nn.MLP(2, [1])) == "MLP of [Layer of [LinearNeuron(2)]]"
    assert ours_nn.Module().parameters() == []


@pytest.mark.parametrize("library", LIBRARIES)
def test_layer_of_one_returns_a_value(library: tuple[Any, Any]) -> None:
    value, nn = library
    random.seed(3)
    out = nn.Layer(2, 1)([1.0, 2.0])
    assert isinstance(out, value)
    assert len(nn.Layer(2, 3)([1.0, 2.0])) == 3


# --- micrograd's backward semantics --------------------------------------------------------


def twice(value: Any) -> Any:
    """A graph whose intermediates are shared, differentiated twice without zeroing."""
    a, b = value(0.75), value(-1.5)
    c = a * b
    d = (c + a).relu() + c * c
    e = d / b + (1 - a) ** 2
    e.backward()
    e.backward()
    return e


def test_backward_twice_accumulates_as_micrograd_does() -> None:
    # micrograd adds into every node's grad, intermediates included, so a second
    # call sends the intermediates' old gradients down again
    assert signature(twice(Value)) == signature(twice(TheirValue))


def test_zero_grad_then_backward_gives_fresh_gradients() -> None:
    for value, nn in ((ours.Value, ours_nn), (micrograd.engine.Value, micrograd.nn)):
        random.seed(5)
        model = nn.MLP(2, [3, 1])
        for _ in range(2):
            model.zero_grad()
            model([value(0.5), value(-0.25)]).backward()
        grads = [p.grad for p in model.parameters()]
        if value is ours.Value:
            mine = grads
        else:
            assert [f"{g:.12g}" for g in mine] == [f"{g:.12g}" for g in grads]


def test_leaf_grads_accumulate_and_root_grad_is_one() -> None:
    x = Value(2.0)
    y = x * x * x
    y.backward()
    y.backward()
    their_x = TheirValue(2.0)
    their_y = their_x * their_x * their_x
    their_y.backward()
    their_y.backward()
    # more than twice 3x^2 = 12: the intermediate x*x kept its grad and sends it again
    assert x.grad == their_x.grad > 24.0
    assert y.grad == their_y.grad == 1
    for value in (Value, TheirValue):
        leaf = value(3.0)
        leaf.grad = 5.0
        leaf.backward()  # a leaf root: its grad is set to 1, not added to
        assert leaf.grad == 1 and type(leaf.grad) is int


def test_gradients_come_from_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    engine_backward = autograd_scalar.Value.backward

    def counting(self: autograd_scalar.Value, *args: Any, **kwargs: Any) -> None:
        calls.append(self)
        engine_backward(self, *args, **kwargs)

    monkeypatch.setattr(autograd_scalar.Value, "backward", counting)
    g, a, _ = readme_example(Value)
    assert calls == [g.node]
    assert isinstance(a.node, autograd_scalar.Value) and a.node.grad == a.grad


def test_data_assignment_reaches_the_engine() -> None:
    for value in (Value, TheirValue):
        w = value(2.0)
        y = w * 3.0
        w.data -= 0.5
        y.backward()
        assert w.data == 1.5 and w.grad == 3.0
        z = w * w
        z.backward()
        assert z.data == 2.25 and w.grad == 6.0


def test_deep_graphs_need_no_recursion() -> None:
    x = Value(1.0)
    y = x
    for _ in range(5000):  # deeper than micrograd's recursive sort can go
        y = y + x
    y.backward()
    assert y.data == 5001.0 and x.grad == 5001.0


def test_refusals() -> None:
    for value in (Value, TheirValue):
        with pytest.raises(AssertionError, match="int/float powers"):
            value(2.0) ** value(3.0)
        with pytest.raises(TypeError):
            2.0 ** value(3.0)
    a = Value(1.0)
    custom = Value(math.tanh(a.data), (a,), "tanh")  # micrograd's way to add an op
    assert custom._prev == {a} and custom._op == "tanh"
    with pytest.raises(NotImplementedError, match="_children"):
        (custom * 2).backward()
    with pytest.raises(TypeError, match="real number"):
        Value("1.0")  # type: ignore[arg-type]
