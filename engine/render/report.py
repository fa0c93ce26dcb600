"""A diagnosis report in any of the formats users ask for (``podnet diagnose -o FORMAT``, the
library's :func:`podnet.render`, the web app): the renderers' formats, ``wide`` and ``yaml``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..diagnosis import Diagnosis

__all__ = ["REPORT_FORMATS", "render_report", "to_yaml"]

REPORT_FORMATS: tuple[str, ...] = ("text", "wide", "markdown", "json", "yaml")
"""Formats of a diagnosis report: ``text`` is the compact report, ``wide`` the full text report
with all of its evidence."""


def render_report(diagnosis: Diagnosis, fmt: str, *, width: int | None = None, color: bool = False) -> str:
    """A diagnosis in one of :data:`REPORT_FORMATS` (``yaml`` is the JSON model dumped as YAML);
    ``width`` and ``color`` apply to ``text`` and ``wide``."""
    from ..render import render

    if fmt == "yaml":
        return to_yaml(diagnosis.model_dump(mode="json"))
    return render(diagnosis, fmt, width=width, color=color)


def to_yaml(data: object) -> str:
    """YAML for plain (JSON-compatible) data, keys in their given order, Chinese kept readable."""
    import yaml

    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
