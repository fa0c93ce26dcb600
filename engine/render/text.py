"""Plain-text report for a terminal.

Every value is printed through :func:`~podnet.render.safe.visible` (control characters escaped),
and where to run a command is said on a comment line of its own before it, so that no value can
start a line of its own or end a comment early.
"""

from __future__ import annotations

import textwrap

from ..diagnosis import Diagnosis, Evidence, Step
from .labels import LABELS
from .safe import one_line, visible


MAX_PARAGRAPH = 100_000
"""Longest paragraph wrapped; the rest is cut, with a note saying how much. Fact files cap free
text well below this (the summary at 64 KiB), but a diagnosis built by a library user is not
checked, and textwrap slows down sharply on megabytes (a 7 MB summary took 27 s, 7 MB of blanks 85 s)."""


def _wrap(text: str, indent: str) -> list[str]:
    if len(text) > MAX_PARAGRAPH:
        text = f"{text[:MAX_PARAGRAPH]} ... (+{len(text) - MAX_PARAGRAPH} characters not shown)"
    text = visible(text)
    # Chinese has no spaces to break at and its characters take two columns: wrap at half width.
    wide = any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text)
    width = 60 if wide else 100
    return textwrap.wrap(
        text, width=width, initial_indent=indent, subsequent_indent=indent + "  ", break_on_hyphens=False
    ) or [indent]


def _evidence(ev: Evidence, indent: str) -> list[str]:
    sign = "+" if ev.direction == "for" else "-"
    weight = f" {ev.weight:+.2f}" if ev.weight is not None else ""
    where = f" [{', '.join(ev.observations)}]" if ev.observations else ""
    return _wrap(f"{sign} {ev.message} ({ev.rule}{weight}){where}", indent)


def _where(s: Step, run_on: str) -> str | None:
    """``run on NAME (vantage)`` for the comment line before a step's command."""
    if s.run_on:
        return f"{run_on} {s.run_on} ({s.run_at})" if s.run_at else f"{run_on} {s.run_on}"
    return f"{run_on} {s.run_at}" if s.run_at else None


def _steps(steps: list[Step], indent: str, run_on: str) -> list[str]:
    out = []
    for i, s in enumerate(steps, 1):
        out += _wrap(f"{i}. {s.text}", indent)
        if s.command:
            where = _where(s, run_on)
            if where:
                out.append(f"{indent}     # {visible(where)}")
            out.append(f"{indent}     $ {visible(s.command)}")
    return out


def render_text(d: Diagnosis) -> str:
    L = LABELS[d.lang]
    out = [f"{L['diagnosis']} — {L['case']}: {visible(d.case_id)}"]
    if d.summary:
        out += _wrap(one_line(d.summary), "  ")
    out.append("")
    out.append(f"{L['symptoms']}: " + (", ".join(s.title for s in d.symptoms) or L["none"]))
    for s in d.symptoms + d.findings:
        out.append(f"  * {s.title}" + ("" if s.primary else f" ({L['findings']})"))
        for ev in s.evidence:
            out += _evidence(ev, "      ")
    out.append("")
    if not d.causes:
        out.append(L["no_cause"])
    else:
        out.append(f"{L['causes']}:")
    for c in d.causes:
        out.append("")
        out.append(f"#{c.rank} {c.title} [{c.id}] — {L['confidence']} {c.confidence:.2f}")
        out += _wrap(c.explanation, "   ")
        out.append(f"   {L['why']}:")
        for ev in c.evidence:
            out += _evidence(ev, "     ")
        out.append(f"   {L['remediation']}:")
        out += _steps(c.remediation, "     ", L["run_on"])
        out.append(f"   {L['verify']}:")
        out += _steps(c.verify, "     ", L["run_on"])
        out.append(f"   {L['guide']}: {c.guide}")
    if d.possible:
        out.append("")
        out.append(f"{L['possible']}:")
        for p in d.possible:
            out += _wrap(f"- {p.title} [{p.id}]", "  ")
    if d.ruled_out:
        out.append("")
        out.append(f"{L['ruled_out']}: " + ", ".join(f"{c.title} [{c.id}]" for c in d.ruled_out))
    out.append("")
    out.append(f"{L['next_checks']}:")
    if not d.next_checks:
        out.append(f"  {L['no_checks']}")
    for i, chk in enumerate(d.next_checks, 1):
        where = ", ".join([chk.at] + [f"{k}={v}" for k, v in chk.detail.items()])
        out += _wrap(f"{i}. {chk.title} ({where}) — {chk.reason}", "  ")
        out.append(f"     $ {visible(chk.command)}")
    if d.path and (d.path.explanation or d.path.drawing):
        out.append("")
        out.append(f"{L['path']}:")
        if d.path.explanation and not d.path.drawing:
            out += _wrap(d.path.explanation, "  ")
        if d.path.drawing:
            out += ["  " + visible(line) for line in d.path.drawing.split("\n")]
    if d.warnings:
        out.append("")
        out.append(f"{L['warnings']}:")
        for w in d.warnings:
            out += _wrap(f"! {w.code} {w.location or ''}: {w.message}", "  ")
    # Every line is built from one piece of the diagnosis; escaping each once more catches any
    # value a future line forgets to pass through visible() (escaping is idempotent).
    return "\n".join(visible(line) for line in out) + "\n"
