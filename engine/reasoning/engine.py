"""Run the compiled rules over a case: declare facts, fire, collect firings.

A :class:`Reasoner` is built once per knowledge base (per process) and reused for every
diagnosis; a lock makes it safe to call from several threads. Its experta network holds only the
rules the case's fact kinds can fire (a case with ping and TCP probes never needs the MTU rules):
one network per such rule set, built on first use and kept, so a repeated kind of case reuses it.

Each observation is declared into the fact class of every pattern it passes, once per distinct
value of the fields that pattern binds (:mod:`.compile`): experta joins patterns by comparing every
pair of facts, so N observations a pattern cannot tell apart would otherwise cost N² or N³ (the
iptables example repeated 400 times took over 60 s and 2 GB). The later copies' indexes travel with
each firing (:attr:`Firing.copies`), so the evidence still names every observation. A run that is
interrupted (an exception, a signal handler raising inside experta) leaves its engine half-updated:
that engine is dropped, never reused.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from typing import Any

from ..facts.model import FactFile
from ..knowledge.load import Knowledge
from .compile import SHARED_KINDS, CompiledRules, Firing, PatternSpec, compile_rules, fact_class

MAX_ENGINES = 64
"""Engines kept per process, one per distinct set of rules that cases could fire."""

SOURCE_IX, DESTINATION_IX, CLUSTER_IX, PATH_IX = -2, -3, -4, -5
"""Fact indexes of the case's context facts (observations use their list index; the k-th derived
context fact, e.g. a packet-path suspect, uses ``PATH_IX - k``)."""


@dataclass
class RunResult:
    firings: list[Firing]


@dataclass
class _RuleSetSpecs:
    """The observation patterns of one rule set: (number, spec) by kind, numbers by rule and alias."""

    by_kind: dict[str, list[tuple[int, PatternSpec]]]
    by_alias: dict[tuple[int, str], list[int]]

    def copies_of(self, firing: Firing, copies: dict[tuple[int, int], list[int]]) -> dict[int, tuple[int, ...]]:
        """For each observation a firing matched, the later ones that were the same pattern fact."""
        out: dict[int, set[int]] = {}
        for alias, ix in firing.fact_indexes.items():
            for n in self.by_alias.get((id(firing.rule), alias), ()):
                if (n, ix) in copies:
                    out.setdefault(ix, set()).update(copies[(n, ix)])
        return {ix: tuple(sorted(found)) for ix, found in out.items()}


def _value(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(v)
    return v


def _key(v: Any) -> Any:
    """A hashable form of a fact field's value (lists and dicts of rule data included)."""
    if isinstance(v, dict):
        return ("{", tuple(sorted((str(k), _key(x)) for k, x in v.items())))
    if isinstance(v, (list, tuple)):
        return ("[", tuple(_key(x) for x in v))
    if isinstance(v, (set, frozenset)):
        return ("(", tuple(sorted(repr(_key(x)) for x in v)))
    try:
        hash(v)
    except TypeError:
        return ("?", repr(v))
    return (type(v).__name__, v)


class Reasoner:
    """A compiled rule set bound to one reusable experta engine instance."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.compiled: CompiledRules = compile_rules(knowledge.rules)
        self._engines: OrderedDict[tuple[int, ...], Any] = OrderedDict()
        self._specs: OrderedDict[tuple[int, ...], _RuleSetSpecs] = OrderedDict()
        self._lock = threading.Lock()

    def _engine_for(self, key: tuple[int, ...]) -> Any:
        """The engine instance for a set of rules (those a case's fact kinds can fire), built
        once per rule set and kept (least recently used first out, :data:`MAX_ENGINES`); call
        under the lock."""
        engine = self._engines.get(key)
        if engine is None:
            engine = self._engines[key] = self.compiled.engine_class(key)()
            if len(self._engines) > MAX_ENGINES:
                self._engines.popitem(last=False)
        else:
            self._engines.move_to_end(key)
        return engine

    def _specs_for(self, key: tuple[int, ...]) -> _RuleSetSpecs:
        """The observation patterns of a rule set, indexed (kept per rule set)."""
        with self._lock:
            found = self._specs.get(key)
        if found is None:
            found = _RuleSetSpecs(defaultdict(list), defaultdict(list))
            for n, spec in enumerate(self.compiled.specs_of(key)):
                found.by_kind[spec.kind].append((n, spec))
                found.by_alias[(id(spec.rule), spec.alias)].append(n)
            with self._lock:
                self._specs[key] = found
                if len(self._specs) > MAX_ENGINES:
                    self._specs.popitem(last=False)
        return found

    def _fields(self, kind: str, source: Any, extra: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """The fields of a fact the rules read (None for a kind no rule reads)."""
        if kind not in self.compiled.kinds:
            return None
        data: dict[str, Any] = {}
        for name in self.compiled.fields_used.get(kind, ()):
            value = extra.get(name) if extra and name in extra else getattr(source, name, None)
            if value is not None:
                data[name] = _value(value)
        return data

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
            ("destination", dst, DESTINATION_IX, destination_derived(facts)),
            ("cluster", facts.cluster, CLUSTER_IX, None),
        ]
        items += [(o.kind, o, i, None) for i, o in enumerate(facts.observations) if i not in skip]  # type: ignore[attr-defined]
        items += [(kind, None, PATH_IX - k, fields) for k, (kind, fields) in enumerate(context)]
        observed: list[tuple[str, dict[str, Any], int]] = []
        facts_declared = []
        kinds = set()
        for kind, source, ix, extra in items:
            data = self._fields(kind, source, extra)
            if data is None:
                continue
            kinds.add(kind)
            if kind in SHARED_KINDS:
                facts_declared.append(fact_class(kind)(ix=ix, **data))
            else:
                observed.append((kind, data, ix))
        key = self.compiled.relevant(kinds)
        specs = self._specs_for(key)
        # each observation into the class of every pattern it passes, once per distinct value
        first: dict[tuple[int, Any], int] = {}
        copies: dict[tuple[int, int], list[int]] = {}
        for kind, data, ix in observed:
            for n, spec in specs.by_kind.get(kind, ()):
                fields = spec.project(data)
                if fields is None:
                    continue
                seen = first.setdefault((n, _key(fields)), ix)
                if seen != ix:
                    copies.setdefault((n, seen), []).append(ix)
                else:
                    facts_declared.append(spec.cls(ix=ix, **fields))
        with self._lock:
            engine = self._engine_for(key)
            sink = self.compiled.sink
            sink.clear()
            try:
                engine.reset()
                engine.declare(*facts_declared)
                engine.run()
                firings = list(sink)
            except BaseException:
                # interrupted half-way (a signal handler raising, MemoryError...): experta's
                # network and agenda may hold this run's partial state, which reset() does not
                # wholly clear; a fresh engine is built on the next call instead
                self._engines.pop(key, None)
                raise
            finally:
                sink.clear()
        if copies:
            for f in firings:
                f.copies = specs.copies_of(f, copies)
        return RunResult(firings=firings)


def destination_derived(facts: FactFile) -> dict[str, Any]:
    """The fields the engine derives for the ``destination`` fact, beyond the destination's own
    (``backend_count``, ``in_cluster_range``, ``source_is_backend``, ``source_is_destination``)."""
    return {"backend_count": len(facts.endpoints.destination.backends), "in_cluster_range": _outside_in_range(facts),
            "source_is_backend": _source_is_backend(facts), "source_is_destination": source_is_destination(facts)}


def _source_is_backend(facts: FactFile) -> bool | None:
    """The source Pod is itself one of the destination Service's backends (a Pod reaching itself
    through its own Service: hairpin traffic); None when the backends or the source are not known."""
    src, dst = facts.endpoints.source, facts.endpoints.destination
    if dst.kind != "service" or src.kind != "pod" or not dst.backends or not (src.ip or src.name):
        return None
    return any((src.ip and b.ip == src.ip) or (src.name and b.pod == src.name) for b in dst.backends)


def source_is_destination(facts: FactFile) -> bool | None:
    """The source Pod is the destination Pod itself, or one of the Service's backends: a probe run in
    the source Pod is run inside the destination Pod. None when the source or destination is not known."""
    src, dst = facts.endpoints.source, facts.endpoints.destination
    if dst.kind == "service":
        return _source_is_backend(facts)
    if dst.kind != "pod" or src.kind != "pod" or not (src.ip or src.name) or not (dst.ip or dst.name):
        return None
    return bool((src.ip and src.ip == dst.ip) or (src.name and src.name == dst.name and src.namespace == dst.namespace))


def _outside_in_range(facts: FactFile) -> bool | None:
    """Whether the flow targets a host outside the Pod network at an address inside the cluster's
    Pod or Service CIDR: a node or external destination, or a Service backend that is a node's own
    address (a hostNetwork endpoint such as the API server). None for Pod targets or when unknown."""
    dst, cluster = facts.endpoints.destination, facts.cluster
    if dst.kind in ("external", "node"):
        return cluster.in_cluster_range(dst.ip)
    node_ips = {n.internal_ip for n in cluster.nodes if n.internal_ip} | {b.node_ip for b in dst.backends if b.node_ip}
    if dst.node_ip:  # the destination's node (a Service's: its backend's), as a triage answer gives it
        node_ips.add(dst.node_ip)
    hosts = [b.ip for b in dst.backends if b.ip in node_ips]
    found = [cluster.in_cluster_range(ip) for ip in hosts]
    known = [f for f in found if f is not None]
    return any(known) if known else None
