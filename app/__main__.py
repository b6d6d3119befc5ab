"""``python -m termalign.app`` runs the ``termalign`` command."""

import sys

from .cli import main

sys.exit(main())
