"""What to check next: observations not made yet that would confirm or rule out the leading
causes, found in the rules that conclude them, with the command from the observation kind."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..diagnosis import NextCheck
from ..facts.model import FactFile
from ..knowledge.conditions import patterns
from ..knowledge.load import Knowledge
from ..knowledge.model import Lang
from .explain import Explainer

MAX_NEXT_CHECKS = 5

CheckKey = tuple[str, str, tuple[tuple[str, Any], ...]]
"""(observation kind, vantage, distinguishing field values)."""


def _check_key(pattern: Any, kb: Knowledge, observed: set[CheckKey], facts: FactFile, blocked: set[str] = frozenset()) -> CheckKey | None:  # type: ignore[assignment]
    """The check a rule pattern asks for: kind, vantage, and the kind's distinguishing fields.
    Of several allowed vantage points (``at: {in: [...]}``), the first one not observed yet, not
    marked unobservable, that the case has and the kind can be observed at; else None."""
    meta = kb.observation_kinds.get(pattern.kind)
    if meta is None:
        return None
    ats: list[str] = []
    quals: dict[str, Any] = {}
    for c in pattern.constraints:
        if c.var is not None or c.op not in ("eq", "in"):
            continue
        values = [c.value] if c.op == "eq" else list(c.value)
        if c.field == "at":
            ats = values
        elif c.field in meta.distinguish_by:
            quals[c.field] = values[0]
    q = tuple(sorted(quals.items()))
    candidates = [a for a in ats if a in meta.how] or ([next(iter(meta.how))] if not ats else [])
    for at in candidates:
        key = (pattern.kind, at, q)
        if key not in observed and facts.has_vantage(at) and f"{pattern.kind}@{at}" not in blocked:
            return key
    return None


def _observed_keys(facts: FactFile, skip: set[int], kb: Knowledge) -> set[CheckKey]:
    out: set[CheckKey] = set()
    for i, o in enumerate(facts.observations):
        if i in skip:
            continue
        meta = kb.observation_kinds.get(o.kind)  # type: ignore[attr-defined]
        fields = meta.distinguish_by if meta else []
        # an observation satisfies the check with its own values and the less specific checks
        values = tuple((f, getattr(o, f, None)) for f in fields)
        out.add((o.kind, o.at, tuple(sorted(values))))  # type: ignore[attr-defined]
        for n in range(len(values)):
            out.add((o.kind, o.at, tuple(sorted(values[:n] + values[n + 1 :]))))  # type: ignore[attr-defined]
        out.add((o.kind, o.at, ()))  # type: ignore[attr-defined]
    return out


def next_checks(
    kb: Knowledge,
    facts: FactFile,
    skip: set[int],
    ranked: list[tuple[str, float]],
    established: set[str],
    explainer: Explainer,
    lang: Lang,
) -> list[NextCheck]:
    observed = _observed_keys(facts, skip, kb)
    blocked = set(facts.unobservable)
    weight_of: dict[str, float] = {}
    if ranked:
        for cid, conf in ranked[:3]:
            weight_of[cid] = conf
    else:
        for cid, cause in kb.causes.items():
            if not established or cause.symptom in established:
                weight_of[cid] = cause.prior
    value: dict[CheckKey, float] = defaultdict(float)
    about: dict[CheckKey, set[str]] = defaultdict(set)
    primary_known = bool(established & set(kb.symptoms))
    for rule in kb.rules:
        then = rule.spec.then
        if rule.phase == "cause":
            if then.cause not in weight_of:
                continue
            gain = weight_of[then.cause] * abs(then.weight or 0)  # type: ignore[operator]
        elif not primary_known:
            gain = 0.5
        else:
            continue
        for p, negated in patterns(rule.condition):
            if negated:
                continue
            key = _check_key(p, kb, observed, facts, blocked)
            if key is None or key[0] in blocked:
                continue
            value[key] += gain
            if rule.phase == "cause":
                about[key].add(then.cause)  # type: ignore[arg-type]
    order = sorted(value, key=lambda k: (-round(value[k], 6), kb.observation_kinds[k[0]].order, k))
    out: list[NextCheck] = []
    for key in order:
        if len(out) == MAX_NEXT_CHECKS:
            break
        kind, at, quals = key
        meta = kb.observation_kinds[kind]
        how = meta.how[at]
        causes = sorted(about[key], key=lambda c: (-weight_of.get(c, 0), c))
        titles = ", ".join(kb.causes[c].title.get(lang) for c in causes[:3])
        if causes:
            reason = f"confirms or rules out: {titles}" if lang == "en" else f"用于确认或排除：{titles}"
        else:
            reason = "tells which symptom class applies" if lang == "en" else "用于判断属于哪一类网络异常"
        detail = dict(quals)
        command = explainer.text(how.command, f"kb/observations.yaml: {kind}.how.{at}.command", detail.get("target_role"))
        same = next((c for c in out if c.command == command and c.at == at), None)
        if same is not None:  # one command observes several variants (e.g. every interface MTU)
            same.causes.extend(c for c in causes if c not in same.causes)
            same.value = round(same.value + value[key], 4)
            continue
        out.append(
            NextCheck(
                kind=kind,
                at=at,
                detail={k: str(v) for k, v in detail.items()},
                title=meta.title.get(lang),
                command=command,
                run_in=how.run_in,
                reason=reason,
                causes=causes,
                value=round(value[key], 4),
            )
        )
    return out
