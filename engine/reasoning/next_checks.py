"""What to check next: observations not made yet that would confirm or rule out the leading
causes, found in the rules that conclude them, with the command from the observation kind.

Each of the top three causes (the ranked ones, filled up with the established symptom's possible
causes by prior while no cause reaches 0.8) first gets its *decisive* check: the observation read by its rules marked ``decisive: true``
(the one that confirms it, else the one that rules it out), unless a decisive rule already confirmed
it. These come first, one per cause, marked with ``decides``; the other checks follow by value."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..facts.model import FactFile
from ..knowledge.calibration import CONFIDENT
from ..knowledge.conditions import patterns
from ..knowledge.destructive import is_destructive
from ..knowledge.load import Knowledge
from ..knowledge.model import LANGS
from ..messages import localized
from ..neutral import NeutralNextCheck
from .explain import Explainer, fill_in_list

MAX_NEXT_CHECKS = 5

DECISIVE_FOR_TOP = 3
"""How many leading causes get their decisive observation named as a check."""

CheckKey = tuple[str, str, tuple[tuple[str, Any], ...]]
"""(observation kind, vantage, distinguishing field values)."""


def _pattern_target(pattern: Any, distinguish_by: Any) -> tuple[list[str], tuple[tuple[str, Any], ...]]:
    """The vantage points a rule pattern allows (``at`` by ``eq``/``in``; empty: any) and the values
    of the kind's distinguishing fields it fixes, as a sorted tuple."""
    ats: list[str] = []
    quals: dict[str, Any] = {}
    for c in pattern.constraints:
        if c.var is not None or c.op not in ("eq", "in"):
            continue
        values = [c.value] if c.op == "eq" else list(c.value)
        if c.field == "at":
            ats = values
        elif c.field in distinguish_by:
            quals[c.field] = values[0]
    return ats, tuple(sorted(quals.items()))


def _check_key(pattern: Any, kb: Knowledge, observed: set[CheckKey], facts: FactFile, blocked: set[str] = frozenset()) -> CheckKey | None:  # type: ignore[assignment]
    """The check a rule pattern asks for: kind, vantage, and the kind's distinguishing fields.
    Of several allowed vantage points (``at: {in: [...]}``), the first one not observed yet, not
    marked unobservable, that the case has and the kind can be observed at; else None."""
    meta = kb.observation_kinds.get(pattern.kind)
    if meta is None:
        return None
    ats, q = _pattern_target(pattern, meta.distinguish_by)
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
    possible: list[str] = (),  # type: ignore[assignment]
    confirmed: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[NeutralNextCheck]:
    """The checks worth making next, decisive ones for the top causes first. ``possible``: causes
    of the established symptom classes by prior (used when fewer than three are ranked);
    ``confirmed``: causes a decisive rule already supports (they need no decisive check)."""
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
    top = [cid for cid, _ in ranked[:DECISIVE_FOR_TOP]]
    if not ranked or ranked[0][1] < CONFIDENT:  # no cause claimed yet: the plausible ones by prior fill the three
        top += [cid for cid in possible if cid not in top][: DECISIVE_FOR_TOP - len(top)]
    decides: dict[CheckKey, list[str]] = defaultdict(list)
    for cid in top:
        if cid in confirmed:
            continue
        key = decisive_check(kb, cid, facts, observed, blocked)
        if key is not None:
            decides[key].append(cid)
            about[key].add(cid)
            value.setdefault(key, 0.0)
    order = list(decides) + sorted(
        (k for k in value if k not in decides), key=lambda k: (-round(value[k], 6), kb.observation_kinds[k[0]].order, k)
    )
    out: list[NeutralNextCheck] = []
    for key in order:
        if len(out) == MAX_NEXT_CHECKS:
            break
        kind, at, quals = key
        meta = kb.observation_kinds[kind]
        how = meta.how[at]
        if is_destructive(how.command):
            continue  # trying a change (kind workaround) is asked in triage with its warning; a next check only observes
        causes = sorted(about[key], key=lambda c: (c not in decides.get(key, ()), -weight_of.get(c, 0), c))
        if decides.get(key):
            reason = localized("reasoning", "check_decides", titles=_titles(kb, decides[key]))
        elif causes:
            reason = localized("reasoning", "check_confirms", titles=_titles(kb, causes[:3]))
        else:
            reason = localized("reasoning", "check_symptom_class")
        detail = dict(quals)
        command = explainer.text(how.command, f"kb/observations.yaml: {kind}.how.{at}.command", detail.get("target_role"))
        same = next((c for c in out if c.command == command and c.at == at), None)
        if same is not None:  # one command observes several variants (e.g. every interface MTU)
            same.causes.extend(c for c in causes if c not in same.causes)
            same.decides.extend(c for c in decides.get(key, ()) if c not in same.decides)
            same.value = round(same.value + value[key], 4)
            continue
        out.append(
            NeutralNextCheck(
                kind=kind,
                at=at,
                detail={k: str(v) for k, v in detail.items()},
                title=meta.title.model_dump(),
                command=command,
                run_in=how.run_in,
                reason=reason,
                causes=causes,
                value=round(value[key], 4),
                decides=list(decides.get(key, ())),
                fill_in=fill_in_list(command),
            )
        )
    return out


def _titles(kb: Knowledge, causes: list[str]) -> dict[str, str]:
    """The causes' titles, comma-separated, in every language."""
    return {lang: ", ".join(kb.causes[c].title.get(lang) for c in causes) for lang in LANGS}


def decisive_check(kb: Knowledge, cause: str, facts: FactFile, observed: set[CheckKey], blocked: set[str]) -> CheckKey | None:
    """The observation that would decide ``cause``: the first pattern, not yet observed, of its
    decisive rules, those that confirm it before those that rule it out, the rules one observation
    away first (a rule that still needs two checks decides nothing after one of them), then the
    strongest."""
    rules = [r for r in kb.rules if r.spec.decisive and r.spec.then.cause == cause]

    def missing(rule: Any) -> int:
        return sum(1 for p, negated in patterns(rule.condition) if not negated and not _made(p, kb, observed))

    rules.sort(key=lambda r: ((r.spec.then.weight or 0) < 0, missing(r) > 1, -abs(r.spec.then.weight or 0), r.id))
    for rule in rules:
        for p, negated in patterns(rule.condition):
            if negated or _made(p, kb, observed):
                continue
            key = _check_key(p, kb, observed, facts, blocked)
            if key is not None and key[0] not in blocked:
                return key
    return None


def _made(pattern: Any, kb: Knowledge, observed: set[CheckKey]) -> bool:
    """Whether the observation a pattern reads was made at one of the vantage points it allows
    (its result is known: asking again elsewhere does not decide the cause)."""
    meta = kb.observation_kinds.get(pattern.kind)
    if meta is None:
        return False
    ats, q = _pattern_target(pattern, meta.distinguish_by)
    return any(key[0] == pattern.kind and key[2] == q and (not ats or key[1] in ats) for key in observed)
