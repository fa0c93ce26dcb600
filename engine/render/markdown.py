"""Markdown report (tickets, chat, wikis).

Every value outside a code block goes through :func:`~podnet.render.safe.md_text` (or
:func:`~podnet.render.safe.md_code_span`), so a name or summary can neither add markup nor start a
code block of its own; commands sit in fences longer than any backtick run inside them, with where
to run them said before the block.
"""

from __future__ import annotations

from ..diagnosis import Diagnosis, Evidence, Step
from ..messages import guide_citation
from .command_notes import markdown_lines
from .labels import LABELS
from .safe import md_code_span, md_fence, md_text, one_line
from .text import check_place, where


def _evidence(ev: Evidence) -> str:
    sign = "✅" if ev.direction == "for" else "❌"
    weight = f" {ev.weight:+.2f}" if ev.weight is not None else ""
    where = f" — {md_code_span(', '.join(ev.observations))}" if ev.observations else ""
    return f"- {sign} {md_text(ev.message)} ({md_code_span(ev.rule)}{weight}){where}"


def _steps(steps: list[Step], run_on: str, lang: str) -> list[str]:
    out = []
    for i, s in enumerate(steps, 1):
        place = where(s, lang)  # type: ignore[arg-type]
        label = f" *({md_text(run_on)} {md_text(place)})*" if place else ""
        out.append(f"{i}. {md_text(s.text)}{label}")
        if s.command:
            out += [*markdown_lines(s, lang, "   "), "", *md_fence([s.command], "sh", indent="   ")]
    return out


def _titled(title: str, ident: str) -> str:
    return f"{md_text(title)} ({md_code_span(ident)})"


def render_markdown(d: Diagnosis) -> str:
    L = LABELS[d.lang]
    out = [f"# {md_text(L['diagnosis'])}: {md_code_span(d.case_id)}", ""]
    if d.summary:
        out += [md_text(one_line(d.summary)), ""]
    out += [f"## {L['symptoms']}", ""]
    for s in d.symptoms + d.findings:
        out.append(f"- **{md_text(s.title)}**" + ("" if s.primary else f" ({L['findings']})"))
        out += ["  " + _evidence(ev) for ev in s.evidence]
    if not d.symptoms and not d.findings:
        out.append(f"- {L['none']}")
    out += ["", f"## {L['causes']}", ""]
    if not d.causes:
        out.append(L["no_cause"])
    for c in d.causes:
        out += [f"### {c.rank}. {_titled(c.title, c.id)} — {L['confidence']} {c.confidence:.2f}", "", md_text(c.explanation), "", f"**{L['why']}**", ""]
        out += [_evidence(ev) for ev in c.evidence]
        out += ["", f"**{L['remediation']}**", ""] + _steps(c.remediation, L["run_on"], d.lang)
        out += ["", f"**{L['verify']}**", ""] + _steps(c.verify, L["run_on"], d.lang)
        out += ["", f"*{L['guide']}: {md_text(guide_citation(c.guide, c.sources, d.lang))}*", ""]
    if d.possible:
        out += [f"**{L['possible']}:**", ""] + [f"- {_titled(p.title, p.id)}" for p in d.possible] + [""]
    if d.ruled_out:
        out += [f"**{L['ruled_out']}:** " + ", ".join(_titled(c.title, c.id) for c in d.ruled_out), ""]
    out += [f"## {L['next_checks']}", ""]
    if not d.next_checks:
        out.append(L["no_checks"])
    for i, chk in enumerate(d.next_checks, 1):
        out += [f"{i}. **{md_text(chk.title)}** ({md_text(check_place(chk, d.lang))}) — {md_text(chk.reason)}", *markdown_lines(chk, d.lang, "   "), ""]
        out += md_fence([chk.command], "sh", indent="   ")
    if d.path and (d.path.explanation or d.path.drawing):
        out += ["", f"## {L['path']}", ""]
        if d.path.explanation:
            out += [md_text(one_line(d.path.explanation)), ""]
        if d.path.drawing:
            out += md_fence(d.path.drawing.split("\n"))
    if d.warnings:
        out += ["", f"## {L['warnings']}", ""]
        out += [f"- {md_code_span(w.code)} {md_text(w.location or '')}: {md_text(w.message)}" for w in d.warnings]
    return "\n".join(out) + "\n"
