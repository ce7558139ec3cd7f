"""Allow ``python -m interview``."""

import sys

from .cli import main

sys.exit(main())
