"""Limits on the work one input can ask for (issue 18: bounded work on hostile input).

Each limit has a default and an environment variable to change it; a value that is not a positive
integer is a usage error (exit 2) naming the variable. The README's "Limits" section lists them.

==========================  =========  =====================================================
``PODNET_MAX_FACT_BYTES``   8 MiB      size of one fact file (or of stdin given as ``-``)
``PODNET_MAX_OBSERVATIONS`` 2000       observations in one case (after merging fact files or
                                       ingesting raw output)
``PODNET_MAX_RAW_BYTES``    16 MiB     raw command output given to ``ingest`` (all files of a
                                       folder together, or stdin)
==========================  =========  =====================================================

Limits are read when they are used, so a long-lived process (a library user, a test) sees a
changed variable.
"""

from __future__ import annotations

import os

from .errors import UsageError

DEFAULTS: dict[str, int] = {
    "PODNET_MAX_FACT_BYTES": 8 * 1024 * 1024,
    "PODNET_MAX_OBSERVATIONS": 2000,
    "PODNET_MAX_RAW_BYTES": 16 * 1024 * 1024,
}

MAX_INT_DIGITS = 100
"""Integers in JSON input longer than this are refused at parsing (no field needs more; Python
would otherwise spend quadratic time converting, or refuse past 4300 digits with a ValueError)."""


def limit(name: str) -> int:
    """The limit named by environment variable ``name`` (its default when unset)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return DEFAULTS[name]
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise UsageError("must be a positive whole number", location=f"environment variable {name}", code="E-USAGE-LIMIT")
    return value


def max_fact_bytes() -> int:
    """Largest fact file read, in bytes."""
    return limit("PODNET_MAX_FACT_BYTES")


def max_observations() -> int:
    """Most observations one case may hold."""
    return limit("PODNET_MAX_OBSERVATIONS")


def max_raw_bytes() -> int:
    """Largest raw input ``ingest`` reads, in bytes (a folder's files together)."""
    return limit("PODNET_MAX_RAW_BYTES")
