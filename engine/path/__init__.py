"""Packet path model, capture plan and capture reading (the guide's tcpdump method).

    graph = build_path(facts)            # the hops, request and reply (graph.to_networkx(): a networkx.DiGraph)
    plan = capture_plan(facts, "zh")     # ordered tcpdump captures: both ends, then bisect
    verdict = localize(facts)            # where the request/reply disappears, suspect causes
    text = render_path(graph, verdict, "en")

The path is a chain walked in plain Python (:mod:`.chain`); networkx is imported only by
``to_networkx()`` (and by the knowledge graph of ``podnet rules graph``), never by a diagnosis.
"""

from __future__ import annotations

from .build import build_path, hops
from .localize import localize
from .model import CaptureCommand, CapturePlan, CaptureStep, Hop, HopCheck, HopRef, PathStep, PathVerdict
from .plan import capture_plan
from .render import render_path, render_plan

__all__ = [
    "CaptureCommand",
    "CapturePlan",
    "CaptureStep",
    "Hop",
    "HopCheck",
    "HopRef",
    "PathStep",
    "PathVerdict",
    "build_path",
    "capture_plan",
    "hops",
    "localize",
    "render_path",
    "render_plan",
]
