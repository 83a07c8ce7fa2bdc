"""Moved to modclf.training.sources. Kept only so that the documented `from modclf.sources.labels
import load_label_files` (docs/label_files.md up to 0.3.0) keeps working; new code imports
modclf.training.sources.labels.
"""

import sys

from modclf.training.sources import labels

sys.modules[__name__ + ".labels"] = labels  # the same module object, not a copy
