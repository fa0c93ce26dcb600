"""Renderers: thin views of a :class:`~podnet.diagnosis.Diagnosis` (text, Markdown, JSON).

``text`` is the compact report (:mod:`.compact`), ``wide`` the full one (:mod:`.text`); both are
laid out at ``width`` terminal cells and coloured only when ``color`` is true."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..diagnosis import Diagnosis

FORMATS = ("text", "wide", "markdown", "json")

__all__ = ["FORMATS", "render"]


def render(diagnosis: Diagnosis, fmt: str = "text", *, width: int | None = None, color: bool = False) -> str:
    """Render a diagnosis in one of :data:`FORMATS` (the language is the diagnosis's own); the text
    reports at ``width`` cells (default :data:`~podnet.render.terminal.DEFAULT_WIDTH`), in colour
    with ``color`` (ANSI escapes)."""
    if fmt == "json":
        from .safe import json_text

        return json_text(_json(diagnosis))
    if fmt == "markdown":
        from .markdown import render_markdown

        return render_markdown(diagnosis)
    if fmt in ("text", "wide"):
        from .terminal import DEFAULT_WIDTH

        if fmt == "wide":
            from .text import render_text

            return render_text(diagnosis, width or DEFAULT_WIDTH, color)
        from .compact import render_compact

        return render_compact(diagnosis, width or DEFAULT_WIDTH, color)
    raise ValueError(f"unknown format {fmt!r}")


def _json(diagnosis: Diagnosis) -> str:
    """The diagnosis as JSON; a lone surrogate (which UTF-8 cannot hold) is written as an escape."""
    from pydantic_core import PydanticSerializationError

    try:
        return diagnosis.model_dump_json(indent=2)
    except PydanticSerializationError:
        import json

        return json.dumps(diagnosis.model_dump(mode="json"), ensure_ascii=False, indent=2)
