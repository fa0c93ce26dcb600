"""Compile checked YAML rules into experta rules, each on first use, once per process.

Each pattern over an observation kind gets an experta ``Fact`` class of its own (a *pattern
fact*). Its field tests without variables (literals, ``ne``, ``in``, ``gt``...) are not left to the
network: the engine runs them on each observation before declaring it (:class:`PatternSpec`, with
experta's own ``FeatureCheck``, so the semantics are experta's), and declares into the pattern's
class only the observations that pass, holding only the fields the pattern binds or joins on, once
per distinct value (the later ones are recorded as copies of the first). experta joins the patterns
of a rule by comparing every pair of facts, so this keeps the joins small whatever the number of
observations: N observations that a pattern cannot tell apart are one fact, not N, and a rule
over two or three such patterns costs N, not N² or N³ (issue 18).

Context facts (source, destination, cluster, packet-path suspects) and the symptoms and findings
rules derive share one class per kind, with their field tests in the network as before;
``all`` / ``any`` / ``not`` become ``AND`` / ``OR`` / ``NOT``. The three phases map to salience
levels.
"""

from __future__ import annotations

import inspect
import operator
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

from .._experta import AND, MATCH, NOT, OR, Fact, FeatureCheck, KnowledgeEngine, L, P, Rule, W
from ..knowledge.conditions import All, Constraint, Node, Not, Pattern, contains, patterns
from ..knowledge.load import PHASES, Rule as KbRule

SALIENCE = {phase: (len(PHASES) - i) * 10 for i, phase in enumerate(PHASES)}
"""finding 30 > symptom 20 > cause 10: every finding fires before any symptom rule, and so on."""

_NUMERIC: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


@dataclass
class Firing:
    """One activation of a rule: which facts matched (by fact index) and what variables bound.

    ``copies`` maps a matched observation index to the indexes of the later observations that
    were the same fact for the rules (they were not declared again; see :mod:`.engine`)."""

    rule: KbRule
    fact_indexes: dict[str, int]
    bindings: dict[str, Any]
    copies: dict[int, tuple[int, ...]] = field(default_factory=dict)


MAX_KIND_SETS = 4096
"""Sets of fact kinds whose rule selection is remembered (one entry per distinct kind of case)."""

SHARED_KINDS = frozenset({"symptom", "finding", "source", "destination", "cluster", "path_suspect"})
"""Fact kinds with one class shared by every pattern: the case's context and derived facts (one
or a few per case). Every other kind is an observation kind, with a class per pattern."""


@dataclass
class PatternSpec:
    """One pattern over an observation kind: its own Fact class, the tests an observation must
    pass to be declared into it, and the fields the declared fact keeps (those with a variable)."""

    entry: int
    rule: KbRule
    alias: str
    kind: str
    cls: type
    checks: tuple[Any, ...]
    bound: tuple[str, ...]

    def project(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """The fields to declare for an observation's rule fields, or None when it cannot match
        (a test fails, or a field the pattern binds is missing, which fails in experta too)."""
        for check in self.checks:
            if not check(data):
                return None
        out = {}
        for name in self.bound:
            if name not in data:
                return None
            out[name] = data[name]
        return out


@dataclass
class _Entry:
    """One rule: what it needs and concludes (for :meth:`CompiledRules.relevant`), and its experta
    conditions and action, compiled on first use (:meth:`CompiledRules.compiled`) so that a
    process pays only for the rules its cases can fire."""

    name: str
    index: int
    rule: KbRule
    salience: int
    needs: Node
    concludes: str | None  # "symptom:X" / "finding:Y" for rules that derive facts, else None
    lhs: list[Any] | None = None
    action: Any = None
    specs: list[PatternSpec] = field(default_factory=list)


@dataclass
class CompiledRules:
    """The rules as experta conditions and actions, which fact kinds and fields they read, and
    engine classes built on demand for the rules a case can fire (see :meth:`engine_class_for`)."""

    entries: list[_Entry]
    kinds: frozenset[str]
    fields_used: dict[str, frozenset[str]]
    rules: list[KbRule]
    sink: list[Firing] = field(default_factory=list)

    _relevant_memo: dict[frozenset[str], tuple[int, ...]] = field(default_factory=dict, repr=False)
    _by_atom: dict[str, list[int]] | None = field(default=None, repr=False)
    _compile_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def compiled(self, i: int) -> _Entry:
        """Rule ``i`` with its experta conditions, action and pattern specs (compiled once, on
        first use; thread-safe: the engine and the pattern specs must share one compilation)."""
        e = self.entries[i]
        if e.lhs is None:
            with self._compile_lock:
                if e.lhs is None:
                    _compile_entry(e, self.sink)
        return e

    def specs_of(self, indexes: tuple[int, ...] | range | None = None) -> list[PatternSpec]:
        """The observation patterns of these rules (all by default), in rule order."""
        chosen = range(len(self.entries)) if indexes is None else indexes
        return [sp for i in chosen for sp in self.compiled(i).specs]

    @property
    def specs(self) -> list[PatternSpec]:
        """Every observation pattern of every rule, in rule order (compiles every rule)."""
        return self.specs_of()

    def relevant(self, available: set[str]) -> tuple[int, ...]:
        """Indexes of the rules that can fire with these fact kinds present: a rule whose positive
        patterns need a kind no observation provides (or a finding or symptom no included rule
        derives) never fires, so leaving it out of the network changes nothing but its size.

        Remembered per set of kinds (cases of one kind share it), and found in time linear in
        the rules: each rule is tested once, and again only when a rule chosen before concludes a
        kind it mentions."""
        key = frozenset(available)
        found = self._relevant_memo.get(key)
        if found is None:
            found = self._select(key)
            if len(self._relevant_memo) >= MAX_KIND_SETS:
                self._relevant_memo.clear()
            self._relevant_memo[key] = found
        return found

    def _select(self, available: frozenset[str]) -> tuple[int, ...]:
        if self._by_atom is None:
            by_atom: dict[str, list[int]] = defaultdict(list)
            for i, e in enumerate(self.entries):
                for atom in _atoms(e.needs):
                    by_atom[atom].append(i)
            self._by_atom = dict(by_atom)
        have = set(available)
        chosen: set[int] = set()
        todo = list(range(len(self.entries)))
        while todo:
            added: set[str] = set()
            for i in todo:
                e = self.entries[i]
                if i in chosen or not _can_fire(e.needs, have):
                    continue
                chosen.add(i)
                if e.concludes:
                    for atom in (e.concludes, e.concludes.split(":")[0]):
                        if atom not in have:
                            have.add(atom)
                            added.add(atom)
            todo = sorted({i for atom in added for i in self._by_atom.get(atom, ()) if i not in chosen})
        return tuple(sorted(chosen))

    def engine_class(self, indexes: tuple[int, ...] | None = None) -> type[KnowledgeEngine]:
        """An engine class over these rules (all by default), with fresh experta Rule objects."""
        chosen = range(len(self.entries)) if indexes is None else indexes
        namespace = {}
        for i in chosen:
            e = self.compiled(i)
            namespace[e.name] = Rule(*(e.lhs or ()), salience=e.salience)(e.action)
        return type("PodnetEngine", (KnowledgeEngine,), namespace)


def _needs(p: Pattern) -> str:
    if p.kind in ("symptom", "finding"):
        key = next((c.value for c in p.constraints if c.field in ("class", "name") and c.op == "eq" and c.var is None), None)
        return f"{p.kind}:{key}" if key else p.kind
    return p.kind


def _atoms(node: Node) -> set[str]:
    """What a condition's positive patterns need (see :func:`_needs`)."""
    if isinstance(node, Pattern):
        return {_needs(node)}
    if isinstance(node, Not):
        return set()
    return set().union(*(_atoms(i) for i in node.items))


def _can_fire(node: Node, have: set[str]) -> bool:
    if isinstance(node, Pattern):
        return _needs(node) in have
    if isinstance(node, Not):
        return True
    if isinstance(node, All):
        return all(_can_fire(i, have) for i in node.items)
    return any(_can_fire(i, have) for i in node.items)


def _predicate(op: str, value: Any) -> P:
    if op in _NUMERIC:
        fn = _NUMERIC[op]
        return P(lambda x, fn=fn, v=value: isinstance(x, (int, float)) and not isinstance(x, bool) and fn(x, v))
    if op == "in":
        allowed = frozenset(value)
        return P(lambda x, allowed=allowed: x in allowed)
    if op == "not_in":
        banned = frozenset(value)
        return P(lambda x, banned=banned: x not in banned)
    if op == "contains":
        return P(lambda x, v=value: contains(x, v))
    raise ValueError(op)


def _field_constraint(c: Constraint) -> Any:
    if c.var is not None:
        return MATCH.__getattr__(c.var) if c.op == "eq" else ~W(c.var)
    if c.op == "eq":
        return L(c.value)
    if c.op == "ne":
        return ~L(c.value)
    return _predicate(c.op, c.value)


_FACT_CLASSES: dict[str, type] = {}


def fact_class(kind: str) -> type:
    """One experta Fact subclass per kind: the type check splits the alpha network by kind."""
    cls = _FACT_CLASSES.get(kind)
    if cls is None:
        cls = _FACT_CLASSES[kind] = type(f"F_{kind}", (Fact,), {})
    return cls


def _combined(parts: list[Any]) -> Any:
    combined = parts[0]
    for extra in parts[1:]:
        combined = combined & extra
    return combined


def _pattern(p: Pattern, negated: bool, entry: int, rule: KbRule, specs: list[PatternSpec]) -> Any:
    grouped: dict[str, list[Any]] = defaultdict(list)
    tests: list[Any] = []
    shared = p.kind in SHARED_KINDS
    for c in p.constraints:
        if shared or c.var is not None:
            grouped[c.field].append(_field_constraint(c))
        else:
            tests.append(FeatureCheck(c.field, _field_constraint(c)))
    kwargs = {name: _combined(parts) for name, parts in grouped.items()}
    if not negated:
        kwargs["ix"] = MATCH.__getattr__(f"_ix_{p.alias}")
    if shared:
        return fact_class(p.kind)(**kwargs)
    cls = type(f"F_{p.kind}_{entry}_{len(specs)}", (Fact,), {})
    specs.append(PatternSpec(entry, rule, p.alias, p.kind, cls, tuple(tests), tuple(grouped)))
    return cls(**kwargs)


def _lhs(node: Node, entry: int, rule: KbRule, specs: list[PatternSpec], negated: bool = False) -> Any:
    if isinstance(node, Pattern):
        return _pattern(node, negated, entry, rule, specs)
    if isinstance(node, Not):
        return NOT(_lhs(node.item, entry, rule, specs, True))
    items = [_lhs(item, entry, rule, specs, negated) for item in node.items]
    if len(items) == 1:
        return items[0]
    return AND(*items) if isinstance(node, All) else OR(*items)


def _compile_entry(e: _Entry, sink: list[Firing]) -> None:
    """Give an entry its experta conditions (``lhs``), pattern specs and action."""
    rule = e.rule
    aliases = [p.alias for p, neg in patterns(rule.condition) if not neg]

    def action(engine: Any, __rule: KbRule = rule, __aliases: list[str] = aliases, **bound: Any) -> None:
        indexes = {a: bound[f"_ix_{a}"] for a in __aliases if f"_ix_{a}" in bound}
        variables = {k: v for k, v in bound.items() if not k.startswith("_ix_")}
        sink.append(Firing(__rule, indexes, variables))
        then = __rule.spec.then
        if then.symptom:
            engine.declare(fact_class("symptom")(**{"class": then.symptom, "ix": -1}))
        elif then.finding:
            engine.declare(fact_class("finding")(name=then.finding, ix=-1))

    # experta re-wraps the action for every DNF rewrite and asks inspect.signature each time;
    # a precomputed __signature__ makes that a lookup (this halves engine build time)
    action.__signature__ = inspect.signature(action)  # type: ignore[attr-defined]
    # a top-level `all` becomes the rule's own list of conditions (experta ANDs them), which
    # spares its DNF rewriting one level of nesting per rule
    top = rule.condition.items if isinstance(rule.condition, All) else (rule.condition,)
    specs: list[PatternSpec] = []
    lhs = [_lhs(item, e.index, rule, specs) for item in top]
    e.specs, e.action, e.lhs = specs, action, lhs  # lhs last: it marks the entry compiled


def compile_rules(rules: list[KbRule]) -> CompiledRules:
    """Index checked rules for the engine (once per process): the fact kinds and fields they
    read, and an entry per rule whose experta conditions are compiled on first use."""
    kinds = {p.kind for r in rules for p, _ in patterns(r.condition)} | {"symptom", "finding"}
    used: dict[str, set[str]] = defaultdict(set)
    for r in rules:
        for p, _ in patterns(r.condition):
            used[p.kind].update(c.field for c in p.constraints)
    entries: list[_Entry] = []
    for n, rule in enumerate(rules):
        then = rule.spec.then
        concludes = f"symptom:{then.symptom}" if then.symptom else (f"finding:{then.finding}" if then.finding else None)
        entries.append(
            _Entry(
                name=f"r{n:04d}_{rule.id.replace('-', '_')}",
                index=n,
                rule=rule,
                salience=SALIENCE[rule.phase],
                needs=rule.condition,
                concludes=concludes,
            )
        )
    return CompiledRules(
        entries=entries,
        kinds=frozenset(kinds),
        fields_used={k: frozenset(v) for k, v in used.items()},
        rules=rules,
    )
