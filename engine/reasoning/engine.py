"""Run the compiled rules over a case: declare facts, fire, collect firings.

A :class:`Reasoner` is built once per knowledge base (per process) and reused for every
diagnosis; a lock makes it safe to call from several threads. Its experta network holds only the
rules the case's fact kinds can fire (a case with ping and TCP probes never needs the MTU rules):
one network per such rule set, built on first use and kept, so a repeated kind of case reuses it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ..facts.model import FactFile
from ..knowledge.load import Knowledge
from .compile import CompiledRules, Firing, compile_rules, fact_class

MAX_ENGINES = 64
"""Engines kept per process, one per distinct set of rules that cases could fire."""

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
        self._engines: OrderedDict[tuple[int, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def _engine_for(self, kinds: set[str]) -> Any:
        """The engine instance for the rules these fact kinds can fire, built once per rule set
        and kept (least recently used first out, :data:`MAX_ENGINES`); call under the lock."""
        key = self.compiled.relevant(kinds)
        engine = self._engines.get(key)
        if engine is None:
            engine = self._engines[key] = self.compiled.engine_class(key)()
            if len(self._engines) > MAX_ENGINES:
                self._engines.popitem(last=False)
        else:
            self._engines.move_to_end(key)
        return engine

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
        items: list[tuple[str, Any, int, dict[str, Any] | None]] = [
            ("source", facts.endpoints.source, SOURCE_IX, None),
            ("destination", dst, DESTINATION_IX, {"backend_count": len(dst.backends)}),
            ("cluster", facts.cluster, CLUSTER_IX, None),
        ]
        items += [(o.kind, o, i, None) for i, o in enumerate(facts.observations) if i not in skip]  # type: ignore[attr-defined]
        items += [(kind, None, PATH_IX - k, fields) for k, (kind, fields) in enumerate(context)]
        facts_declared = []
        kinds = set()
        for kind, source, ix, extra in items:
            fact = self._fact(kind, source, ix, extra)
            if fact is not None:
                facts_declared.append(fact)
                kinds.add(kind)
        with self._lock:
            engine = self._engine_for(kinds)
            sink = self.compiled.sink
            sink.clear()
            engine.reset()
            engine.declare(*facts_declared)
            engine.run()
            firings = list(sink)
            sink.clear()
        return RunResult(firings=firings)
