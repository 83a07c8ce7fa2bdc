"""Loaders that turn the built-in training sources (../shared/data) into labelled examples.

They live in the package, not in training/, because `modclf train` retrains on them too.
"""

import os
from pathlib import Path

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The data directory: the argument, else $MODCLF_DATA_DIR, else ../shared/data beside the checkout."""
    chosen = data_dir or os.environ.get("MODCLF_DATA_DIR") or DEFAULT_DATA_DIR
    return Path(chosen).resolve()
