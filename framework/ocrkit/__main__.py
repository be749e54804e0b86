"""``python -m ocrkit``: the ``ocrkit`` command, for environments without its script."""

import sys

from .cli import main

sys.exit(main())
