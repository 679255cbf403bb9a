"""``python -m infoscale.cli`` (e.g. under torchrun)."""

import sys

from infoscale.cli import main

sys.exit(main())
