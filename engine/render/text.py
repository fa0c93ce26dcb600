"""The full plain-text report (``podnet diagnose --verbose`` or ``-o wide``): every symptom, cause,
piece of evidence, remediation and verification step, next check and the packet path.

Every value is printed through :func:`~podnet.render.safe.visible` (control characters escaped),
and where to run a command is said on a comment line of its own before it, so that no value can
start a line of its own or end a comment early. Prose is wrapped to the width asked for
(:func:`~podnet.render.terminal.wrap`, CJK-aware); commands are never broken, so that they can be
copied as printed. The compact default report is :mod:`podnet.render.compact`.
"""

from __future__ import annotations

from ..diagnosis import Diagnosis, Evidence, NextCheck, PathSummary, Step
from ..knowledge.model import Lang
from ..messages import guide_citation
from .command_notes import comment_lines
from .labels import LABELS
from .safe import one_line, visible
from .terminal import DEFAULT_WIDTH, Lines, cell_len, wrap

__all__ = ["path_lines", "render_text", "role_label", "text_lines", "where"]

STYLE = {
    "heading": "bold",
    "cause": "bold",
    "command": "cyan",
    "comment": "dim",
    "for": "green",
    "against": "red",
    "warning": "yellow",
    "lost": "bold red",
}
"""The rich style of each kind of line (shown only with colour)."""


def _evidence(ev: Evidence, indent: str, width: int) -> list[str]:
    sign = "+" if ev.direction == "for" else "-"
    weight = f" {ev.weight:+.2f}" if ev.weight is not None else ""
    at = f" [{', '.join(ev.observations)}]" if ev.observations else ""
    return wrap(f"{sign} {ev.message} ({ev.rule}{weight}){at}", width, indent)


def role_label(role: str, lang: Lang) -> str:
    """A vantage point (``source_node``...) for people: "source node", "源节点"; an unknown one as is."""
    return LABELS[lang].get(f"vantage_{role}", role)


def check_place(check: NextCheck, lang: Lang) -> str:
    """Where a next check runs and what it is about, for people: "source node, to the destination
    node"; a qualifier without a label (``scope=same_node``) as ``key=value``."""
    words = [role_label(check.at, lang)]
    for key, value in check.detail.items():
        words.append(LABELS[lang].get(f"check_{key}_{value}", f"{key}={value}"))
    return ", ".join(words)


def where(s: Step, lang: Lang) -> str | None:
    """Where a step's command runs: ``yq01-aip-aikefu12 (source node)``, or the role alone."""
    role = role_label(s.run_at, lang) if s.run_at else None
    if s.run_on:
        return LABELS[lang]["where_named"].format(name=s.run_on, role=role) if role else s.run_on
    return role


def _steps(out: Lines, steps: list[Step], indent: str, lang: Lang, width: int) -> None:
    run_on = LABELS[lang]["run_on"]
    for i, s in enumerate(steps, 1):
        out.extend(wrap(f"{i}. {s.text}", width, indent))
        if s.command:
            place = where(s, lang)
            if place:
                out.extend(comment(f"{run_on} {place}", f"{indent}     ", width), STYLE["comment"])
            notes(out, s, f"{indent}     ", lang, width)
            out.add(f"{indent}     $ {visible(s.command)}", STYLE["command"])


def comment(text: str, indent: str, width: int) -> list[str]:
    """A ``#`` comment line, wrapped: each of its lines starts with ``#`` again (a pasted block stays shell)."""
    return wrap(text, width, f"{indent}# ", f"{indent}#   ")


def notes(out: Lines, item: Step | NextCheck, indent: str, lang: Lang, width: int) -> None:
    """The comment lines before a command: a warning when it changes the system (in the warning's
    colour), the values to fill in (:mod:`podnet.render.command_notes`)."""
    warning = getattr(item, "warning", None)
    for k, line in enumerate(comment_lines(item, lang)):
        out.extend(comment(line.removeprefix("# "), indent, width), STYLE["warning"] if warning and k == 0 else STYLE["comment"])


def path_lines(p: PathSummary, ruled_out: set[str], width: int) -> list[str]:
    """The packet path's drawing, each line wrapped to ``width`` (continuations indented under it),
    the closing explanation wrapped as a paragraph, and causes the report rules out left out of
    the suspects' line."""
    explanation = visible(p.explanation).strip() if p.explanation else None
    suspects = ", ".join(p.suspects)
    out: list[str] = []
    for line in (p.drawing or "").rstrip("\n").split("\n"):
        body = line.lstrip(" ")
        indent = "  " + line[: len(line) - len(body)]
        if explanation and body.strip() == explanation:
            out += wrap(body, width, indent, indent)
            continue
        if p.suspects and ruled_out and body.endswith(suspects):
            kept = [s for s in p.suspects if s not in ruled_out]
            if not kept:
                continue
            body = body[: len(body) - len(suspects)] + ", ".join(kept)
        if cell_len(indent + body) <= width:  # as drawn (its double spaces separate columns)
            out.append(indent + body)
        else:
            out += wrap(body, width, indent, indent + "      ")
    if explanation and not p.drawing:
        out += wrap(explanation, width, "  ")
    return out


def text_lines(d: Diagnosis, width: int = DEFAULT_WIDTH) -> Lines:
    """The full report as styled lines (see :func:`render_text`)."""
    L = LABELS[d.lang]
    out = Lines()
    out.extend(wrap(f"{L['diagnosis']} — {L['case']}: {d.case_id}", width), STYLE["heading"])
    if d.summary:
        out.extend(wrap(one_line(d.summary), width, "  "))
    out.add()
    out.extend(wrap(f"{L['symptoms']}: " + (", ".join(s.title for s in d.symptoms) or L["none"]), width), STYLE["heading"])
    for s in d.symptoms + d.findings:
        out.extend(wrap(f"* {s.title}" + ("" if s.primary else f" ({L['findings']})"), width, "  "))
        for ev in s.evidence:
            out.extend(_evidence(ev, "      ", width), STYLE[ev.direction])
    out.add()
    if not d.causes:
        out.extend(wrap(L["no_cause"], width))
    else:
        out.add(f"{L['causes']}:", STYLE["heading"])
    for c in d.causes:
        out.add()
        out.extend(wrap(f"#{c.rank} {c.title} [{c.id}] — {L['confidence']} {c.confidence:.2f}", width, "", "   "), STYLE["cause"])
        out.extend(wrap(c.explanation, width, "   "))
        out.add(f"   {L['why']}:")
        for ev in c.evidence:
            out.extend(_evidence(ev, "     ", width), STYLE[ev.direction])
        out.add(f"   {L['remediation']}:")
        _steps(out, c.remediation, "     ", d.lang, width)
        out.add(f"   {L['verify']}:")
        _steps(out, c.verify, "     ", d.lang, width)
        out.extend(wrap(f"{L['guide']}: {guide_citation(c.guide, c.sources, d.lang)}", width, "   "))
    if d.possible:
        out.add()
        out.extend(wrap(f"{L['possible']}:", width))
        for p in d.possible:
            out.extend(wrap(f"- {p.title} [{p.id}]", width, "  "))
    if d.ruled_out:
        out.add()
        out.extend(wrap(f"{L['ruled_out']}: " + ", ".join(f"{c.title} [{c.id}]" for c in d.ruled_out), width))
    out.add()
    out.add(f"{L['next_checks']}:", STYLE["heading"])
    if not d.next_checks:
        out.extend(wrap(L["no_checks"], width, "  "))
    for i, chk in enumerate(d.next_checks, 1):
        place = check_place(chk, d.lang)
        out.extend(wrap(f"{i}. {chk.title} ({place}) — {chk.reason}", width, "  ", "     "))
        notes(out, chk, "     ", d.lang, width)
        out.add(f"     $ {visible(chk.command)}", STYLE["command"])
    if d.path and (d.path.explanation or d.path.drawing):
        out.add()
        out.add(f"{L['path']}:", STYLE["heading"])
        out.extend(path_lines(d.path, {c.id for c in d.ruled_out}, width))
    if d.warnings:
        out.add()
        out.add(f"{L['warnings']}:", STYLE["heading"])
        for w in d.warnings:
            out.extend(wrap(f"! {w.code} {w.location or ''}: {w.message}", width, "  "), STYLE["warning"])
    return out


def render_text(d: Diagnosis, width: int = DEFAULT_WIDTH, color: bool = False) -> str:
    """The full report, wrapped to ``width`` terminal cells (commands are never broken); with
    ``color``, styled with ANSI escapes."""
    return text_lines(d, width).render(color)
