"""The checked knowledge as plain data (JSON types only) and back, for the disk cache.

Plain data cannot run code when it is read, unlike a pickle. Going back, the models are
validated again (``model_validate`` of JSON-loaded dicts is faster than a hand-walked
``model_construct``: about 10 ms for the bundled knowledge, schema build included), so a cache
file that is not what this code wrote fails like a bad rule file would, and is then rebuilt.
Condition trees are tagged lists: ``["all", [...]]``, ``["any", [...]]``, ``["not", node]`` and
``["pattern", kind, alias, [[field, op, value, var], ...]]``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import BaseModel

from .conditions import All, AnyOf, Constraint, Node, Not, Pattern
from .base import Knowledge, Rule
from .model import Cause, ComponentMessage, DerivedFinding, InterfaceRole, ObservationKind, RuleSpec, Symptom

FORMAT = 3
"""Bumped whenever the shape below changes (part of the cache key)."""


class NotPlain(TypeError):
    """A value that JSON cannot carry unchanged (the knowledge is then not cached)."""


def _check_plain(value: Any) -> Any:
    """``value`` itself when it is made of JSON types only (tuples excepted, see conditions)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list):
        for item in value:
            _check_plain(item)
        return value
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotPlain(f"non-string key {key!r}")
            _check_plain(item)
        return value
    raise NotPlain(f"{type(value).__name__} is not plain data")


def _model(obj: BaseModel) -> dict[str, Any]:
    return _check_plain(obj.model_dump(mode="python", exclude_unset=True))


def _node(node: Node) -> list[Any]:
    if isinstance(node, Pattern):
        constraints = []
        for c in node.constraints:
            value = list(c.value) if isinstance(c.value, tuple) else c.value
            constraints.append([c.field, c.op, _check_plain(value), c.var])
        return ["pattern", node.kind, node.alias, constraints]
    if isinstance(node, Not):
        return ["not", _node(node.item)]
    return ["all" if isinstance(node, All) else "any", [_node(item) for item in node.items]]


_KNOWLEDGE_FIELDS = {"symptoms", "findings", "causes", "observation_kinds", "interface_roles", "rules", "rule_dirs", "component_messages", "derived_findings"}
_RULE_FIELDS = {"spec", "condition", "phase", "path", "symptom_dir"}


def to_plain(kb: Knowledge) -> dict[str, Any]:
    """The knowledge as JSON-ready data; :class:`NotPlain` when a value has no JSON form, or when
    :class:`Knowledge` or :class:`Rule` gained a field this format does not carry (a cache that
    silently dropped it would give a default instead of the real value)."""
    for cls, known in ((Knowledge, _KNOWLEDGE_FIELDS), (Rule, _RULE_FIELDS)):
        names = {f.name for f in dataclasses.fields(cls)}
        if names != known:
            raise NotPlain(f"{cls.__name__} has fields {sorted(names ^ known)} this cache format does not know")
    return {
        "format": FORMAT,
        "symptoms": [_model(s) for s in kb.symptoms.values()],
        "findings": [_model(s) for s in kb.findings.values()],
        "causes": [_model(c) for c in kb.causes.values()],
        "observation_kinds": [_model(k) for k in kb.observation_kinds.values()],
        "interface_roles": [_model(r) for r in kb.interface_roles],
        "rules": [
            {"spec": _model(r.spec), "condition": _node(r.condition), "phase": r.phase, "path": r.path, "symptom_dir": r.symptom_dir}
            for r in kb.rules
        ],
        "rule_dirs": list(kb.rule_dirs),
        "component_messages": [_model(m) for m in kb.component_messages],
        "derived_findings": [_model(d) for d in kb.derived_findings.values()],
    }


# -- back -----------------------------------------------------------------------------------


def _node_back(data: list[Any]) -> Node:
    tag = data[0]
    if tag == "pattern":
        constraints = tuple(
            Constraint(field, op, tuple(value) if op in ("in", "not_in") and isinstance(value, list) else value, var)
            for field, op, value, var in data[3]
        )
        return Pattern(data[1], data[2], constraints)
    if tag == "not":
        return Not(_node_back(data[1]))
    items = tuple(_node_back(item) for item in data[1])
    return All(items) if tag == "all" else AnyOf(items)


def from_plain(data: dict[str, Any]) -> Knowledge:
    """The knowledge rebuilt from :func:`to_plain`'s data.

    ValueError (pydantic's ValidationError is one), KeyError, TypeError or IndexError when the
    data is not that shape: the caller then rebuilds from YAML."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a knowledge cache of this format")
    symptoms = [Symptom.model_validate(s) for s in data["symptoms"]]
    findings = [Symptom.model_validate(s) for s in data["findings"]]
    causes = [Cause.model_validate(c) for c in data["causes"]]
    kinds = [ObservationKind.model_validate(k) for k in data["observation_kinds"]]
    rules = [
        Rule(spec=RuleSpec.model_validate(r["spec"]), condition=_node_back(r["condition"]), phase=r["phase"], path=r["path"], symptom_dir=r["symptom_dir"])
        for r in data["rules"]
    ]
    return Knowledge(
        symptoms={s.id: s for s in symptoms},
        findings={s.id: s for s in findings},
        causes={c.id: c for c in causes},
        observation_kinds={k.kind: k for k in kinds},
        interface_roles=[InterfaceRole.model_validate(r) for r in data["interface_roles"]],
        rules=rules,
        rule_dirs=tuple(data["rule_dirs"]),
        component_messages=[ComponentMessage.model_validate(m) for m in data["component_messages"]],
        derived_findings={d.id: d for d in (DerivedFinding.model_validate(x) for x in data["derived_findings"])},
    )
