"""A disk cache of the loaded, checked knowledge, like Python's own .pyc files, that cannot run code.

Parsing and checking ~100 YAML files costs more than a whole diagnosis, and a person types
``podnet diagnose`` many times a day. The checked :class:`Knowledge` is stored as JSON of plain
data (:mod:`podnet.knowledge.plain`; never a pickle: reading it executes nothing, and it is
validated again on the way back) in ``$PODNET_CACHE_DIR`` (default ``$XDG_CACHE_HOME/podnet`` or
``~/.cache/podnet``) under a key made of podnet's version, the cache format, Python's version,
the code that defines and checks the knowledge (every module of ``podnet.knowledge`` and
``podnet.facts``) and every knowledge file, each by path, size, inode, mtime and ctime (which no
``touch`` can set back): any change makes a new key.

A cache file is read only when it is a regular file owned by the current user in a folder owned by
the current user, neither writable by group or others; anything else (a folder shared with other
users, a HOME kept across sudo) is not used at all. A cache that cannot be read, checked or written
is ignored and the knowledge is loaded from YAML as usual; ``PODNET_DEBUG=1`` prints why on stderr,
so a run that is slow every time says so. ``PODNET_NO_CACHE=1`` turns the cache off. Errors are
never cached: a bad rule fails every time.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable

_CODE_PACKAGES = ("podnet.knowledge", "podnet.facts")
"""Packages whose modules define, parse or check the knowledge: every .py file in them (and in
their subpackages) is keyed."""

MAX_CACHE_BYTES = 64 * 1024 * 1024
"""A cache file larger than this is not read (the bundled knowledge is about 250 KB)."""


def debug(message: str) -> None:
    """A one-line hint on stderr when ``PODNET_DEBUG`` is set."""
    if os.environ.get("PODNET_DEBUG"):
        print(f"podnet: debug: knowledge cache: {message}", file=sys.stderr)


def cache_dir() -> Path | None:
    if os.environ.get("PODNET_NO_CACHE"):
        return None
    base = os.environ.get("PODNET_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) / "podnet" if xdg else Path.home() / ".cache" / "podnet"


def _stat_line(path: str, st: os.stat_result) -> str:
    return f"{path}:{st.st_size}:{st.st_ino}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def _stat_tree(root: Path, out: list[str], suffix: str = ".yaml") -> None:
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        out.append(f"{root}:unreadable")
        return
    for entry in entries:
        if entry.is_dir():
            if entry.name != "__pycache__":
                _stat_tree(Path(entry.path), out, suffix)
        elif entry.name.endswith(suffix):
            try:
                out.append(_stat_line(entry.path, entry.stat()))
            except OSError:
                out.append(f"{entry.path}:unreadable")


def fingerprint(roots: Iterable[Any]) -> str | None:
    """A key over podnet's version, the knowledge files and the code that reads them; None when a
    root is not a folder (e.g. knowledge inside a zip)."""
    from .. import __version__
    from .plain import FORMAT

    parts = [f"podnet {__version__}", f"format {FORMAT}", sys.version]
    for name in _CODE_PACKAGES:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if not path:
            return None
        _stat_tree(Path(path).parent, parts, ".py")
    for root in roots:
        path = Path(str(root))
        if not path.is_dir():
            return None
        _stat_tree(path, parts)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _private(st: os.stat_result) -> str | None:
    """Why a file or folder may not be trusted (owner, group/world write), or None."""
    if st.st_uid != os.geteuid():
        return f"owned by uid {st.st_uid}, not by the current user ({os.geteuid()})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"writable by group or others (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def _check_dir(directory: Path) -> str | None:
    """Why the folder may not be used, or None; creates it (0700) when missing."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.stat(directory)
    except OSError as exc:
        return f"cannot create {directory}: {exc.strerror or exc}"
    if not stat.S_ISDIR(st.st_mode):
        return f"{directory} is not a folder"
    why = _private(st)
    return f"{directory} is {why}" if why else None


_MISSING = object()


def _read(path: Path) -> Any:
    """The JSON data of a cache file this user wrote; ``_MISSING`` when there is none (or it is not trusted)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return _MISSING
    except OSError as exc:
        debug(f"cannot open {path}: {exc.strerror or exc}")
        return _MISSING
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        why = _private(st)
        if not stat.S_ISREG(st.st_mode) or why or st.st_size > MAX_CACHE_BYTES:
            debug(f"ignoring {path}: {why or 'not a regular file of a sane size'}")
            return _MISSING
        return json.loads(fh.read())


def _write(directory: Path, path: Path, data: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".knowledge-", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    for old in directory.glob("knowledge-*"):
        if old != path:
            old.unlink(missing_ok=True)


def cached_knowledge(roots: Iterable[Any], build: Callable[[], Any]) -> Any:
    """The knowledge for these roots from the cache, or built (by ``build``) and stored."""
    from .plain import NotPlain, from_plain, to_plain

    directory = cache_dir()
    if directory is None:
        return build()
    key = fingerprint(roots)
    if key is None:
        debug("the knowledge is not in plain folders: not cached")
        return build()
    why = _check_dir(directory)
    if why:
        debug(f"not used: {why}")
        return build()
    path = directory / f"knowledge-{key}.json"
    try:
        data = _read(path)
        if data is not _MISSING:
            return from_plain(data)
    except Exception as exc:  # noqa: BLE001 - a corrupt cache is rebuilt, never trusted or fatal
        debug(f"ignoring {path}: {type(exc).__name__}: {exc}"[:300])
    value = build()
    try:
        _write(directory, path, to_plain(value))
    except (OSError, NotPlain, ValueError, TypeError) as exc:
        debug(f"cannot write {path} (every run reads the YAML again): {type(exc).__name__}: {exc}"[:300])
    return value
