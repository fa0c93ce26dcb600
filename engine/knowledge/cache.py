"""A disk cache of the loaded, checked knowledge, like Python's own .pyc files.

Parsing and checking ~100 YAML files costs more than a whole diagnosis, and a person types
``podnet diagnose`` many times a day. The checked :class:`Knowledge` is pickled to
``$PODNET_CACHE_DIR`` (default ``$XDG_CACHE_HOME/podnet`` or ``~/.cache/podnet``) under a key made
of every knowledge file's path, size and modification time plus the modules that define the
schema and the loader; any change makes a new key. A cache that cannot be read or written is
ignored (the knowledge is then loaded from YAML as usual). ``PODNET_NO_CACHE=1`` turns it off.
Errors are never cached: a bad rule fails every time.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable

_SOURCE_MODULES = (
    "podnet.facts.observations",
    "podnet.facts.model",
    "podnet.knowledge.model",
    "podnet.knowledge.conditions",
    "podnet.knowledge.load",
    "podnet.knowledge.schema",
)


def cache_dir() -> Path | None:
    if os.environ.get("PODNET_NO_CACHE"):
        return None
    base = os.environ.get("PODNET_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) / "podnet" if xdg else Path.home() / ".cache" / "podnet"


def _stat_tree(root: Path, out: list[str]) -> None:
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        out.append(f"{root}:unreadable")
        return
    for entry in entries:
        if entry.is_dir():
            _stat_tree(Path(entry.path), out)
        elif entry.name.endswith(".yaml"):
            st = entry.stat()
            out.append(f"{entry.path}:{st.st_size}:{st.st_mtime_ns}")


def fingerprint(roots: Iterable[Any]) -> str | None:
    """A key over the knowledge files and the code that reads them; None when a root is not a folder."""
    parts = [sys.version, str(pickle.HIGHEST_PROTOCOL)]
    for name in _SOURCE_MODULES:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if not path:
            return None
        st = os.stat(path)
        parts.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
    for root in roots:
        path = Path(str(root))
        if not path.is_dir():
            return None
        _stat_tree(path, parts)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def cached(roots: Iterable[Any], build: Callable[[], Any]) -> Any:
    """Return the cached value for these knowledge roots, or build it and store it."""
    directory = cache_dir()
    key = fingerprint(roots) if directory else None
    if directory is None or key is None:
        return build()
    path = directory / f"knowledge-{key}.pickle"
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except Exception:  # noqa: BLE001 - a missing or unreadable cache just means: build
        pass
    value = build()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".knowledge-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        for old in directory.glob("knowledge-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - a read-only home must not break diagnosis
        pass
    return value
