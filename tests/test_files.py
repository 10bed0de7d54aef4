"""``write_atomically``: whole files or none, only over regular files, through symlinks,
keeping permissions, within name limits, cleaning up after itself; errors name the target."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from autograd_scalar import Neuron, _files
from autograd_scalar._files import write_atomically


def test_writes_a_new_file_and_replaces_an_old_one(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomically(target, b"first")
    write_atomically(target, b"second")
    assert target.read_bytes() == b"second"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_a_symlink_is_written_through_not_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_bytes(b"old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    Neuron(2, seed=0).save(link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert Neuron.load(real).state_dict() == Neuron(2, seed=0).state_dict()
    assert sorted(os.listdir(tmp_path)) == ["link.json", "real.json"]


def test_a_chain_of_symlinks_and_a_dangling_one_are_followed(tmp_path: Path) -> None:
    real = tmp_path / "sub" / "real.txt"
    real.parent.mkdir()
    first = tmp_path / "first"
    first.symlink_to(tmp_path / "second")
    (tmp_path / "second").symlink_to(real)  # real does not exist yet: dangling
    write_atomically(first, b"through")
    assert real.read_bytes() == b"through" and first.is_symlink()


def test_an_existing_files_permissions_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "secret.json"
    target.write_bytes(b"x")
    target.chmod(0o600)
    Neuron(2, seed=0).save(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    target.chmod(0o751)
    write_atomically(target, b"y")
    assert stat.S_IMODE(target.stat().st_mode) == 0o751


def test_a_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    write_atomically(tmp_path / "new.txt", b"x")
    (tmp_path / "plain.txt").write_bytes(b"x")
    assert (tmp_path / "new.txt").stat().st_mode == (tmp_path / "plain.txt").stat().st_mode


def test_a_directory_is_refused_naming_it(tmp_path: Path) -> None:
    target = tmp_path / "folder"
    target.mkdir()
    (target / "inside").write_bytes(b"kept")
    with pytest.raises(IsADirectoryError) as caught:
        write_atomically(target, b"x")
    assert caught.value.filename == str(target) and ".tmp" not in str(caught.value)
    assert os.listdir(target) == ["inside"] and os.listdir(tmp_path) == ["folder"]


def test_a_symlink_to_a_directory_is_refused_naming_the_link(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "folder")
    with pytest.raises(IsADirectoryError) as caught:
        write_atomically(link, b"x")
    assert caught.value.filename == str(link)
    assert link.is_symlink()


def test_a_fifo_is_refused_with_a_value_error_naming_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=rf"cannot write {fifo}: it is a FIFO, not a regular file"):
        write_atomically(fifo, b"x")
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and os.listdir(tmp_path) == ["pipe"]


@pytest.fixture
def device(tmp_path: Path) -> Path:
    """A character device like /dev/null, made in ``tmp_path`` (the tests never touch /dev)."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return node


def test_a_device_is_refused_and_left_alone(tmp_path: Path, device: Path) -> None:
    link = tmp_path / "null.json"
    link.symlink_to(device)
    with pytest.raises(ValueError, match=rf"cannot write {device}: it is a character device"):
        Neuron(1, seed=0).save(device)
    with pytest.raises(ValueError, match=rf"cannot write {link}: .*{device}.*character device"):
        write_atomically(link, b"x")
    assert stat.S_ISCHR(device.lstat().st_mode) and link.is_symlink()
    assert sorted(os.listdir(tmp_path)) == ["null", "null.json"]


@pytest.mark.parametrize("length", [200, 241, 242, 250, 255])
def test_names_up_to_the_limit_can_be_written(length: int, tmp_path: Path) -> None:
    target = tmp_path / ("m" * (length - 5) + ".json")
    Neuron(1, seed=0).save(target)
    assert Neuron.load(target).state_dict() == Neuron(1, seed=0).state_dict()
    assert os.listdir(tmp_path) == [target.name]


def test_long_names_get_short_distinct_temporary_names(tmp_path: Path) -> None:
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    a, b = "é" * 120 + "a", "é" * 120 + "b"  # 241 bytes each in UTF-8, the same first 240
    prefixes = [_files.temporary_prefix(name, limit) for name in (a, b, "short.json")]
    assert prefixes[2] == ".short.json."
    assert prefixes[0] != prefixes[1]
    assert all(len(os.fsencode(p)) + len("0123abcd.tmp") <= limit for p in prefixes)


def test_a_name_over_the_limit_fails_naming_the_target(tmp_path: Path) -> None:
    target = tmp_path / ("m" * 256)
    with pytest.raises(OSError) as caught:
        write_atomically(target, b"x")
    assert caught.value.filename == str(target) and ".tmp" not in str(caught.value)
    assert os.listdir(tmp_path) == []


def test_a_missing_directory_fails_naming_the_target(tmp_path: Path) -> None:
    target = tmp_path / "absent" / "m.json"
    with pytest.raises(FileNotFoundError) as caught:
        write_atomically(target, b"x")
    assert caught.value.filename == str(target) and ".tmp" not in str(caught.value)


def test_a_symlink_loop_fails_naming_the_target(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(OSError) as caught:
        write_atomically(loop, b"x")
    assert caught.value.filename == str(loop) and ".tmp" not in str(caught.value)


@pytest.mark.parametrize("failure", [KeyboardInterrupt(), OSError(28, "No space left on device")])
def test_a_failed_write_removes_the_temporary_file(
    failure: BaseException, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.txt"
    target.write_bytes(b"old")

    def fail(fd: int) -> None:
        raise failure

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(type(failure)) as caught:
        write_atomically(target, b"new")
    if isinstance(caught.value, OSError):
        assert caught.value.filename == str(target)
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["out.txt"]


def test_stale_temporary_files_of_the_target_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "model.json"
    stale = tmp_path / ".model.json.0123abcd.tmp"
    fresh = tmp_path / ".model.json.4567cdef.tmp"  # perhaps another save, still writing
    others = [tmp_path / ".other.json.0123abcd.tmp", tmp_path / ".model.json.notmine.tmp",
              tmp_path / ".model.json.0123abcd.tmp.keep", tmp_path / "model.json.0123abcd.tmp"]
    for path in [stale, fresh, *others]:
        path.write_bytes(b"partial")
    old = time.time() - 2 * 3600
    for path in [stale, *others]:
        os.utime(path, (old, old))
    write_atomically(target, b"x")
    assert sorted(os.listdir(tmp_path)) == sorted(p.name for p in [target, fresh, *others])


def test_stale_temporary_files_of_a_long_name_are_removed(tmp_path: Path) -> None:
    target = tmp_path / ("m" * 250)
    write_atomically(target, b"x")
    stale = tmp_path / (_files.temporary_prefix(target.name, 255) + "0123abcd.tmp")
    stale.write_bytes(b"partial")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    write_atomically(target, b"y")
    assert os.listdir(tmp_path) == [target.name]


def test_render_keeps_a_symlink_too(tmp_path: Path) -> None:
    from autograd_scalar import Value, render

    real = tmp_path / "real.dot"
    real.write_text("old")
    link = tmp_path / "graph.dot"
    link.symlink_to(real)
    render(Value(1.0, label="x"), link)
    assert link.is_symlink() and "digraph" in real.read_text()


def test_loading_from_a_fifo_or_a_device_is_refused_without_reading(
    tmp_path: Path, device: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # opening it to read would wait for a writer forever
    with pytest.raises(ValueError, match=rf"{fifo} is not a saved model: .*it is a FIFO"):
        Neuron.load(fifo)
    with pytest.raises(ValueError, match=rf"{device} is not a saved model: .*character device"):
        Neuron.load(device)


def test_loading_a_directory_raises_is_a_directory_error(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as caught:
        Neuron.load(tmp_path)
    assert caught.value.filename == str(tmp_path)
