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
is ignored and the knowledge is loaded from YAML as usual; ``PODNET_DEBUG=1`` (or ``podnet
--debug``) prints why on stderr, so a run that is slow every time says so. ``PODNET_NO_CACHE=1``
turns the cache off. Errors are never cached: a bad rule fails every time.

Several entries live side by side (:data:`MAX_ENTRIES` per kind, the least recently used removed
first), so alternating ``--rules`` sets or two installs of podnet do not evict each other. When the
cache folder cannot be used (an unwritable home, a folder others may write), a private folder in
the temporary directory (``$TMPDIR/podnet-cache-UID``) is used instead, with the same checks.
Besides the knowledge, the packet-path profiles' YAML (``kb/paths``) is cached the same way
(:func:`cached_plain`), so a case with captures does not parse YAML either.
"""

from __future__ import annotations

import functools
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

MAX_ENTRIES = 8
"""Cache files kept per kind (knowledge, path profiles): one per knowledge content and version."""


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


def fallback_dir() -> Path:
    """The private cache folder in the temporary directory, used when :func:`cache_dir` cannot be."""
    return Path(tempfile.gettempdir()) / f"podnet-cache-{os.geteuid()}"


_USABLE: dict[str, Path | None] = {}


def usable_dir() -> Path | None:
    """The cache folder to use: :func:`cache_dir`, else :func:`fallback_dir` (each created 0700
    and checked), else None (every run then reads the YAML); decided once per process."""
    directory = cache_dir()
    if directory is None:
        return None
    memo = str(directory)
    if memo in _USABLE:
        return _USABLE[memo]
    why = _check_dir(directory)
    found: Path | None = directory
    if why:
        fallback = fallback_dir()
        why_not = _check_dir(fallback) if fallback != directory else why
        found = None if why_not else fallback
        debug(f"not used: {why}; " + (f"using {fallback} instead" if found else f"nor {fallback}: {why_not}"))
    _USABLE[memo] = found
    return found


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
    from .._version import package_version
    from .plain import FORMAT

    parts = [f"podnet {package_version()}", f"format {FORMAT}", sys.version]
    for name in _CODE_PACKAGES:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if not path:
            return None
        parts.extend(_code_files(str(Path(path).parent)))
    for root in roots:
        path = Path(str(root))
        if not path.is_dir():
            return None
        parts.append(f"root {path}")  # an empty --rules folder still makes another knowledge (its rule_dirs)
        _stat_tree(path, parts)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=len(_CODE_PACKAGES))
def _code_files(folder: str) -> tuple[str, ...]:
    """The key's lines for the code in ``folder`` (each .py file by path, size, inode and times),
    read once per process: the code a process runs does not change under it, and every cached kind
    (knowledge, messages, path profiles, destructive patterns) would otherwise walk it again."""
    out: list[str] = []
    _stat_tree(Path(folder), out, ".py")
    return tuple(out)


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


def _prune(directory: Path, kind: str, keep: Path) -> None:
    """Leave at most :data:`MAX_ENTRIES` cache files of ``kind`` (the most recently used, by
    mtime: a hit refreshes it); files of an older format (not ``.json``) go at once."""
    entries = []
    for old in directory.glob(f"{kind}-*"):
        if old == keep:
            continue
        if old.suffix != ".json":
            old.unlink(missing_ok=True)
            continue
        try:
            entries.append((old.lstat().st_mtime_ns, old))
        except OSError:
            continue
    entries.sort(reverse=True)
    for _, old in entries[MAX_ENTRIES - 1 :]:
        old.unlink(missing_ok=True)


def _write(directory: Path, path: Path, data: Any, kind: str = "knowledge") -> None:
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{kind}-", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _prune(directory, kind, path)


def _touch(path: Path) -> None:
    """Mark a cache file as just used (the least recently used entries are removed first)."""
    try:
        os.utime(path)
    except OSError:
        pass


def cached_plain(kind: str, roots: Iterable[Any], build: Callable[[], Any], to_plain: Callable[[Any], Any], from_plain: Callable[[Any], Any]) -> Any:
    """A value made from the files below ``roots``: from the cache file of ``kind`` and their key,
    or built (by ``build``) and stored as ``to_plain(value)``; ``from_plain`` turns the stored
    data back (and checks it: any exception there means a corrupt entry, rebuilt)."""
    from .plain import NotPlain

    directory = usable_dir()
    if directory is None:
        return build()
    key = fingerprint(roots)
    if key is None:
        debug(f"the {kind} is not in plain folders: not cached")
        return build()
    path = directory / f"{kind}-{key}.json"
    try:
        data = _read(path)
        if data is not _MISSING:
            value = from_plain(data)
            _touch(path)
            return value
    except Exception as exc:  # noqa: BLE001 - a corrupt cache is rebuilt, never trusted or fatal
        debug(f"ignoring {path}: {type(exc).__name__}: {exc}"[:300])
    value = build()
    try:
        _write(directory, path, to_plain(value), kind)
    except (OSError, NotPlain, ValueError, TypeError) as exc:
        debug(f"cannot write {path} (every run reads the YAML again): {type(exc).__name__}: {exc}"[:300])
    return value


def cached_knowledge(roots: Iterable[Any], build: Callable[[], Any]) -> Any:
    """The knowledge for these roots from the cache, or built (by ``build``) and stored."""
    from .plain import from_plain, to_plain

    return cached_plain("knowledge", roots, build, to_plain, from_plain)


def plain_data(value: Any) -> Any:
    """``value`` when it is JSON data (e.g. what a YAML file held); :class:`NotPlain` otherwise."""
    from .plain import _check_plain

    return _check_plain(value)
