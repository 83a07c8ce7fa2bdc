"""The exception family: every error modclf raises on purpose is a ModClfError."""


class ModClfError(Exception):
    """Base class of modclf's own errors."""


class InputError(ModClfError):
    """An input page, record or file cannot be read (binary, empty, malformed)."""


class ModelLoadError(ModClfError):
    """A model folder is missing, incomplete or incompatible."""


class ConfigError(ModClfError):
    """A YAML config or a command-line override is invalid."""


class LabelFileError(ModClfError):
    """A user label file has a wrong column or value (names file, row and column)."""
