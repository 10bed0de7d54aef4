"""``python -m autograd_scalar.codegen``: the generator's old command, kept working.

The generator is ``tools/codegen.py`` in a checkout of the repository: it reads
only the op table, never this package, so it runs on a half-edited tree. This
module runs it with the same arguments.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

__all__ = ["GENERATOR", "main"]

GENERATOR = Path(__file__).resolve().parent.parent / "tools" / "codegen.py"
"""Where the generator is in a checkout."""


def main(argv: list[str] | None = None) -> int:
    """Run ``tools/codegen.py`` with ``argv``; returns its exit status."""
    if not GENERATOR.is_file():
        print(f"the generator is tools/codegen.py in a checkout of the repository; "
              f"{GENERATOR} does not exist", file=sys.stderr)
        return 2
    sys.argv = [str(GENERATOR), *(sys.argv[1:] if argv is None else argv)]
    try:
        runpy.run_path(str(GENERATOR), run_name="__main__")
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
