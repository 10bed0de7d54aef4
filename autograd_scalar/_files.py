"""Writing files so that they appear whole or not at all.

:func:`write_atomically` writes beside the target under a temporary name, then
renames the temporary file over the target. Around that one step:

* Only a regular file (or a path where nothing is yet) is replaced. A directory
  raises ``IsADirectoryError``; a device, a FIFO or a socket raises ``ValueError``
  naming the path (renaming over ``/dev/null`` would replace the device).
* A symlink is followed to its target, which is replaced; the link stays a link.
* An existing file keeps its permission bits (and, where allowed, its owner).
* The temporary file is removed on every failure, ``KeyboardInterrupt`` included;
  one left behind by a killed process (``.{name}.{8 hex digits}.tmp``) is removed
  by a later write to the same target once it is an hour old.
* Temporary names stay within the file system's name limit: a long target name
  is cut short and made unique again with a hash of the whole name.
* Every error names the path asked for, never the temporary file.

The checks happen before the rename, so a file swapped in between by another
process is not guarded against: this protects against mistakes, not attackers.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import stat
import time
from pathlib import Path

__all__ = ["STALE_AFTER", "read_regular_file", "temporary_prefix", "write_atomically"]

STALE_AFTER = 3600.0
"""Seconds after which a leftover temporary file of the same target is removed."""

_TOKEN_HEX = 8  # random hex digits in a temporary name
_SUFFIX = ".tmp"
_DEFAULT_NAME_MAX = 255
_KINDS = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
)


def temporary_prefix(name: str, name_max: int = _DEFAULT_NAME_MAX) -> str:
    """The start of every temporary name for a target called ``name``: ``.{name}.``.

    A random token of 8 hex digits and ``.tmp`` follow it. If the whole would
    exceed ``name_max`` bytes, the name is cut short and followed by ``~`` and 16
    hex digits of its SHA-256, so two long names sharing a beginning still get
    different prefixes (and a cleanup for one never touches the other's files).
    """
    tail = _TOKEN_HEX + len(_SUFFIX)
    prefix = f".{name}."
    if len(os.fsencode(prefix)) + tail <= name_max:
        return prefix
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:16]
    budget = name_max - tail - len(f"..~{digest}")
    cut = name
    while cut and len(os.fsencode(cut)) > budget:
        cut = cut[:-1]
    return f".{cut}~{digest}."


def _name_max(directory: Path) -> int:
    """The longest file name, in bytes, that ``directory``'s file system allows."""
    try:
        return int(os.pathconf(directory, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):  # no such directory, or no pathconf
        return _DEFAULT_NAME_MAX


def _renamed(error: OSError, path: Path) -> OSError:
    """``error`` with ``path`` as its file name (not the temporary file's or a link's)."""
    if error.errno is None:
        return type(error)(f"{error} (writing {path})")
    return type(error)(error.errno, error.strerror or os.strerror(error.errno), str(path))


def _kind(mode: int) -> str:
    """What a file of ``mode`` that is neither a regular file nor a directory is."""
    return next((kind for test, kind in _KINDS if test(mode)), "not a file")


def read_regular_file(path: Path) -> bytes:
    """The contents of the regular file ``path`` (a symlink is followed).

    A device, FIFO or socket raises ``ValueError`` naming ``path`` without being
    opened (reading a FIFO waits for a writer; reading ``/dev/zero`` never ends); a
    missing file or a directory raises ``FileNotFoundError`` or ``IsADirectoryError``.
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise ValueError(f"cannot read {path}: it is {_kind(mode)}, not a regular file")
    return Path(path).read_bytes()


def _check_target(path: Path, target: Path) -> os.stat_result | None:
    """The status of ``target`` (``path`` with symlinks followed), or None if it does not
    exist yet; raises unless it is a regular file."""
    try:
        status = os.stat(target)
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if not stat.S_ISREG(status.st_mode):
        via = f"it is a symlink to {target}, which is" if path.is_symlink() else "it is"
        raise ValueError(f"cannot write {path}: {via} {_kind(status.st_mode)}, not a regular file")
    return status


def _remove_stale(directory: Path, prefix: str) -> None:
    """Remove temporary files named ``{prefix}{token}.tmp`` older than :data:`STALE_AFTER`."""
    pattern = re.compile(re.escape(prefix) + f"[0-9a-f]{{{_TOKEN_HEX}}}" + re.escape(_SUFFIX))
    cutoff = time.time() - STALE_AFTER
    try:
        with os.scandir(directory) as entries:
            stale = [
                entry.path for entry in entries
                if pattern.fullmatch(entry.name)
                and entry.is_file(follow_symlinks=False)
                and entry.stat(follow_symlinks=False).st_mtime < cutoff
            ]
    except OSError:
        return  # cleaning up is a courtesy; the write itself reports real problems
    for leftover in stale:
        with contextlib.suppress(OSError):  # gone already, or not ours to remove
            os.unlink(leftover)


def _create(directory: Path, prefix: str, mode: int) -> tuple[Path, int]:
    """A new, empty temporary file in ``directory`` and its open descriptor."""
    for _ in range(16):
        temporary = directory / f"{prefix}{secrets.token_hex(_TOKEN_HEX // 2)}{_SUFFIX}"
        try:
            return temporary, os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary name", str(directory))


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that it holds the old file or the new one, never part.

    ``content`` goes to a new file beside ``path`` (beside its target, if ``path``
    is a symlink), which ``fsync`` puts on disk before it is renamed over the
    old file in one step. ``path`` must be a regular file or not exist:
    a directory raises ``IsADirectoryError``, a device, FIFO or socket raises
    ``ValueError``. An existing file keeps its permission bits. Any ``OSError``
    names ``path``; no temporary file is left behind.
    """
    path = Path(path)
    target = Path(os.path.realpath(path))
    try:
        status = _check_target(path, target)
        directory = target.parent
        prefix = temporary_prefix(target.name, _name_max(directory))
        _remove_stale(directory, prefix)
        temporary, fd = _create(directory, prefix, 0o600 if status else 0o666)
    except OSError as error:
        raise _renamed(error, path) from None
    try:
        try:
            if status is not None:
                os.fchmod(fd, stat.S_IMODE(status.st_mode))
                if (status.st_uid, status.st_gid) != (os.getuid(), os.getgid()):
                    # only root may give a file away; otherwise the new one is ours
                    with contextlib.suppress(PermissionError):
                        os.fchown(fd, status.st_uid, status.st_gid)
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise _renamed(error, path) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(directory)


def _sync_directory(directory: Path) -> None:
    """Put the rename itself on disk, where the system allows opening a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
