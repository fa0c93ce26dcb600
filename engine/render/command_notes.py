"""The lines printed before a command: a warning when it changes the system, and the values to fill
in (shell variables the command reads, ``"${NAME:?set NAME to ...}"``) when the case lacks them.

Text views print them as ``#`` comment lines right before the command, so a pasted block stays
valid shell; Markdown prints them as text before the command's fence.
"""

from __future__ import annotations

from typing import Any

from ..knowledge.templates import fill_in_words
from .labels import LABELS
from .safe import md_code_span, md_text, visible


def _what(fill: Any, lang: str) -> str:
    """What a fill-in stands for, in ``lang`` (``fill_in_<variable>`` of the catalogue); the
    diagnosis's English words (the command's own message) for a value the catalogue does not name."""
    return fill_in_words(fill.variable.lower().replace("_", "-"), lang) or fill.what  # type: ignore[arg-type]


def _labels(lang: str) -> dict[str, str]:
    """The report labels (``command_*`` in ``kb/messages/report.yaml``) in ``lang``."""
    return LABELS.get(lang, LABELS["en"])


def comment_lines(item: Any, lang: str) -> list[str]:
    """``# WARNING: ...`` and ``# fill in: VAR — what`` lines for a step or next check (text views)."""
    L = _labels(lang)
    out = []
    warning = getattr(item, "warning", None)
    if warning:
        out.append(f"# {L['command_warning']}: {visible(warning)}")
    for f in getattr(item, "fill_in", None) or []:
        out.append(f"# {L['command_fill_in']}: {visible(f.variable)} — {visible(_what(f, lang))}")
    return out


def markdown_lines(item: Any, lang: str, indent: str = "") -> list[str]:
    """The same notes as Markdown paragraphs before the command's fence."""
    L = _labels(lang)
    out = []
    warning = getattr(item, "warning", None)
    if warning:
        out += ["", f"{indent}> **⚠ {L['command_warning']}:** {md_text(warning)}"]
    fills = getattr(item, "fill_in", None) or []
    if fills:
        items = "; ".join(f"{md_code_span(f.variable)} — {md_text(_what(f, lang))}" for f in fills)
        out += ["", f"{indent}{L['command_fill_in_md']}: {items}"]
    return out
