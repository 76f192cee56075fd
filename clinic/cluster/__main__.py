"""``python -m clinic.cluster up|status|down``."""

import sys

from clinic.cluster.cli import main

sys.exit(main())
