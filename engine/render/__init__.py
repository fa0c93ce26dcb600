"""Renderers: thin views of a :class:`~podnet.diagnosis.Diagnosis` (text, Markdown, JSON)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..diagnosis import Diagnosis

FORMATS = ("text", "markdown", "json")

__all__ = ["FORMATS", "render"]


def render(diagnosis: Diagnosis, fmt: str = "text") -> str:
    """Render a diagnosis in one of :data:`FORMATS` (the language is the diagnosis's own)."""
    if fmt == "json":
        from .safe import json_text

        return json_text(_json(diagnosis))
    if fmt == "markdown":
        from .markdown import render_markdown

        return render_markdown(diagnosis)
    if fmt == "text":
        from .text import render_text

        return render_text(diagnosis)
    raise ValueError(f"unknown format {fmt!r}")


def _json(diagnosis: Diagnosis) -> str:
    """The diagnosis as JSON; a lone surrogate (which UTF-8 cannot hold) is written as an escape."""
    from pydantic_core import PydanticSerializationError

    try:
        return diagnosis.model_dump_json(indent=2)
    except PydanticSerializationError:
        import json

        return json.dumps(diagnosis.model_dump(mode="json"), ensure_ascii=False, indent=2)
