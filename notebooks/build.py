"""Build the teaching notebooks from their sources, run them, and save them with their outputs.

Each notebook is written as a Python script in ``notebooks/source/``, in the
"percent" format that Jupytext, VS Code and PyCharm understand: ``# %%`` starts
a code cell, and ``# %% [markdown]`` starts a markdown cell whose lines are
comments. A script is easy to review and diff; the ``.ipynb`` beside this file
is what readers open (and what GitHub renders). This script turns each source
into a notebook, runs it top to bottom in a fresh ``python3`` kernel with a
temporary directory as its working directory, and writes it with its outputs::

    python notebooks/build.py          # every notebook
    python notebooks/build.py 02 03    # those whose file name contains "02" or "03"

``tests/test_notebooks.py`` runs the notebooks the same way, with the functions
here, and checks that the committed outputs are the ones the code gives now.
"""

from __future__ import annotations

import math
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode

NOTEBOOKS = Path(__file__).resolve().parent
SOURCES = NOTEBOOKS / "source"
NOTEBOOK_TIMEOUT = 60
"""Seconds a whole notebook may run before its run is stopped with a CellTimeoutError."""

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
# Only the language name is kept: nbclient records the kernel's exact Python
# version too, which would change the saved file whenever the builder's did.
LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3"}

# tqdm.auto, imported by autograd_scalar.train, warns "IProgress not found" in
# a Jupyter kernel without ipywidgets. That is a property of the environment,
# not of the notebooks, so the saved outputs leave it out. Narrow on purpose:
# any other warning still shows up in the outputs (and fails the tests).
KERNEL_WARNING_FILTER = "ignore:IProgress not found"

_MARKER = re.compile(r"# %%(?P<markdown> \[markdown\])?\s*")


def sources() -> list[Path]:
    """The notebook sources, in reading order (``01_...``, ``02_...``)."""
    return sorted(SOURCES.glob("[0-9][0-9]_*.py"))


def notebook_path(source: Path) -> Path:
    """Where the notebook built from ``source`` is saved."""
    return NOTEBOOKS / f"{source.stem}.ipynb"


def read_source(source: Path) -> NotebookNode:
    """The notebook a percent-format script describes, without outputs."""
    cells: list[NotebookNode] = []
    kind, lines = "", []
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
        marker = _MARKER.fullmatch(line)
        if marker:
            if kind:
                cells.append(_cell(kind, lines, len(cells)))
            kind, lines = ("markdown" if marker["markdown"] else "code"), []
        elif kind == "markdown":
            if line not in ("", "#") and not line.startswith("# "):
                raise ValueError(
                    f"{source.name}:{number}: a markdown cell's lines must start with '# '"
                )
            lines.append(line[2:])
        elif kind:
            lines.append(line)
        elif line.strip():
            raise ValueError(f"{source.name}:{number}: text before the first '# %%' cell marker")
    if kind:
        cells.append(_cell(kind, lines, len(cells)))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    return notebook


def _cell(kind: str, lines: list[str], index: int) -> NotebookNode:
    text = "\n".join(lines).strip("\n")
    # Fixed ids (nbformat would pick random ones) keep rebuilt files identical.
    cell_id = f"cell-{index:02d}"
    if kind == "markdown":
        return nbformat.v4.new_markdown_cell(text, id=cell_id)
    return nbformat.v4.new_code_cell(text, id=cell_id)


def execute(
    notebook: NotebookNode, cwd: Path, timeout: float = NOTEBOOK_TIMEOUT
) -> NotebookNode:
    """Run every cell of ``notebook`` in place, in a new python3 kernel working in ``cwd``.

    Raises ``nbclient.exceptions.CellExecutionError`` (with the traceback) if a
    cell raises, and ``nbclient.exceptions.CellTimeoutError`` if the notebook
    is still running ``timeout`` seconds after its first cell started: each
    cell may take what the cells before it left of that time.

    Consecutive pieces of one output stream are joined into one output, as
    Jupyter shows them, since how a cell's prints are split into messages
    depends on timing.
    """
    deadline: float | None = None

    def time_left(cell: NotebookNode) -> int:
        nonlocal deadline
        if deadline is None:
            deadline = time.monotonic() + timeout
        return max(1, math.ceil(deadline - time.monotonic()))

    client = NotebookClient(
        notebook,
        timeout_func=time_left,
        kernel_name=KERNELSPEC["name"],
        resources={"metadata": {"path": str(cwd)}},
        record_timing=False,
    )
    client.execute(env={**os.environ, "PYTHONWARNINGS": KERNEL_WARNING_FILTER})
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    notebook.metadata["language_info"] = dict(LANGUAGE_INFO)
    return notebook


def coalesce_streams(outputs: list[NotebookNode]) -> list[NotebookNode]:
    """``outputs`` with each run of consecutive same-stream outputs joined into one."""
    joined: list[NotebookNode] = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (
            output.output_type == "stream"
            and previous is not None
            and previous.output_type == "stream"
            and previous.name == output.name
        ):
            previous.text += output.text
        else:
            joined.append(output)
    return joined


def build(source: Path) -> float:
    """Build, run and save the notebook of ``source``; the seconds the run took."""
    notebook = read_source(source)
    with tempfile.TemporaryDirectory(prefix="notebook-") as directory:
        start = time.perf_counter()
        execute(notebook, Path(directory))
        seconds = time.perf_counter() - start
    nbformat.validate(notebook)
    nbformat.write(notebook, notebook_path(source))
    return seconds


def main(arguments: list[str]) -> int:
    chosen = [s for s in sources() if not arguments or any(a in s.name for a in arguments)]
    if not chosen:
        print(f"no notebook source in {SOURCES} matches {' '.join(arguments)}", file=sys.stderr)
        return 1
    for source in chosen:
        seconds = build(source)
        path = notebook_path(source)
        size = path.stat().st_size / 1000
        print(f"{path.relative_to(NOTEBOOKS.parent)}: ran in {seconds:.1f} s, {size:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
