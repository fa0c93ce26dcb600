"""Cross references in the knowledge, checked where it loads, each problem a located error.

What one file says about another must hold, or podnet would fail later, quietly or in the
middle of a diagnosis:

- a cause's or symptom class's triage ``signature`` observes ``kind@vantage`` where that kind has
  answers and is observed at that vantage (``kb/observations.yaml``), or a derived finding at
  ``case``, names only its answer ids, and gives probabilities in [0, 1] summing to at most 1
  (``E-KB-REFERENCE``, ``E-KB-SCHEMA``);
- an observation kind's answers have distinct ids and at most one ``normal`` one, their
  ``undeclared`` shares leave room for an answer without one, and every kind
  of the fact model has its entry in ``kb/observations.yaml`` and no entry lacks a model;
- the path read's suspects (``kb/paths/localize.yaml``) are causes of the catalogue;
- every cause has a rule that supports it, and every finding or symptom class a rule reads is
  concluded by some rule (``E-RULE-REFERENCE``).

:func:`kb_problems` and :func:`rule_problems` return every problem; the loader raises the first
(``podnet rules check`` prints them all). The checks of rule test files and of ``examples/`` are
in :mod:`podnet.knowledge.checks`, which only ``podnet rules check`` runs.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, Iterable

from ..errors import KnowledgeError, RuleError
from .conditions import patterns
from .model import DERIVED_AT, DerivedFinding, ObservationKind, SignatureEntry

if TYPE_CHECKING:
    from .load import Knowledge

SUM_SLACK = 1.05
"""Signature probabilities may sum to a little over 1 (rounding in hand-written YAML)."""


def _hint(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def signature_problems(
    entries: Iterable[tuple[str, SignatureEntry]], kinds: dict[str, ObservationKind], derived: dict[str, DerivedFinding] | None = None
) -> list[KnowledgeError]:
    """Problems of signature entries, each given with its location (``file: causes[3].signature[1]``).
    An entry may also declare a derived finding (``FINDING@case``, ``derived`` in kb/observations.yaml)."""
    out: list[KnowledgeError] = []
    derived = derived or {}
    for where, e in entries:
        kind, _, at = e.observe.partition("@")
        meta = kinds.get(kind)
        found = derived.get(kind)
        if found is not None:
            if at != DERIVED_AT:
                out.append(KnowledgeError(f"{kind} is a derived finding: observe it as {kind}@{DERIVED_AT}", location=f"{where}.observe", code="E-KB-REFERENCE"))
                continue
            ids = [a.id for a in found.answers]
        elif meta is None:
            out.append(KnowledgeError(f"unknown observation kind {kind!r}{_hint(kind, [*kinds, *derived])}", location=f"{where}.observe", code="E-KB-REFERENCE"))
            continue
        elif not meta.answers:
            out.append(KnowledgeError(f"{kind} has no answers in kb/observations.yaml, so triage cannot ask it", location=f"{where}.observe", code="E-KB-REFERENCE"))
            continue
        elif at not in meta.how:
            out.append(KnowledgeError(f"{kind} is not observed at {at!r} (kb/observations.yaml: {', '.join(meta.how)}){_hint(at, meta.how)}", location=f"{where}.observe", code="E-KB-REFERENCE"))
            continue
        else:
            ids = [a.id for a in meta.answers]
        for answer in e.answers:
            if answer not in ids:
                out.append(KnowledgeError(f"{kind} has no answer {answer!r}{_hint(answer, ids)}", location=f"{where}.answers.{answer}", code="E-KB-REFERENCE"))
        bad = [a for a, p in e.answers.items() if not 0 <= p <= 1]
        total = sum(e.answers.values())
        if bad:
            out.append(KnowledgeError("a probability must be in [0, 1]", location=f"{where}.answers.{bad[0]}", code="E-KB-SCHEMA"))
        elif total > SUM_SLACK:
            out.append(KnowledgeError(f"the probabilities sum to {total:.2f}, more than 1", location=f"{where}.answers", code="E-KB-SCHEMA"))
    return out


def answer_problems(kinds: Iterable[tuple[str, ObservationKind]]) -> list[KnowledgeError]:
    """Duplicate answer ids per observation kind, or more than one answer marked normal at one
    vantage point (answers limited by ``at`` to different places may each have their own normal one,
    e.g. the node's devices and the Pod's eth0)."""
    out: list[KnowledgeError] = []
    for where, meta in kinds:
        seen: set[str] = set()
        for j, a in enumerate(meta.answers):
            if a.id in seen:
                out.append(KnowledgeError(f"duplicate answer id {a.id!r}", location=f"{where}.answers[{j}].id", code="E-KB-DUPLICATE"))
            seen.add(a.id)
        for at in meta.how:  # never empty
            normal = [j for j, a in enumerate(meta.answers) if a.normal and (not a.at or at in a.at)]
            if len(normal) > 1:
                out.append(KnowledgeError("more than one answer is marked normal", location=f"{where}.answers[{normal[1]}].normal", code="E-KB-SCHEMA"))
                break
            here = [(j, a) for j, a in enumerate(meta.answers) if not a.at or at in a.at]
            shares = [(j, a.undeclared) for j, a in here if a.undeclared is not None]
            if shares and (len(shares) == len(here) or sum(p for _, p in shares) >= 1):
                out.append(KnowledgeError(f"the undeclared shares at {at} must leave room for an answer without one", location=f"{where}.answers[{shares[-1][0]}].undeclared", code="E-KB-SCHEMA"))
                break
    return out


def model_problems(kinds: dict[str, ObservationKind], models: Iterable[str], origin: str = "kb/observations.yaml") -> list[KnowledgeError]:
    """Observation kinds of the fact model without an entry (how to observe them), and entries without a model."""
    models = set(models)
    out: list[KnowledgeError] = []
    for i, kind in enumerate(kinds):
        if kind not in models:
            out.append(KnowledgeError(f"{kind!r} is not an observation kind of the fact model{_hint(kind, models)}", location=f"{origin}: kinds[{i}].kind", code="E-KB-REFERENCE"))
    for kind in sorted(models - set(kinds)):
        out.append(KnowledgeError(f"observation kind {kind!r} has no entry (how it is observed, its question)", location=origin, code="E-KB-MISSING"))
    return out


def localize_problems(doc: Any, causes: Iterable[str], origin: str = "kb/paths/localize.yaml") -> list[KnowledgeError]:
    """Suspects of the path read (segments and evidence) that are not causes of the catalogue."""
    causes = set(causes)
    out: list[KnowledgeError] = []
    if not isinstance(doc, dict):
        return [KnowledgeError("expected a mapping with 'segments' and 'evidence'", location=origin, code="E-KB-SCHEMA")]
    for section in ("segments", "evidence"):
        for name, entry in (doc.get(section) or {}).items():
            if not isinstance(entry, dict):
                continue
            for key in ("suspects", "service_suspects"):
                for j, cause in enumerate(entry.get(key) or []):
                    if cause not in causes:
                        out.append(KnowledgeError(f"unknown cause {cause!r}{_hint(str(cause), causes)}", location=f"{origin}: {section}.{name}.{key}[{j}]", code="E-KB-REFERENCE"))
    return out


def rule_problems(kb: "Knowledge") -> list[KnowledgeError]:
    """Causes no rule supports; findings and symptom classes rules read but no rule concludes."""
    out: list[KnowledgeError] = []
    supported = {r.spec.then.cause for r in kb.rules if r.spec.then.cause and (r.spec.then.weight or 0) > 0}
    for cid in kb.causes:
        if cid not in supported:
            out.append(RuleError(f"no rule supports cause {cid!r} (a rule with then.cause {cid} and a positive weight)", location=f"kb/causes: {cid}", code="E-RULE-REFERENCE"))
    by_id = {r.id: r for r in kb.rules}
    for r in kb.rules:
        for other in r.spec.exclusive_with:
            if other not in by_id:
                out.append(RuleError(f"exclusive_with names unknown rule {other!r}", location=f"{r.path}: rule {r.id}: exclusive_with", code="E-RULE-REFERENCE"))
            elif by_id[other].spec.then.cause != r.spec.then.cause:
                out.append(RuleError(f"exclusive_with names {other!r}, a rule for another cause", location=f"{r.path}: rule {r.id}: exclusive_with", code="E-RULE-REFERENCE"))
    concluded = {(r.phase, r.conclusion) for r in kb.rules}
    for r in kb.rules:
        for p, _negated in patterns(r.condition):
            if p.kind not in ("symptom", "finding"):
                continue
            value = next((c.value for c in p.constraints if c.field in ("class", "name") and c.op == "eq"), None)
            if isinstance(value, str) and not value.startswith("$") and (p.kind, value) not in concluded:
                out.append(RuleError(f"reads {p.kind} {value!r}, which no rule concludes", location=f"{r.path}: rule {r.id}: when", code="E-RULE-REFERENCE"))
    return out
