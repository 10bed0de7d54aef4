"""Writing files so that they appear whole or not at all."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to a new file beside ``path``, then rename it to ``path``.

    The rename replaces any old file in one step, so ``path`` never holds a
    half-written file, even if the process is interrupted; ``fsync`` puts the
    bytes on disk before the rename.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        # The error names the file asked for, never the temporary one beside it.
        raise type(error)(error.errno, error.strerror, str(path)) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
