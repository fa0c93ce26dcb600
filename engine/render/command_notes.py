"""The lines printed before a command: a warning when it changes the system, and the values to fill
in (shell variables the command reads, ``"${NAME:?set NAME to ...}"``) when the case lacks them.

Text views print them as ``#`` comment lines right before the command, so a pasted block stays
valid shell; Markdown prints them as text before the command's fence.
"""

from __future__ import annotations

from typing import Any

from .safe import md_code_span, md_text, visible

_LABELS = {
    "en": {"warning": "WARNING", "fill_in": "fill in", "fill_in_md": "Set first"},
    "zh": {"warning": "警告", "fill_in": "需填写", "fill_in_md": "先设置"},
}


def _labels(lang: str) -> dict[str, str]:
    return _LABELS.get(lang, _LABELS["en"])


def comment_lines(item: Any, lang: str) -> list[str]:
    """``# WARNING: ...`` and ``# fill in: VAR — what`` lines for a step or next check (text views)."""
    L = _labels(lang)
    out = []
    warning = getattr(item, "warning", None)
    if warning:
        out.append(f"# {L['warning']}: {visible(warning)}")
    for f in getattr(item, "fill_in", None) or []:
        out.append(f"# {L['fill_in']}: {visible(f.variable)} — {visible(f.what)}")
    return out


def markdown_lines(item: Any, lang: str, indent: str = "") -> list[str]:
    """The same notes as Markdown paragraphs before the command's fence."""
    L = _labels(lang)
    out = []
    warning = getattr(item, "warning", None)
    if warning:
        out += ["", f"{indent}> **⚠ {L['warning']}:** {md_text(warning)}"]
    fills = getattr(item, "fill_in", None) or []
    if fills:
        items = "; ".join(f"{md_code_span(f.variable)} — {md_text(f.what)}" for f in fills)
        out += ["", f"{indent}{L['fill_in_md']}: {items}"]
    return out
