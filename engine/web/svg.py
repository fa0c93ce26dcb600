"""The packet path as boxes and arrows for an inline SVG (the template draws them; every text is
escaped there). Built from :mod:`podnet.path`: the hops of the request (and reply) path, what the
captures saw at each hop, and the hop where the packet disappears."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..diagnosis import Diagnosis
    from ..facts.model import FactFile
    from ..knowledge.model import Lang

PER_ROW = 4
BOX_W = 230
BOX_H = 100
GAP_X = 46
GAP_Y = 44
MARGIN = 12
MAX_WIDTH = 34
"""Widest line in a box, in Latin characters (a CJK character counts twice)."""


@dataclass
class Box:
    """One hop: its place, its marking (``seen``, ``lost``, ``fail`` or ``unknown``) and its lines."""

    index: int
    x: int
    y: int
    mark: str
    lines: list[str]
    title: str
    steps: str = ""
    w: int = BOX_W
    h: int = BOX_H


@dataclass
class Lane:
    """The request or the reply path."""

    direction: str
    title: str
    width: int
    height: int
    boxes: list[Box] = field(default_factory=list)
    arrows: list[str] = field(default_factory=list)
    """SVG polyline points, one arrow from each hop to the next."""


@dataclass
class PathView:
    lanes: list[Lane]
    setup: str
    failing: Box | None
    explanation: str | None
    suspects: list[str]


def _width(ch: str) -> int:
    import unicodedata

    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _short(text: str) -> str:
    """The text cut to fit a box (the full text is in the box's tooltip)."""
    used = 0
    for i, ch in enumerate(text):
        used += _width(ch)
        if used > MAX_WIDTH - 1 and i < len(text) - 1:
            return text[:i] + "…"
    return text


def _lane(direction: str, title: str, hops: list[Any], marks: dict[int, str], lang: Lang) -> Lane:
    from ..path.render import fmt_addr, fmt_hop, fmt_step, role_name
    from ..path.profiles import text

    rows = (len(hops) + PER_ROW - 1) // PER_ROW
    width = MARGIN * 2 + PER_ROW * BOX_W + (PER_ROW - 1) * GAP_X
    lane = Lane(direction, title, width, MARGIN * 2 + rows * BOX_H + (rows - 1) * GAP_Y + 14)
    for n, hop in enumerate(hops):
        row, col = divmod(n, PER_ROW)
        x = MARGIN + col * (BOX_W + GAP_X)
        y = MARGIN + 14 + row * (BOX_H + GAP_Y)
        if hop.namespace == "pod":
            where = text("in_pod", lang, pod=hop.pod or hop.pod_ip or "?")
        elif hop.namespace == "external":
            where = text("external_host", lang)
        else:
            where = hop.node or hop.node_ip or "?"
        steps = [fmt_step(s, lang) for s in hop.steps]
        lines = [
            f"[{hop.index}] {hop.interface}",
            role_name(hop.role, lang),
            where,
            fmt_addr(hop.src, lang),
            f"→ {fmt_addr(hop.dst, lang)}",
        ]
        title = "\n".join([fmt_hop(hop, lang), *steps])
        kinds = " · ".join(s.kind.upper().replace("_", "-") for s in hop.steps)
        lane.boxes.append(Box(hop.index, x, y, marks.get(hop.index, "unknown"), [_short(s) for s in lines], title, kinds))
    for a, b in zip(lane.boxes, lane.boxes[1:]):
        if a.y == b.y:
            points = [(a.x + a.w, a.y + a.h // 2), (b.x - 4, b.y + b.h // 2)]
        else:  # down to the next row: below the box, back to the left, into the next box
            mid = a.y + a.h + GAP_Y // 2
            points = [(a.x + a.w // 2, a.y + a.h), (a.x + a.w // 2, mid), (b.x + b.w // 2, mid), (b.x + b.w // 2, b.y - 4)]
        lane.arrows.append(" ".join(f"{px},{py}" for px, py in points))
    return lane


def path_view(facts: FactFile, diagnosis: Diagnosis) -> PathView | None:
    """The path of a case with the captures' verdict, or None when the case does not tell the path
    (no endpoints to place it between)."""
    from ..errors import PodnetError
    from ..path import build_path, hops, localize
    from ..path.profiles import profiles, text

    lang = diagnosis.lang
    try:
        graph = build_path(facts)
        verdict = localize(facts, strict=False) if diagnosis.path is not None else None
        request, reply = hops(graph, "request"), hops(graph, "reply")
    except PodnetError:
        return None
    checks = {c.index: c for c in (verdict.hops if verdict else [])}
    failing = verdict.failing_hop if verdict else None

    def marks(direction: str) -> dict[int, str]:
        out = {}
        for i, c in checks.items():
            seen = c.request_seen if direction == "request" else c.reply_seen
            if seen is not None:
                out[i] = "seen" if seen else "lost"
        if failing is not None and verdict is not None and verdict.direction == direction:
            out[failing.index] = "fail"
        return out

    from .i18n import UI

    lanes = [_lane("request", UI[lang]["path_request"], request, marks("request"), lang)]
    reply_marks = marks("reply")
    if reply_marks:
        lanes.append(_lane("reply", UI[lang]["path_reply"], reply, reply_marks, lang))
    prof = profiles()[graph.graph["profile"]]
    setup = text("plan_setup", lang, cni=prof.title.get(lang), proxy=graph.graph["kube_proxy_mode"])
    fail_box = next((b for lane in lanes for b in lane.boxes if b.mark == "fail"), None)
    summary = diagnosis.path
    return PathView(lanes, setup, fail_box, summary.explanation if summary else None, list(summary.suspects) if summary else [])
