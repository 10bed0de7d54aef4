"""``python -m autograd_scalar`` is the ``autograd-scalar`` command."""

import sys

from .cli import main

sys.exit(main())
