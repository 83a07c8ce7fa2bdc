"""Small YAML configs read into dataclasses that reject unknown keys and wrong types."""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path

import yaml

from modclf.errors import ConfigError


def _coerce(name: str, value, annotation, source: str):
    """Check (and gently convert) one value against its field's type annotation."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(name, value, arg, source)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{source}: {name}: bad value {value!r}")
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{source}: {name} must be a list, got {value!r}")
        return list(value)
    if origin is dict or annotation is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: {name} must be a mapping, got {value!r}")
        return value
    if annotation is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        raise ConfigError(f"{source}: {name} must be true or false, got {value!r}")
    if annotation is int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ConfigError(f"{source}: {name} must be an integer, got {value!r}")
        try:
            return int(value)
        except ValueError as exc:
            raise ConfigError(f"{source}: {name} must be an integer, got {value!r}") from exc
    if annotation is float:
        if isinstance(value, bool):
            raise ConfigError(f"{source}: {name} must be a number, got {value!r}")
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: {name} must be a number, got {value!r}") from exc
    if annotation is str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ConfigError(f"{source}: {name} must be a string, got {value!r}")
        return str(value)
    return value


def from_mapping(cls, data: dict, source: str = "config"):
    """Build dataclass `cls` from a mapping, rejecting unknown keys and checking types."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of settings, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{source}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(fields))}")
    hints = typing.get_type_hints(cls)
    kwargs = {name: _coerce(name, value, hints[name], source) for name, value in data.items()}
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: {exc}") from exc


def parse_overrides(overrides: list[str]) -> dict:
    """`--key=value` (or key=value) strings -> {key: value}, values parsed as YAML scalars."""
    result = {}
    for item in overrides:
        text = item[2:] if item.startswith("--") else item
        if "=" not in text:
            raise ConfigError(f"override {item!r} must look like --key=value")
        key, value = text.split("=", 1)
        result[key.replace("-", "_")] = yaml.safe_load(value) if value else ""
    return result


def load_config(cls, path: str | Path | None = None, overrides: list[str] | None = None):
    """Read a YAML file into `cls`, then apply command-line overrides (type-checked the same way)."""
    data: dict = {}
    source = "defaults"
    if path is not None:
        path = Path(path)
        if not path.exists():
            raise ConfigError(f"config file {path} does not exist")
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
        source = str(path)
    data.update(parse_overrides(overrides or []))
    return from_mapping(cls, data, source)


def to_yaml(config) -> str:
    """The resolved config as YAML, saved next to the model it produced."""
    return yaml.safe_dump(dataclasses.asdict(config), sort_keys=False)
