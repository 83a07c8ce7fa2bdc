"""`python -m modclf` runs the command line."""

import sys

from modclf.cli import main

sys.exit(main())
