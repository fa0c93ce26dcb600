"""The compact text report, read in five seconds (``podnet diagnose``'s default):

1. one line: the symptom class, the most likely cause's id and its confidence (its title next);
2. the one command to run now and where: the leading cause's first remediation step when the
   cause is confident (:data:`~podnet.knowledge.calibration.CONFIDENT`), else the best next check;
3. the top three causes, each on one line with a confidence bar (how many more, how many ruled out);
4. why: the two or three strongest pieces of evidence for the leading cause;
5. where the packet path loses the packet, when captures tell;
6. a hint that ``--verbose`` (or ``-o wide``) gives the full report (:mod:`podnet.render.text`).

The same thin view of the diagnosis as the full report: values escaped, prose wrapped to the width
(CJK-aware), commands never broken.
"""

from __future__ import annotations

from ..diagnosis import Diagnosis, Evidence, NextCheck, RankedCause, Step
from .labels import LABELS
from .safe import visible
from .terminal import DEFAULT_WIDTH, Lines, cell_len, truncate, wrap
from .text import STYLE, check_place, notes, where

__all__ = ["TOP_CAUSES", "WHY_LINES", "compact_lines", "render_compact"]

TOP_CAUSES = 3
WHY_LINES = 3
BAR = 10
"""Cells of a confidence bar."""


def _bar(confidence: float) -> str:
    full = round(confidence * BAR)
    return "█" * full + "░" * (BAR - full)


def _strongest(evidence: list[Evidence], n: int) -> list[Evidence]:
    """The ``n`` strongest pieces of evidence for a cause (ties by message: the same every run)."""
    pro = [ev for ev in evidence if ev.direction == "for"]
    return sorted(pro, key=lambda ev: (-(ev.weight or 0.0), ev.message))[:n]


def _first_command(cause: RankedCause) -> Step | None:
    return next((s for s in cause.remediation if s.command), None)


def _run_now(out: Lines, d: Diagnosis, width: int) -> None:
    """The one command to run now: a confident cause's first remediation step, else the best check."""
    from ..knowledge.calibration import CONFIDENT

    L = LABELS[d.lang]
    top = d.top
    step = _first_command(top) if top is not None else None
    check: NextCheck | None = d.next_checks[0] if d.next_checks else None
    if step is not None and (top is not None and top.confidence >= CONFIDENT or check is None):
        place = where(step, d.lang)
        head = L["run_now_on"].format(where=place) if place else L["run_now"]
        out.extend(wrap(head, width), STYLE["heading"])
        notes(out, step, "  ", d.lang, width)
        out.add(f"  $ {visible(step.command or '')}", STYLE["command"])
        out.extend(wrap(step.text, width, "    ", "    "), STYLE["comment"])
    elif check is not None:
        place = check_place(check, d.lang)
        out.extend(wrap(L["check_next_on"].format(where=place, title=check.title), width), STYLE["heading"])
        notes(out, check, "  ", d.lang, width)
        out.add(f"  $ {visible(check.command)}", STYLE["command"])
        out.extend(wrap(check.reason, width, "    ", "    "), STYLE["comment"])
    else:
        return
    out.add()


def _causes(out: Lines, d: Diagnosis, width: int) -> None:
    L = LABELS[d.lang]
    shown = d.causes[:TOP_CAUSES]
    if shown:
        out.add(L["top_causes"], STYLE["heading"])
    for c in shown:
        head = f"  {c.rank}. {c.confidence:.2f} "
        ident = f" {c.id}  "
        bar = _bar(c.confidence)
        room = width - cell_len(head) - BAR - cell_len(ident)
        if room < 12:  # a narrow terminal: the title before the bar
            bar, room = "", room + BAR
        title = truncate(c.title, room) if room >= 8 else ""
        style = STYLE["cause"] if c.rank == 1 else ""
        out.spans((head if bar else head.rstrip(), style), (bar, "green" if c.rank == 1 else "dim"), ((ident + title).rstrip(), style))
    extra = []
    if len(d.causes) > TOP_CAUSES:
        extra.append(L["more_causes"].format(n=len(d.causes) - TOP_CAUSES))
    if d.ruled_out:
        extra.append(L["n_ruled_out"].format(n=len(d.ruled_out)))
    if extra:
        out.extend(wrap(L["aside"].format(text=L["sep"].join(extra)), width, "     "), STYLE["comment"])
    if not shown and d.possible:
        out.add(L["possible_short"], STYLE["heading"])
        for p in d.possible[:TOP_CAUSES]:
            out.add(truncate(f"  - {p.id}  {p.title}", width))
    if shown or d.possible:
        out.add()


def _why(out: Lines, d: Diagnosis, width: int) -> None:
    top = d.top
    if top is None:
        return
    strongest = _strongest(top.evidence, WHY_LINES)
    if not strongest:
        return
    out.add(LABELS[d.lang]["why_short"], STYLE["heading"])
    for ev in strongest:
        out.extend(wrap(f"+ {ev.message}", width, "  ", "    "), STYLE["for"])
    out.add()


def _lost(out: Lines, d: Diagnosis, width: int) -> None:
    p = d.path
    if p is None or p.failing_hop is None or p.direction is None:
        return
    L = LABELS[d.lang]
    hop = p.failing_hop
    text = L["lost_at"].format(what=L[f"what_{p.direction}"], index=hop.index, interface=hop.interface, node=hop.node or "?")
    out.extend(wrap(text, width), STYLE["lost"])
    out.add()


def compact_lines(d: Diagnosis, width: int = DEFAULT_WIDTH) -> Lines:
    """The compact report as styled lines (see :func:`render_compact`)."""
    L = LABELS[d.lang]
    out = Lines()
    symptom = L["sep"].join(s.title for s in (d.symptoms or d.findings)) or L["no_symptom"]
    top = d.top
    if top is not None:
        out.extend(wrap(L["headline"].format(symptom=symptom, id=top.id, confidence=f"{top.confidence:.2f}"), width), STYLE["heading"])
        out.extend(wrap(top.title, width, "  ", "  "))
    else:
        out.extend(wrap(L["headline_no_cause"].format(symptom=symptom), width), STYLE["heading"])
        out.extend(wrap(L["no_cause"], width, "  ", "  "))
    out.add()
    _run_now(out, d, width)
    _causes(out, d, width)
    _why(out, d, width)
    _lost(out, d, width)
    if d.warnings:
        first = d.warnings[0]
        text = L["n_warnings"].format(n=len(d.warnings), first=f"{first.code} {first.message}")
        shown = wrap("! " + text, width, "", "  ")
        if len(shown) > 2:  # two lines at most: the second cut with an ellipsis
            shown = [shown[0], truncate(shown[1] + " " + shown[2].strip(), width)]
        out.extend(shown, STYLE["warning"])
    out.extend(wrap(L["hint"], width), STYLE["comment"])
    return out


def render_compact(d: Diagnosis, width: int = DEFAULT_WIDTH, color: bool = False) -> str:
    """The compact report (module docstring), wrapped to ``width`` terminal cells; with ``color``,
    styled with ANSI escapes."""
    return compact_lines(d, width).render(color)
