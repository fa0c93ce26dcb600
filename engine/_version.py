"""podnet's version, from the installed package's metadata (``podnet.__version__`` reads it here)."""

from __future__ import annotations

import functools

__all__ = ["package_version"]


@functools.lru_cache(maxsize=1)
def package_version() -> str:
    """The installed version; ``0+unknown`` in a source tree that was never installed (read once
    per process: every knowledge-cache key names it, and each read scans the installed packages'
    metadata, about 1 ms)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("podnet")
    except PackageNotFoundError:
        return "0+unknown"
