"""The explorer in a real browser: Debian's Chromium, driven by Playwright, offline.

Each page is opened from ``file://`` with every other request blocked and counted.
The test steps through every frame with the buttons and reads the numbers the
page shows, comparing them with what ``forward_steps`` and ``backward_steps``
say at that step; then it checks the controls, the inspector, the console and a
screenshot. The same runs on the explorer of notebook 1 exported by nbconvert.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api

from autograd_scalar import Value, backward_steps, dot, explore, forward_steps, topological_order
from autograd_scalar.losses import mse_loss
from autograd_scalar.nn import MLP

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01_expressions_and_graphs.ipynb"

# What the page shows of each Value, by its node name in the SVG: "data 0.5", "grad ?".
READ_VALUES = """root => Object.fromEntries(Array.from(root.querySelectorAll("g.node"))
  .map(g => [g.querySelector("title").textContent,
             Array.from(g.querySelectorAll("text")).map(t => t.textContent)
               .filter(t => t.startsWith("data ") || t.startsWith("grad "))])
  .filter(entry => /^v\\d+$/.test(entry[0])))"""


class Page:
    """A browser page that counts the requests it blocks and the errors it logs."""

    def __init__(self, browser: Any, url: str) -> None:
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1200, "height": 800})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.route("**/*", lambda route: self._route(route, url))
        self.page.goto(url)

    def _route(self, route: Any, url: str) -> None:
        if route.request.url == url:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert CHROMIUM.exists(), "the browser tests need Debian's chromium: apt-get install chromium"
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


def expected_frames(root: Value, fmt: str = ".4g") -> list[dict[str, list[str]]]:
    """Per frame, what each Value (by its node name, v{topological index}) should show."""
    order = topological_order(root)
    name = {value: f"v{i}" for i, value in enumerate(order)}
    data: dict[Value, str] = {}
    grads: dict[Value, str] = {}

    def frame() -> dict[str, list[str]]:
        return {name[v]: [f"data {data.get(v, '?')}", f"grad {grads.get(v, '?')}"] for v in order}

    frames = [frame()]
    for value in forward_steps(root):
        data[value] = format(value.data, fmt)
        frames.append(frame())
    for step in backward_steps(root):
        grads[step.node] = format(step.gradient, fmt)
        for edge in step.edges:
            grads[edge.parent] = format(edge.grad_after, fmt)
        frames.append(frame())
    return frames


def step_through(page: Any, explorer: Any, frames: list[dict[str, list[str]]]) -> None:
    """Press Next step through every frame, checking the counter and every number shown."""
    last = len(frames) - 1
    counter = explorer.locator(".ag-counter")
    for k, expected in enumerate(frames):
        assert counter.inner_text() == f"step {k} of {last}"
        shown = explorer.evaluate(READ_VALUES)
        assert shown == expected, f"step {k}"
        if k < last:
            explorer.get_by_role("button", name="Next step").click()
    assert explorer.get_by_role("button", name="Next step").is_disabled()


def assert_not_blank(png: bytes) -> None:
    try:
        from PIL import Image, ImageStat
    except ImportError:
        assert len(png) > 20_000
        return
    image = Image.open(io.BytesIO(png)).convert("L")
    assert ImageStat.Stat(image).stddev[0] > 10  # a white or empty page is near 0
    assert len(image.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 50


def graph() -> Value:
    """x feeds two Values; a dot with a constant; a relu; labels on some Values only."""
    x, w = Value(0.5, label="x"), Value(-1.2, label="w")
    hidden = dot([w, 2.0], [x, x], Value(0.1, label="b")).relu()
    return (hidden * x + w).tanh()


def test_a_saved_explorer_steps_through_the_engines_numbers_offline(
    browser: Any, tmp_path: Path
) -> None:
    root = graph()
    path = explore(root).save(tmp_path / "backprop.html")
    page = Page(browser, path.as_uri())
    explorer = page.page.locator(".ag-explorer")
    step_through(page.page, explorer, expected_frames(root))
    assert page.blocked == [] and page.errors == []


def test_the_controls_work_by_role_and_by_keyboard(browser: Any, tmp_path: Path) -> None:
    path = explore(graph()).save(tmp_path / "backprop.html")
    page = Page(browser, path.as_uri())
    ui = page.page
    counter = ui.locator(".ag-counter")
    n = len(forward_steps(graph())) * 2
    ui.get_by_role("button", name="Next step").click()
    ui.get_by_role("button", name="Next step").click()
    ui.get_by_role("button", name="Previous step").click()
    assert counter.inner_text() == f"step 1 of {n}"
    ui.keyboard.press("ArrowRight")
    assert counter.inner_text() == f"step 2 of {n}"
    ui.get_by_role("slider", name="Step").fill(str(n - 1))
    assert counter.inner_text() == f"step {n - 1} of {n}"
    ui.get_by_role("button", name="Reset").click()
    assert counter.inner_text() == f"step 0 of {n}"
    assert ui.get_by_role("button", name="Previous step").is_disabled()
    ui.get_by_role("combobox", name="Speed").select_option("4")
    ui.get_by_role("button", name="Play").click()
    ui.get_by_role("button", name="Pause").wait_for()
    ui.wait_for_function(f"() => document.querySelector('.ag-counter').textContent"
                         f" !== 'step 0 of {n}'")
    ui.get_by_role("button", name="Pause").click()
    ui.get_by_role("button", name="Play").wait_for()
    assert page.blocked == [] and page.errors == []


def test_clicking_a_value_opens_its_inspector_with_the_chain_rule(
    browser: Any, tmp_path: Path
) -> None:
    x, w = Value(0.5, label="x"), Value(3.0, label="w")
    out = x * w
    out.label = "out"
    root = out * 1.2 + x
    path = explore(root).save(tmp_path / "backprop.html")
    page = Page(browser, path.as_uri())
    page.page.get_by_role("button", name="Inspect x").click()
    inspector = page.page.get_by_role("region", name="Inspector")
    text = inspector.inner_text()
    # dL/dx = w * 1.2 + 1 = 4.6: two consumers, out (3 * 1.2 = 3.6) and the add (1)
    x_step = next(s for s in backward_steps(root) if s.node is x)
    assert format(x_step.gradient, ".4g") == "4.6"
    assert "x" in text and "data\t0.5" in text and "grad\t4.6" in text
    assert re.search(r"∂L/∂x = (1 \+ 3\.6|3\.6 \+ 1) = 4\.6", text)
    assert "from out: ∂L/∂out · w = 1.2 · 3 = 3.6" in text
    page.page.get_by_role("button", name="Inspect out").click()
    text = inspector.inner_text()
    assert "∂out/∂x = w = 3" in text and "∂out/∂w = x = 0.5" in text
    assert "mul (*)" in text
    assert page.blocked == [] and page.errors == []


def test_a_screenshot_of_the_explorer_is_not_blank(browser: Any, tmp_path: Path) -> None:
    root = graph()
    path = explore(root).save(tmp_path / "backprop.html")
    page = Page(browser, path.as_uri())
    for _ in range(len(forward_steps(root)) + 3):
        page.page.get_by_role("button", name="Next step").click()
    page.page.get_by_role("button", name="Inspect x").click()
    png = page.page.screenshot(path=str(tmp_path / "explorer.png"), full_page=True)
    assert_not_blank(png)
    assert page.errors == []


def test_without_javascript_the_page_shows_the_finished_graph(
    browser: Any, tmp_path: Path
) -> None:
    root = graph()
    path = explore(root).save(tmp_path / "backprop.html")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(path.as_uri())
    assert page.locator(".ag-explorer svg").is_visible()
    assert page.get_by_role("button").count() == 0
    assert page.locator(".ag-explorer").evaluate(READ_VALUES) == expected_frames(root)[-1]
    assert_not_blank(page.screenshot(full_page=True))
    context.close()


def test_a_neuron_box_expands_to_the_engines_weights_and_collapses(
    browser: Any, tmp_path: Path
) -> None:
    model = MLP(2, [4, 4, 1], seed=0)
    # four samples, the fewest a batch is drawn as one sample of
    inputs = ([0.5, -1.0], [-0.3, 0.8], [0.2, 0.1], [-0.7, -0.4])
    loss = mse_loss([model(x) for x in inputs], [1.0, -1.0, 1.0, -1.0])
    path = explore(loss, modules=model).save(tmp_path / "backprop.html")
    loss.backward()
    page = Page(browser, path.as_uri())
    ui = page.page
    inspector = ui.get_by_role("region", name="Inspector")
    ui.get_by_role("button", name="Expand layers.1.neurons.3").click()
    assert inspector.locator("h4").inner_text() == "layers.1.neurons.3 · relu"
    rows = inspector.locator("table.ag-terms tbody tr").all_inner_texts()
    neuron = model.layers[1].neurons[3]
    for k, w in enumerate(neuron.w):
        assert rows[k].split("\t")[:3] == [f"w.{k}", f"{w.data:.4g}", f"{w.grad:.4g}"]
    assert rows[4].split("\t")[:3] == ["b", f"{neuron.b.data:.4g}", f"{neuron.b.grad:.4g}"]
    assert "∂out/∂z\t(0 if z <= 0 else 1)" in inspector.inner_text()
    assert "∂L/∂w.0 += x.0 · ∂L/∂z" in inspector.inner_text()
    # Stepping on the neuron's weight w.1 outlines its box and marks its row.
    weight = topological_order(loss).index(neuron.w[1])
    ui.get_by_role("slider", name="Step").fill(str(len(forward_steps(loss)) + 1 + weight))
    box = ui.get_by_role("button", name="Expand layers.1.neurons.3")
    assert "ag-current" in (box.get_attribute("class") or "")
    assert inspector.locator("tr.ag-here").inner_text().startswith("w.1\t")
    ui.screenshot(path=str(tmp_path / "expanded.png"), full_page=True)
    assert_not_blank((tmp_path / "expanded.png").read_bytes())
    inspector.get_by_role("button", name="Collapse").click()
    assert inspector.locator("table").count() == 0
    assert page.blocked == [] and page.errors == []


def test_with_modules_every_step_outlines_a_box_and_counts(browser: Any, tmp_path: Path) -> None:
    model = MLP(2, [4, 4, 1], seed=0)
    # four samples, the fewest a batch is drawn as one sample of
    inputs = ([0.5, -1.0], [-0.3, 0.8], [0.2, 0.1], [-0.7, -0.4])
    loss = mse_loss([model(x) for x in inputs], [1.0, -1.0, 1.0, -1.0])
    path = explore(loss, modules=model).save(tmp_path / "backprop.html")
    page = Page(browser, path.as_uri())
    explorer = page.page.locator(".ag-explorer")
    last = 2 * len(forward_steps(loss))
    for k in range(1, last + 1):
        explorer.get_by_role("button", name="Next step").click()
        assert explorer.locator(".ag-counter").inner_text() == f"step {k} of {last}"
        assert explorer.locator("g.node.ag-current").count() >= 1, f"step {k}"
    assert page.blocked == [] and page.errors == []


def polynomial() -> Value:
    """Notebook 1's f = 3x² + 2xy + y², built and labelled as the notebook builds it."""
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    x2 = x**2
    x2.label = "x²"
    three_x2 = 3 * x2
    three_x2.label = "3x²"
    two_x = 2 * x
    two_x.label = "2x"
    two_xy = two_x * y
    two_xy.label = "2xy"
    y2 = y**2
    y2.label = "y²"
    first_two = three_x2 + two_xy
    first_two.label = "3x²+2xy"
    f = first_two + y2
    f.label = "f"
    return f


def test_the_explorer_in_notebook_1_exported_by_nbconvert_steps_through(
    browser: Any, tmp_path: Path
) -> None:
    nbconvert = pytest.importorskip("nbconvert")
    import nbformat

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    body, _ = nbconvert.HTMLExporter(template_name="lab").from_notebook_node(notebook)
    path = tmp_path / "notebook.html"
    path.write_text(body, encoding="utf-8")
    page = Page(browser, path.as_uri())
    explorers = page.page.locator(".ag-explorer.ag-live")
    assert explorers.count() == 2
    step_through(page.page, explorers.nth(0), expected_frames(polynomial()))
    explorers.nth(1).get_by_role("button", name="Inspect h1").click()
    inspector = explorers.nth(1).get_by_role("region", name="Inspector").inner_text()
    assert "∂h1/∂z1 = (0 if z1 <= 0 else 1) = 1" in inspector
    assert "from ŷ1: ∂C/∂ŷ1 · w2_11 = (-1.288) · 0.06634 = -0.08544" in inspector
    assert_not_blank(page.page.screenshot(full_page=True))
    # The explorers ask for nothing; the exported page itself loads MathJax and
    # require.js from their CDNs, which are blocked here.
    assert all(re.search(r"mathjax|require", url, re.IGNORECASE) for url in page.blocked)
    assert [e for e in page.errors if "ERR_FAILED" not in e] == []
