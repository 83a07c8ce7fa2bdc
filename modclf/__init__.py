"""modclf: segment scraped news pages and score reader comments.

The heavy parts (torch, the encoder) load on first use of ModClf, Score or the page classes, so
`modclf --help` and `import modclf` stay fast.
"""

import logging

__version__ = "0.3.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

from modclf.errors import ConfigError, InputError, LabelFileError, ModClfError, ModelLoadError  # noqa: E402

# Public name -> module that defines it, imported on first access (PEP 562).
_LAZY = {"ModClf": "modclf.api", "Score": "modclf.score", "Comment": "modclf.segment", "Line": "modclf.segment",
         "Page": "modclf.segment", "Policy": "modclf.policy"}

__all__ = ["Comment", "ConfigError", "InputError", "LabelFileError", "Line", "ModClf", "ModClfError",
           "ModelLoadError", "Page", "Policy", "Score", "__version__"]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'modclf' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
