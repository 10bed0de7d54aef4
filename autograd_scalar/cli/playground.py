"""``autograd-scalar playground``: build the browser playground and serve it on this machine.

::

    $ autograd-scalar playground              # build if needed, serve, open the browser
    $ autograd-scalar playground --build site # only write the static site into ./site

The playground is a static site: an expression lab and a training lab whose
pages run this package itself in the browser, through Pyodide (CPython compiled
to WebAssembly), and draw graphs with Graphviz compiled to WebAssembly
(``@viz-js/viz``). Building it takes a checkout of the repository:

* the JavaScript packages, pinned in ``playground/package.json`` and its
  lockfile, installed with ``npm ci`` when they are missing (Node.js and npm
  are needed for that step only);
* the wheel of this checkout (``pip wheel``), and those of the two pure-Python
  packages it imports, graphviz and tqdm, at the versions installed here
  (``pip download``).

Everything the pages load is then in the site, so once served it works with no
network. Without ``--build``, the site is built into ``playground/build`` of the
checkout (again only when its sources changed) and served on ``127.0.0.1`` at a
free port (or ``--port``) until Ctrl-C; the URL is printed, and opened in a
browser where there is one (not with ``--no-browser``). Any static file server
serves the built site too, GitHub Pages included.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import http.server
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
import webbrowser
from collections.abc import Iterator
from pathlib import Path

__all__ = ["BuildError", "build", "configure", "run", "serve"]

CHECKOUT = Path(__file__).resolve().parents[2]
"""The repository this package was installed from, when it is a checkout (``pip install -e``)."""

SOURCES = CHECKOUT / "playground"
PYODIDE_FILES = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json")
"""Pyodide's core: all that running a pure-Python package needs."""

DEPENDENCIES = ("graphviz", "tqdm")
"""The packages this package imports, pure Python, loaded into the page beside its wheel."""

STAMP = ".playground-build"
"""The file that marks a directory as a built site, holding the digest of its sources."""

COMMAND_TIMEOUT = 600  # seconds for npm ci, pip wheel or pip download


class BuildError(RuntimeError):
    """The site could not be built; the message says why and what to do."""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``playground`` command's options to ``parser``."""
    parser.add_argument("--build", metavar="DIR", type=Path,
                        help="only write the static site into DIR (new, empty or an earlier "
                             "build), and do not serve it")
    parser.add_argument("--port", type=int, default=0,
                        help="serve on this port of 127.0.0.1 (default: a free one)")
    parser.add_argument("--no-browser", action="store_true",
                        help="print the URL without opening a browser")


def run(args: argparse.Namespace) -> int:
    """Build (and unless ``--build``, serve); 0 on success, 2 with one line on stderr if not."""
    try:
        if args.build is not None:
            site = build(args.build)
            print(f"playground written to {site}")
            return 0
        site = build(SOURCES / "build")
    except BuildError as error:
        print(f"autograd-scalar playground: error: {error}", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print(f"autograd-scalar playground: error: --port must be from 0 to 65535, "
              f"not {args.port}", file=sys.stderr)
        return 2
    try:
        server = _server(site, args.port)
    except OSError as error:
        print(f"autograd-scalar playground: error: cannot serve on port {args.port}: "
              f"{error.strerror or error}", file=sys.stderr)
        return 2
    with server:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        print(f"playground at {url} (Ctrl-C stops it)", flush=True)
        if not args.no_browser:
            _open(url)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    print("stopped")
    return 0


def build(directory: str | os.PathLike[str]) -> Path:
    """Write the static site into ``directory``; returns its Path.

    Nothing is done when ``directory`` already holds a build of the same
    sources. The site is written beside it and moved into place whole, so an
    interrupted build leaves the old one (or nothing). ``directory`` must be
    new, empty or an earlier build: anything else is refused, not overwritten.
    """
    target = Path(directory).resolve()
    if not (SOURCES / "package.json").is_file() or not (CHECKOUT / "pyproject.toml").is_file():
        raise BuildError(
            f"the playground is built from a checkout of the repository, and this installation "
            f"({CHECKOUT}) has none: clone it and install from it (pip install -e .), "
            "then run this again")
    if target.exists() and not (target.is_dir() and (not any(target.iterdir())
                                                     or (target / STAMP).is_file())):
        raise BuildError(f"{target} exists and is not an earlier playground build; "
                         "give a new or empty directory")
    digest = _digest()
    if (target / STAMP).is_file() and (target / STAMP).read_text() == digest:
        return target
    modules = _node_modules()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".playground-", dir=target.parent) as scratch:
        site = Path(scratch) / "site"
        shutil.copytree(SOURCES / "site", site)
        (site / "pyodide").mkdir()
        for name in PYODIDE_FILES:
            shutil.copy2(modules / "pyodide" / name, site / "pyodide" / name)
        (site / "viz").mkdir()
        shutil.copy2(modules / "@viz-js" / "viz" / "dist" / "viz-global.js", site / "viz")
        wheels = site / "wheels"
        _wheels(wheels)
        manifest = {"wheels": [f"wheels/{wheel.name}" for wheel in sorted(wheels.glob("*.whl"))]}
        (wheels / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        (site / STAMP).write_text(digest)
        if target.exists():
            old = Path(scratch) / "old"
            target.rename(old)
        site.rename(target)
    return target


def _digest() -> str:
    """A digest of everything a build is made of: the site, the locked packages, the Python
    package's files and the installed versions of its dependencies."""
    sha = hashlib.sha256()
    files = [*sorted((SOURCES / "site").rglob("*")), SOURCES / "package-lock.json",
             CHECKOUT / "pyproject.toml",
             *sorted(p for p in (CHECKOUT / "autograd_scalar").rglob("*")
                     if "__pycache__" not in p.parts)]
    for path in files:
        if path.is_file():
            sha.update(str(path.relative_to(CHECKOUT)).encode() + b"\0" + path.read_bytes())
    for name in DEPENDENCIES:
        sha.update(f"{name}=={_installed(name)}".encode())
    return sha.hexdigest()


def _node_modules() -> Path:
    """The installed JavaScript packages, after ``npm ci`` if they are missing or stale."""
    modules = SOURCES / "node_modules"
    installed = modules / ".package-lock.json"
    wanted = json.loads((SOURCES / "package-lock.json").read_text())["packages"]
    if installed.is_file():
        have = json.loads(installed.read_text()).get("packages", {})
        if all(have.get(key, {}).get("version") == entry.get("version")
               for key, entry in wanted.items() if key):
            return modules
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("building the playground installs its JavaScript packages with npm, "
                         "which is not on PATH: install Node.js and npm (apt-get install npm, "
                         "or https://nodejs.org), then run this again")
    _command([npm, "ci", "--no-audit", "--no-fund"], SOURCES, "npm ci")
    return modules


def _wheels(directory: Path) -> None:
    """This checkout's wheel and its dependencies' wheels, into ``directory``."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _command([*pip, "wheel", "--no-deps", "--quiet", "--wheel-dir", str(directory),
              str(CHECKOUT)], CHECKOUT, "pip wheel")
    pinned = [f"{name}=={_installed(name)}" for name in DEPENDENCIES]
    _command([*pip, "download", "--no-deps", "--only-binary", ":all:", "--quiet",
              "--dest", str(directory), *pinned], CHECKOUT, "pip download")


def _installed(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        raise BuildError(f"{name} is not installed; install this package with its "
                         "dependencies (pip install -e .)") from None


def _command(command: list[str], directory: Path, name: str) -> None:
    """Run one build step, or a BuildError with what it printed."""
    try:
        done = subprocess.run(command, cwd=directory, capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise BuildError(f"{name} took more than {COMMAND_TIMEOUT} s and was stopped") from None
    if done.returncode:
        output = " ".join((done.stderr or done.stdout).split())[-600:]
        raise BuildError(f"{name} failed (exit status {done.returncode}): {output}")


_TYPES = {".wasm": "application/wasm", ".js": "text/javascript", ".mjs": "text/javascript",
          ".json": "application/json", ".whl": "application/zip", ".zip": "application/zip"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site's files with the types browsers insist on, and logs nothing."""

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return _TYPES.get(Path(path).suffix) or super().guess_type(path)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _server(site: Path, port: int) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_Handler, directory=str(site))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


@contextlib.contextmanager
def serve(site: str | os.PathLike[str], port: int = 0) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 in a background thread; yields its URL, stops after."""
    import threading

    server = _server(Path(site), port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _open(url: str) -> None:
    """Open ``url`` in the browser, where this machine has one."""
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        print("(no browser found here: open the URL in one)")
        return
    browser.open(url)
