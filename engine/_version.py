"""podnet's version, from the installed package's metadata (``podnet.__version__`` reads it here)."""

from __future__ import annotations

__all__ = ["package_version"]


def package_version() -> str:
    """The installed version; ``0+unknown`` in a source tree that was never installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("podnet")
    except PackageNotFoundError:
        return "0+unknown"
