"""`python -m finassure …` is the same as the `finassure` console script."""

import sys

from finassure.cli import main

sys.exit(main())
