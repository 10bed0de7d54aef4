"""``fit(progress=True)`` in a notebook: a working widget progress bar, and no TqdmWarning.

``fit`` shows its bar with ``tqdm.auto``, which in a Jupyter kernel is a widget that
needs ``ipywidgets``; without it tqdm warns ("IProgress not found") and falls back
to text. The ``notebooks`` extra (and ``dev``) brings ipywidgets. This runs a real
kernel, as Jupyter does.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

CELL = """\
import json, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from autograd_scalar import MLP, SGD, fit, make_moons, mse_loss
    X, y = make_moons(8, seed=0)
    model = MLP(2, [2, 1], seed=0)
    fit(model, X, y, loss=mse_loss, optimizer=SGD(model.parameters(), lr=0.1), epochs=3,
        progress=True)
import tqdm.auto, tqdm.notebook
print(json.dumps({"widget": issubclass(tqdm.auto.tqdm, tqdm.notebook.tqdm),
                  "warnings": [f"{w.category.__name__}: {w.message}" for w in caught]}))
"""


def test_the_progress_bar_in_a_notebook_is_a_widget_without_warnings(tmp_path: Path) -> None:
    pytest.importorskip("ipykernel")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)])
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = notebook.cells[0].outputs
    printed = "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stdout")
    result = json.loads(printed)
    assert result == {"widget": True, "warnings": []}
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    # The bar itself was displayed as a widget, not as text.
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


def test_ipywidgets_is_in_the_notebooks_extra() -> None:
    import ipywidgets  # noqa: F401  (the bar's widgets)
    from tqdm.notebook import IProgress

    assert IProgress is not None
