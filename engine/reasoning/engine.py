"""Run the compiled rules over a case: declare facts, fire, collect firings.

A :class:`Reasoner` is built once per knowledge base (per process) and reused for every
diagnosis; a lock makes it safe to call from several threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from ..facts.model import FactFile
from ..knowledge.load import Knowledge
from .compile import CompiledRules, Firing, compile_rules, fact_class

SOURCE_IX, DESTINATION_IX, CLUSTER_IX, PATH_IX = -2, -3, -4, -5
"""Fact indexes of the case's context facts (observations use their list index; the k-th derived
context fact, e.g. a packet-path suspect, uses ``PATH_IX - k``)."""


@dataclass
class RunResult:
    firings: list[Firing]


def _value(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(v)
    return v


class Reasoner:
    """A compiled rule set bound to one reusable experta engine instance."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.compiled: CompiledRules = compile_rules(knowledge.rules)
        self._engine = self.compiled.engine_class()
        self._lock = threading.Lock()

    def _fact(self, kind: str, source: Any, ix: int, extra: dict[str, Any] | None = None) -> Any:
        if kind not in self.compiled.kinds:
            return None
        data: dict[str, Any] = {"ix": ix}
        for name in self.compiled.fields_used.get(kind, ()):
            value = extra.get(name) if extra and name in extra else getattr(source, name, None)
            if value is not None:
                data[name] = _value(value)
        return fact_class(kind)(**data)

    def run(
        self,
        facts: FactFile,
        skip: set[int] = frozenset(),  # type: ignore[assignment]
        context: list[tuple[str, dict[str, Any]]] = (),  # type: ignore[assignment]
    ) -> RunResult:
        """Fire every rule on the case; observations whose index is in ``skip`` are left out;
        ``context`` adds derived facts (kind, fields), e.g. the packet path's suspects."""
        dst = facts.endpoints.destination
        declared = [
            self._fact("source", facts.endpoints.source, SOURCE_IX),
            self._fact("destination", dst, DESTINATION_IX, {"backend_count": len(dst.backends)}),
            self._fact("cluster", facts.cluster, CLUSTER_IX),
        ]
        for i, obs in enumerate(facts.observations):
            if i not in skip:
                declared.append(self._fact(obs.kind, obs, i))  # type: ignore[attr-defined]
        for k, (kind, fields) in enumerate(context):
            declared.append(self._fact(kind, None, PATH_IX - k, fields))
        with self._lock:
            sink = self.compiled.sink
            sink.clear()
            engine = self._engine
            engine.reset()
            engine.declare(*[f for f in declared if f is not None])
            engine.run()
            firings = list(sink)
            sink.clear()
        return RunResult(firings=firings)
