"""The teaching notebooks run top to bottom, and the committed ones are up to date.

Each notebook is built from a script in ``notebooks/source/`` by
``notebooks/build.py``, which also runs it and saves its outputs. Here every
notebook is run again the same way (a fresh ``python3`` kernel, a temporary
working directory) and its text outputs are compared with the committed ones,
so that no notebook ships with outputs the code no longer produces. Compared
are the stream outputs and the ``text/plain`` of displayed values, plus which
kinds of output (an SVG graph, a PNG figure) each cell shows; the pictures
themselves are not compared byte for byte, since they vary with the versions
of Graphviz and matplotlib. Two things that change from run to run are
normalised away: timings (a number of seconds, written like ``0.71 s``) and
object addresses (``at 0x7f...``).

Rebuild the notebooks after changing them or the code they show::

    python notebooks/build.py
"""

from __future__ import annotations

import functools
import importlib.util
import re
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import pytest
from nbclient.exceptions import CellTimeoutError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
MAX_BYTES = 300_000
"""The largest a committed notebook may be: it must stay quick to load and to render."""

_TIMING = re.compile(r"\b\d+(?:\.\d+)? s\b")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("notebook_build", NOTEBOOKS / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()
SOURCES: list[Path] = build.sources()


def _committed(source: Path) -> Any:
    return nbformat.read(build.notebook_path(source), as_version=4)


@functools.cache
def _run(source: Path) -> tuple[Any, list[str]]:
    """The notebook built from ``source``, freshly run (within the time limit of
    ``build.execute``), and the files it left behind."""
    notebook = build.read_source(source)
    with tempfile.TemporaryDirectory(prefix="notebook-") as directory:
        build.execute(notebook, Path(directory))
        left_behind = sorted(path.name for path in Path(directory).iterdir())
    return notebook, left_behind


def _normalise(text: str) -> str:
    return _ADDRESS.sub(" at 0x...", _TIMING.sub("<seconds> s", text))


def _text_outputs(notebook: Any) -> list[list[str]]:
    """Per code cell, its outputs as comparable text: kind, stream or mime types, and text."""
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in build.coalesce_streams(cell.outputs):
            if output.output_type == "stream":
                outputs.append(f"{output.name}: {_normalise(output.text)}")
            elif output.output_type == "error":
                outputs.append(f"error: {output.ename}: {output.evalue}")
            else:
                kinds = ", ".join(sorted(output.data))
                text = _normalise(output.data.get("text/plain", ""))
                outputs.append(f"{output.output_type} [{kinds}]: {text}")
        cells.append(outputs)
    return cells


def _names(sources: list[Path]) -> list[str]:
    return [source.stem for source in sources]


def test_each_source_has_a_committed_notebook_and_no_notebook_lacks_a_source() -> None:
    committed = sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb"))
    assert committed == _names(SOURCES)
    assert len(SOURCES) == 4


@pytest.mark.parametrize("source", SOURCES, ids=_names(SOURCES))
def test_committed_notebook_has_the_cells_of_its_source(source: Path) -> None:
    expected = [(cell.cell_type, cell.source) for cell in build.read_source(source).cells]
    actual = [(cell.cell_type, cell.source) for cell in _committed(source).cells]
    assert actual == expected, f"{source.name} changed: run python notebooks/build.py"


@pytest.mark.parametrize("source", SOURCES, ids=_names(SOURCES))
def test_committed_notebook_is_small(source: Path) -> None:
    size = build.notebook_path(source).stat().st_size
    assert size < MAX_BYTES, f"{source.stem}.ipynb is {size:,} bytes; keep it under {MAX_BYTES:,}"


@pytest.mark.parametrize("source", SOURCES, ids=_names(SOURCES))
def test_committed_notebook_ran_cleanly_top_to_bottom(source: Path) -> None:
    code_cells = [cell for cell in _committed(source).cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code_cells] == list(range(1, len(code_cells) + 1))
    for cell in code_cells:
        for output in cell.outputs:
            assert output.output_type != "error", output
            assert output.get("name") != "stderr", output.text
            # A widget needs its saved state to be shown; GitHub and a fresh Jupyter have none.
            assert not any("widget" in kind for kind in output.get("data", {})), output


def test_a_notebook_is_stopped_when_its_time_is_up(tmp_path: Path) -> None:
    # The time limit is per notebook: the second cell gets only what the first left.
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import time\ntime.sleep(1.5)"),
        nbformat.v4.new_code_cell("time.sleep(1.5)"),
    ])
    with pytest.raises(CellTimeoutError):
        build.execute(notebook, tmp_path, timeout=2.0)


@pytest.mark.parametrize("source", SOURCES, ids=_names(SOURCES))
def test_notebook_leaves_no_files_behind(source: Path) -> None:
    _, left_behind = _run(source)
    assert left_behind == []


@pytest.mark.parametrize("source", SOURCES, ids=_names(SOURCES))
def test_committed_outputs_are_what_the_notebook_gives_now(source: Path) -> None:
    fresh, _ = _run(source)
    committed = _committed(source)
    assert _text_outputs(fresh) == _text_outputs(committed), (
        f"{source.stem}.ipynb is stale: run python notebooks/build.py and commit the result"
    )


def test_normalising_removes_timings_and_addresses_only() -> None:
    text = "trained in 0.71 s; <Drawing at 0x7f3a2c1d0e50>; loss 0.0133; 2 steps"
    assert _normalise(text) == "trained in <seconds> s; <Drawing at 0x...>; loss 0.0133; 2 steps"
