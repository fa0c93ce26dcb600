"""Which printed commands change a running system (delete, restart, flush, set...), and the warning
shown on a line before them.

The patterns and warnings are data (``kb/destructive.yaml``); a cause's step may give its own
``warning``. :func:`warning_for` is what the diagnosis uses; ``tests/render`` checks every printed
command that matches carries a warning.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from ..errors import KnowledgeError
from .model import Lang, Text


@functools.lru_cache(maxsize=1)
def _table() -> list[tuple[str, re.Pattern[str], Text]]:
    from .cache import cached_plain, plain_data
    from .load import _kb_root, read_yaml

    origin = "kb/destructive.yaml"
    root = _kb_root()
    # through the knowledge cache (as podnet.messages and the path profiles): no YAML parsing on a warm start
    data: Any = cached_plain("destructive", [root], lambda: read_yaml(root / "destructive.yaml", origin), plain_data, lambda d: d)
    if not isinstance(data, list):
        raise KnowledgeError("expected a list of {id, match, warning}", location=origin, code="E-KB-SCHEMA")
    out = []
    for i, item in enumerate(data):
        try:
            out.append((str(item["id"]), re.compile(item["match"]), Text.model_validate(item["warning"])))
        except (KeyError, TypeError, re.error, ValueError) as exc:
            raise KnowledgeError(f"bad entry: {exc}", location=f"{origin}: [{i}]", code="E-KB-SCHEMA") from None
    return out


def destructive_kind(command: str | None) -> str | None:
    """The id of the first kind of change a command makes (``kb/destructive.yaml``), or None."""
    if not command:
        return None
    return _kind_of(command)


@functools.lru_cache(maxsize=4096)
def _kind_of(command: str) -> str | None:
    """:func:`destructive_kind`, remembered per command template: the knowledge's templates are a
    few hundred strings, each searched by every pattern otherwise (twice per step per diagnosis:
    about a tenth of a warm diagnosis of the ClusterIP example)."""
    for kind, pattern, _ in _table():
        if pattern.search(command):
            return kind
    return None


def is_destructive(command: str | None) -> bool:
    """Whether a command (or template) changes the node it runs on or the cluster."""
    return destructive_kind(command) is not None


def warning_for(command: str | None, lang: Lang, own: Text | None = None) -> str | None:
    """The warning to print before ``command``: the step's own, else its kind's; None if harmless."""
    kind = destructive_kind(command)
    if kind is None:
        return own.get(lang) if own is not None else None
    if own is not None:
        return own.get(lang)
    return next(t.get(lang) for k, _, t in _table() if k == kind)
