"""Entry point of ``python -m fdsl_trainer``."""

import sys

from .cli import main

sys.exit(main())
