"""From a fact file to a diagnosis: enrich, fire rules, rank, explain.

The reasoning takes no language: :func:`diagnose_neutral` gives a
:class:`~podnet.neutral.NeutralDiagnosis` whose texts are in every language; :func:`diagnose_facts`
localizes it (:func:`podnet.neutral.localize`) for callers that want one language."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..diagnosis import Diagnosis, FailingHop
from ..errors import FactFileError
from ..facts.conflicts import find_conflicts
from ..facts.duplicates import exact_repeats
from .enrich import enrich
from ..facts.load import check_observation_count
from ..facts.model import FactFile
from ..knowledge.load import Knowledge, load_knowledge
from ..knowledge.model import LANGS, Lang
from ..messages import localized, render
from ..neutral import (
    NeutralDiagnosis,
    NeutralPathSummary,
    NeutralPossibleCause,
    NeutralRankedCause,
    NeutralSymptomResult,
    NeutralWarning,
    localize,
)
from .compile import Firing
from .confidence import combine, likelihood_ratio
from .engine import Reasoner, RunResult
from .explain import Explainer
from .next_checks import next_checks

MIN_CONFIDENCE = 0.05

STILL_POSSIBLE = -0.6
"""A cause whose only evidence is against it, from rules none of which is decisive, and whose
combined certainty stays above this, remains possible (its prior scaled by that evidence's
likelihood ratio): ``ip_forward = 1`` read on one node of the path leaves the other node's open."""
"""Causes below this confidence are not listed."""


def get_reasoner(rule_dirs: tuple[str, ...] = ()) -> Reasoner:
    """The compiled engine for the bundled rules plus ``rule_dirs``, built once per process."""
    return _reasoner(tuple(rule_dirs))


@functools.lru_cache(maxsize=8)
def _reasoner(rule_dirs: tuple[str, ...]) -> Reasoner:
    return Reasoner(load_knowledge(rule_dirs))


@dataclass
class _CauseTally:
    weights: dict[str, float] = field(default_factory=dict)  # rule id -> weight
    firings: list[Firing] = field(default_factory=list)


def _conflict_warnings(facts: FactFile, strict: bool) -> tuple[set[int], list[NeutralWarning]]:
    skip: set[int] = set()
    warnings = []
    for c in find_conflicts(facts):
        paths = ", ".join(c.paths)
        if strict:
            raise FactFileError(f"contradictory observations of {c.probe}: {' vs '.join(c.results)} (at {paths})", location=c.paths[0], code="E-FACTS-CONFLICT")
        for p in c.paths:
            skip.add(int(p.split("[")[1].rstrip("]")))
        results = {lang: render("reasoning", "results_joiner", lang, {}).join(c.results) for lang in LANGS}
        msg = localized("reasoning", "facts_conflict", probe=c.probe, results=results)
        warnings.append(NeutralWarning(code="W-FACTS-CONFLICT", message=msg, location=paths))
    return skip, warnings


@dataclass
class Analysis:
    """The engine's raw output for a case: enriched facts, left-out observations, firings."""

    knowledge: Knowledge
    facts: FactFile
    skip: set[int]
    warnings: list[NeutralWarning]
    result: RunResult
    path: Any = None
    context: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _read_path(facts: FactFile, skip: set[int]) -> tuple[Any, list[tuple[str, dict[str, Any]]]]:
    """Localize the failing hop from capture observations (podnet.path; imports networkx, so only
    when there are captures) and turn its suspects into ``path_suspect`` facts for the rules."""
    if not any(o.kind == "capture" for i, o in enumerate(facts.observations) if i not in skip):  # type: ignore[attr-defined]
        return None, []
    from ..path import localize

    kept = facts.model_copy(update={"observations": [o for i, o in enumerate(facts.observations) if i not in skip]})
    verdict = localize(kept, strict=False)
    if verdict.failing_hop is None:
        return verdict, []
    role = verdict.failing_hop.role
    context = [
        ("path_suspect", {"cause": cause, "rank": rank, "segment": verdict.segment, "direction": verdict.direction, "hop_role": role})
        for rank, cause in enumerate(verdict.suspects, 1)
    ]
    return verdict, context


def _repeat_warnings(facts: FactFile) -> tuple[set[int], list[NeutralWarning]]:
    """Exact repeats of earlier observations: left out (the first copy stands for them), named in a warning."""
    repeats = exact_repeats(facts.observations)
    if not repeats:
        return set(), []
    pairs = [f"$.observations[{i}] = [{first}]" for i, first in list(repeats.items())[:3]]
    more = ", ..." if len(repeats) > 3 else ""
    msg = localized("reasoning", "facts_repeated", count=len(repeats), pairs=", ".join(pairs) + more)
    location = ", ".join(f"$.observations[{i}]" for i in list(repeats)[:3]) + more
    return set(repeats), [NeutralWarning(code="W-FACTS-REPEATED", message=msg, location=location)]


def analyse(
    facts: FactFile, *, rule_dirs: tuple[str, ...] = (), strict: bool = False, reasoner: Reasoner | None = None
) -> Analysis:
    """Enrich a copy of the facts, set exact repeats and contradictions aside, read the packet
    path, fire the rules (of ``reasoner``, by default the one for ``rule_dirs``)."""
    check_observation_count(len(facts.observations), f"case {facts.case.id}: $.observations")
    if reasoner is None:
        reasoner = get_reasoner(tuple(rule_dirs))
    kb = reasoner.knowledge
    repeated, warnings = _repeat_warnings(facts)
    # enrich() only assigns derived attributes of observations: shallow copies keep the input intact
    facts = enrich(facts.model_copy(update={"observations": [o.model_copy() for o in facts.observations]}), kb.interface_role, kb.message_findings)
    skip, conflict_warnings = _conflict_warnings(facts, strict)
    skip |= repeated
    warnings += conflict_warnings
    verdict, context = _read_path(facts, skip)
    return Analysis(kb, facts, skip, warnings, reasoner.run(facts, skip, context), verdict, context)


def _path_summary(verdict: Any, facts: FactFile) -> NeutralPathSummary | None:
    if verdict is None:
        return None
    from ..errors import PodnetError
    from ..path import build_path
    from ..path.render import path_data

    hop = verdict.failing_hop
    try:
        route = path_data(build_path(facts), verdict)
    except PodnetError:
        route = None
    return NeutralPathSummary(
        failing_hop=FailingHop(index=hop.index, node=hop.node, interface=hop.interface, role=hop.role) if hop else None,
        direction=verdict.direction,
        segment=verdict.segment,
        suspects=list(verdict.suspects),
        explanation=verdict.explanation.model_dump() if verdict.explanation else None,
        route=route,
    )


@dataclass
class Ranking:
    """The firings of a case tallied: evidence per symptom or finding, rules per cause, and the
    causes scored, best first (what :func:`diagnose_facts` reports, without the texts)."""

    symptom_evidence: dict[str, list[Firing]]
    tallies: dict[str, _CauseTally]
    scored: list[tuple[str, float, int]]
    """(cause id, combined confidence, number of rules supporting it), best first."""

    def top(self, n: int | None = None) -> list[tuple[str, float]]:
        """The causes a report lists (confidence at least :data:`MIN_CONFIDENCE`), as
        (id, confidence rounded as in the report), at most ``n`` of them."""
        listed = [(cid, round(max(0.0, cf), 4)) for cid, cf, _ in self.scored if cf >= MIN_CONFIDENCE]
        return listed if n is None else listed[:n]


def rank(kb: Knowledge, firings: list[Firing]) -> Ranking:
    """Tally a run's firings and rank the causes (ties: more supporting rules, then the causes'
    order in the knowledge, then id)."""
    symptom_ev: dict[str, list[Firing]] = defaultdict(list)
    tallies: dict[str, _CauseTally] = defaultdict(_CauseTally)
    for f in firings:
        then = f.rule.spec.then
        if then.cause:
            cause_id = f.bindings.get(f.rule.variable_cause) if f.rule.variable_cause else then.cause
            if cause_id not in kb.causes:
                continue
            t = tallies[cause_id]
            t.weights.setdefault(f.rule.id, then.weight)  # type: ignore[arg-type]
            t.firings.append(f)
        else:
            symptom_ev[then.symptom or then.finding or ""].append(f)  # type: ignore[arg-type]
    cause_order = {cid: i for i, cid in enumerate(kb.causes)}
    scored = []
    for cid, t in tallies.items():
        cf = combine(t.weights.values())
        support = sum(1 for w in t.weights.values() if w > 0)
        scored.append((cid, cf, support))
    scored.sort(key=lambda s: (-round(s[1], 9), -s[2], cause_order[s[0]], s[0]))
    return Ranking(symptom_ev, tallies, scored)


def diagnose_facts(facts: FactFile, *, lang: Lang = "en", rule_dirs: tuple[str, ...] = (), strict: bool = False) -> Diagnosis:
    """Diagnose one case, in ``lang``: :func:`diagnose_neutral` localized (the localized diagnosis
    can be made again in the other language without diagnosing again: :func:`podnet.neutral.localize`)."""
    return localize(diagnose_neutral(facts, rule_dirs=rule_dirs, strict=strict), lang)


def diagnose_neutral(facts: FactFile, *, rule_dirs: tuple[str, ...] = (), strict: bool = False) -> NeutralDiagnosis:
    """Diagnose one case: every text in every language. The fact file is not modified."""
    a = analyse(facts, rule_dirs=rule_dirs, strict=strict)
    kb, facts, skip, warnings, result = a.knowledge, a.facts, a.skip, a.warnings, a.result
    explainer = Explainer(kb, facts, a.context)
    ranking = rank(kb, result.firings)
    symptom_ev, tallies, scored = ranking.symptom_evidence, ranking.tallies, ranking.scored

    def symptom_results(table: dict[str, Any]) -> list[NeutralSymptomResult]:
        out = []
        for sid, meta in table.items():
            if sid in symptom_ev:
                out.append(
                    NeutralSymptomResult(
                        id=sid,
                        title=meta.title.model_dump(),
                        primary=meta.primary,
                        evidence=explainer.merged_evidence(symptom_ev[sid]),
                    )
                )
        return out

    cause_order = {cid: i for i, cid in enumerate(kb.causes)}

    def ranked_cause(cid: str, cf: float, rank: int) -> NeutralRankedCause:
        cause = kb.causes[cid]
        t = tallies[cid]
        evidence = explainer.merged_evidence(t.firings, weighted=True)
        side = explainer.evidence_side(t.firings)
        where = f"kb/causes: {cid}"
        return NeutralRankedCause(
            rank=rank,
            id=cid,
            symptom=cause.symptom,
            title=cause.title.model_dump(),
            confidence=round(max(0.0, cf), 4),
            explanation=explainer.localized(cause.explanation, None, f"{where}.explanation"),
            evidence=evidence,
            remediation=explainer.steps(cause.remediation, f"{where}.remediation", side),
            verify=explainer.steps(cause.verify, f"{where}.verify", side),
            guide=cause.guide,
            sources=list(cause.sources),
        )

    causes: list[NeutralRankedCause] = []
    ruled_out: list[NeutralRankedCause] = []
    for cid, cf, support in scored:
        if cf >= MIN_CONFIDENCE:
            causes.append(ranked_cause(cid, cf, len(causes) + 1))
        elif support:
            ruled_out.append(ranked_cause(cid, cf, 0))
    established = set(symptom_ev)
    weakened = {
        cid: cf for cid, cf, support in scored
        if not support and cf > STILL_POSSIBLE and not any(f.rule.spec.decisive for f in tallies[cid].firings)
    }
    named = ({c.id for c in causes} | {c.id for c in ruled_out} | set(tallies)) - set(weakened)
    allowed_by = {cid: c.symptom for cid, c in kb.causes.items() if c.symptom in established}
    for r in kb.rules:  # a supporting rule filed under a class makes its cause possible there (rules/dns_failure -> network_policy_denies)
        supported = r.spec.then.cause
        if r.phase == "cause" and supported in kb.causes and r.symptom_dir in established and (r.spec.then.weight or 0) > 0:
            allowed_by.setdefault(supported, r.symptom_dir)
    possible = sorted(
        (
            NeutralPossibleCause(id=cid, symptom=symptom, title=kb.causes[cid].title.model_dump(), prior=kb.causes[cid].prior)
            for cid, symptom in allowed_by.items()
            if cid not in named
        ),
        key=lambda p: (-p.prior * likelihood_ratio(weakened.get(p.id, 0.0)), cause_order[p.id]),
    )
    confirmed = {cid for cid, t in tallies.items() if any(f.rule.spec.decisive and (f.rule.spec.then.weight or 0) > 0 for f in t.firings)}
    checks = next_checks(
        kb, facts, skip, [(c.id, c.confidence) for c in causes], established, explainer, [p.id for p in possible], confirmed
    )
    return NeutralDiagnosis(
        case_id=facts.case.id,
        summary=facts.case.summary,
        symptoms=symptom_results(kb.symptoms),  # type: ignore[arg-type]
        findings=symptom_results(kb.findings),  # type: ignore[arg-type]
        causes=causes,
        ruled_out=ruled_out,
        possible=possible,
        next_checks=checks,
        warnings=warnings,
        path=_path_summary(a.path, facts),
    )
