"""``autograd-scalar playground``: building the static site, refusing to overwrite, serving it.

The site is built once for the module, by the real command in a child process.
Its files are compared with their sources: the hand-written pages, the npm
packages' files, and a wheel whose package files are byte for byte this
checkout's. The checks that need a broken build machine (no npm) build a copy
of the playground's sources, never touching the checkout's own.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograd_scalar.cli import main as cli_main
from autograd_scalar.cli import playground as command

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "playground"
MODULES = SOURCES / "node_modules"
PYODIDE_FILES = ["pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json"]


def autograd_scalar(*arguments: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "autograd_scalar", *arguments], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, written by ``autograd-scalar playground --build DIR``."""
    directory = tmp_path_factory.mktemp("playground") / "site"
    done = autograd_scalar("playground", "--build", str(directory))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"playground written to {directory}\n"
    return directory


def files_under(directory: Path) -> dict[str, bytes]:
    return {str(path.relative_to(directory)): path.read_bytes()
            for path in sorted(directory.rglob("*")) if path.is_file()
            and "__pycache__" not in path.parts}


def test_the_build_has_the_three_pages_and_the_sites_own_files(site: Path) -> None:
    for page in ("index.html", "expression.html", "training.html"):
        assert (site / page).is_file(), page
    # Every hand-written file is copied unchanged.
    for name, content in files_under(SOURCES / "site").items():
        assert (site / name).read_bytes() == content, name


def test_the_build_has_pyodide_and_graphviz_from_the_locked_npm_packages(site: Path) -> None:
    lock = json.loads((SOURCES / "package-lock.json").read_text())["packages"]
    assert lock["node_modules/pyodide"]["version"] == "0.29.3"
    assert lock["node_modules/@viz-js/viz"]["version"] == "3.31.0"
    for name in PYODIDE_FILES:
        assert (site / "pyodide" / name).read_bytes() == \
            (MODULES / "pyodide" / name).read_bytes(), name
    assert b'"0.29.3"' in (site / "pyodide" / "pyodide.js").read_bytes()
    assert json.loads((site / "pyodide" / "pyodide-lock.json").read_text())["info"][
        "python"].startswith("3.13.")
    viz = (site / "viz" / "viz-global.js").read_bytes()
    assert viz == (MODULES / "@viz-js" / "viz" / "dist" / "viz-global.js").read_bytes()
    assert b"Viz" in viz


def test_the_manifest_lists_our_wheel_and_its_dependencies_at_the_installed_versions(
    site: Path,
) -> None:
    manifest = json.loads((site / "wheels" / "manifest.json").read_text())
    names = sorted(Path(wheel).name for wheel in manifest["wheels"])
    graphviz, tqdm = (importlib.metadata.version(n) for n in ("graphviz", "tqdm"))
    assert names == ["autograd_scalar-0.1.0-py3-none-any.whl",
                     f"graphviz-{graphviz}-py3-none-any.whl", f"tqdm-{tqdm}-py3-none-any.whl"]
    for wheel in manifest["wheels"]:
        assert wheel.startswith("wheels/")  # relative: the site works under any prefix
        with zipfile.ZipFile(site / wheel) as archive:
            assert archive.testzip() is None
    assert sorted(p.name for p in (site / "wheels").glob("*.whl")) == names


def test_our_wheel_holds_exactly_the_checkouts_package_files(site: Path) -> None:
    with zipfile.ZipFile(site / "wheels" / "autograd_scalar-0.1.0-py3-none-any.whl") as wheel:
        packaged = {name: wheel.read(name) for name in wheel.namelist()
                    if name.startswith("autograd_scalar/")}
        metadata = wheel.read("autograd_scalar-0.1.0.dist-info/METADATA").decode()
    checkout = {f"autograd_scalar/{name}": content
                for name, content in files_under(ROOT / "autograd_scalar").items()
                if not name.endswith(".pyc")}
    assert sorted(packaged) == sorted(checkout)
    for name, content in checkout.items():
        assert packaged[name] == content, name
    assert "autograd_scalar/playground.py" in packaged
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert any("graphviz" in line for line in requires) and any("tqdm" in line for line in requires)


def test_a_second_build_of_the_same_sources_does_nothing(site: Path) -> None:
    before = {path: path.stat() for path in site.rglob("*")}
    done = autograd_scalar("playground", "--build", str(site))
    assert done.returncode == 0, done.stderr
    after = {path: path.stat() for path in site.rglob("*")}
    assert sorted(after) == sorted(before)
    for path, stat in before.items():
        assert (after[path].st_ino, after[path].st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)


@pytest.mark.parametrize("kind", ["directory", "file"])
def test_a_directory_that_is_not_a_build_is_refused_untouched(tmp_path: Path, kind: str) -> None:
    if kind == "directory":
        target = tmp_path / "mine"
        target.mkdir()
        (target / "notes.txt").write_text("my notes\n")
        (target / "index.html").write_text("<p>my page</p>\n")
    else:
        target = tmp_path / "mine.txt"
        target.write_text("my notes\n")
    before = files_under(target) if target.is_dir() else {"": target.read_bytes()}
    done = autograd_scalar("playground", "--build", str(target))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(
        "autograd-scalar playground: error: ")
    assert "not an earlier playground build" in done.stderr
    after = files_under(target) if target.is_dir() else {"": target.read_bytes()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no scratch left


@pytest.fixture
def sources_without_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the checkout's playground sources without node_modules, on a machine with
    no npm: the command is pointed at the copy (CHECKOUT and SOURCES) and npm is not found."""
    checkout = tmp_path / "checkout"
    (checkout / "playground").mkdir(parents=True)
    shutil.copy2(ROOT / "pyproject.toml", checkout)
    shutil.copytree(SOURCES / "site", checkout / "playground" / "site")
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(SOURCES / name, checkout / "playground" / name)
    monkeypatch.setattr(command, "CHECKOUT", checkout)
    monkeypatch.setattr(command, "SOURCES", checkout / "playground")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    return checkout


def test_without_npm_the_build_says_to_install_it(
    sources_without_npm: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "site"
    with pytest.raises(command.BuildError, match=r"npm.*not on PATH.*install Node\.js and npm"):
        command.build(target)
    assert cli_main(["playground", "--build", str(target)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("autograd-scalar playground: error: ") and "npm" in captured.err
    assert not target.exists()
    assert not (sources_without_npm / "playground" / "node_modules").exists()
    assert MODULES.is_dir()  # the checkout's own packages are still there


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers["Content-Type"], response.read()


def test_serve_serves_the_site_with_the_types_browsers_need(site: Path) -> None:
    with command.serve(site) as url:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        status, kind, body = get(url + "pyodide/pyodide.asm.wasm")
        assert (status, kind) == (200, "application/wasm")
        assert body == (site / "pyodide" / "pyodide.asm.wasm").read_bytes()
        assert body[:4] == b"\0asm"
        assert get(url + "pyodide/pyodide.js")[1].startswith("text/javascript")
        assert get(url + "wheels/manifest.json")[1].startswith("application/json")
        status, kind, body = get(url + "expression.html")
        assert status == 200 and kind.startswith("text/html")
        assert body == (site / "expression.html").read_bytes()
        with pytest.raises(urllib.error.HTTPError) as missing:
            get(url + "no-such-page.html")
        assert missing.value.code == 404
    with pytest.raises(urllib.error.URLError):
        get(url)  # stopped


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server() -> Iterator[tuple[subprocess.Popen[str], int]]:
    """``autograd-scalar playground --no-browser --port P`` running; interrupted after."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "autograd_scalar", "playground", "--no-browser", "--port",
         str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "BROWSER": ""})
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=60)


def first_line(process: subprocess.Popen[str], timeout: float = 600) -> str:
    """The first line the process prints, or "" if it prints none in ``timeout`` seconds."""
    stream = process.stdout
    assert stream is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        return ""


def test_the_command_builds_serves_and_prints_the_url(
    server: tuple[subprocess.Popen[str], int],
) -> None:
    process, port = server
    line = first_line(process)  # once the site is built and the port is open
    url = f"http://127.0.0.1:{port}/"
    assert line == f"playground at {url} (Ctrl-C stops it)\n", process.stderr
    status, _, body = get(url + "index.html")
    assert status == 200 and body == (SOURCES / "site" / "index.html").read_bytes()
    assert get(url + "pyodide/pyodide.asm.wasm")[1] == "application/wasm"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert (process.returncode, out, err) == (0, "stopped\n", "")


def test_a_port_in_use_is_refused_in_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = autograd_scalar("playground", "--no-browser", "--port", str(port), timeout=600)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"autograd-scalar playground: error: cannot serve on port {port}")
    assert done.stderr.count("\n") == 1
