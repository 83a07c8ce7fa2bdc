"""modclf: segment scraped news pages and score reader comments."""

import logging

__version__ = "0.3.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

from modclf.errors import ConfigError, InputError, LabelFileError, ModClfError, ModelLoadError  # noqa: E402

__all__ = ["ConfigError", "InputError", "LabelFileError", "ModClfError", "ModelLoadError", "__version__"]

from modclf.api import ModClf  # noqa: E402
from modclf.score import Score  # noqa: E402
from modclf.segment import Comment, Line, Page  # noqa: E402

__all__ += ["Comment", "Line", "ModClf", "Page", "Score"]
