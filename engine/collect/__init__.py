"""Live fact collection (``podnet collect``): probe from one or more vantage points, get facts.

    from podnet.collect import Plan, Vantage, collect, parse_target
    result = collect([Vantage("netns", "client", role="source_pod")],
                     Plan(targets=[parse_target("10.96.0.10:80")], names=["web.default.svc.cluster.local"]))
    result.facts      # a validated FactFile
    result.warnings   # what could not be observed, and why (English)
    result.texts("zh")  # the same in Chinese (kb/messages/collect.yaml)
"""

from __future__ import annotations

from .netns import Vantage
from .assemble import Collected
from .run import ROLES, collect
from .targets import Plan, Target, parse_target

__all__ = ["Collected", "Plan", "ROLES", "Target", "Vantage", "collect", "parse_target"]
