"""From a fact file to a :class:`~podnet.diagnosis.Diagnosis`: enrich, fire rules, rank, explain."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..diagnosis import Diagnosis, DiagnosisWarning, Evidence, FailingHop, NextCheck, PathSummary, PossibleCause, RankedCause, Step, SymptomResult
from ..errors import FactFileError
from ..facts.conflicts import find_conflicts
from ..facts.enrich import enrich
from ..facts.model import FactFile
from ..knowledge.conditions import patterns
from ..knowledge.load import Knowledge, load_knowledge
from ..knowledge.model import Lang
from ..knowledge.templates import case_context, obs_namespace, probe_context, render
from .compile import Firing
from .confidence import combine
from .engine import CLUSTER_IX, DESTINATION_IX, PATH_IX, SOURCE_IX, Reasoner, RunResult

MIN_CONFIDENCE = 0.05
"""Causes below this confidence are not listed."""

MAX_NEXT_CHECKS = 5
_CONTEXT_PATHS = {SOURCE_IX: "$.endpoints.source", DESTINATION_IX: "$.endpoints.destination", CLUSTER_IX: "$.cluster"}


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


def _paths(firing: Firing, captures: list[str]) -> list[str]:
    out = []
    for ix in sorted(set(firing.fact_indexes.values())):
        if ix >= 0:
            out.append(f"$.observations[{ix}]")
        elif ix in _CONTEXT_PATHS:
            out.append(_CONTEXT_PATHS[ix])
        elif ix <= PATH_IX:
            out.extend(p for p in captures if p not in out)
    return out


class _Explainer:
    """Renders rule messages and cause texts for one case in one language."""

    def __init__(self, kb: Knowledge, facts: FactFile, lang: Lang, context: list[tuple[str, dict[str, Any]]] = ()) -> None:  # type: ignore[assignment]
        self.kb = kb
        self.facts = facts
        self.lang = lang
        self.ctx = case_context(facts)
        self._obs_dump: dict[int, Any] = {}
        self._context = {PATH_IX - k: obs_namespace(fields, kind) for k, (kind, fields) in enumerate(context)}
        self._captures = [f"$.observations[{i}]" for i, o in enumerate(facts.observations) if o.kind == "capture"]  # type: ignore[attr-defined]

    def _obs(self, ix: int) -> Any:
        if ix not in self._obs_dump:
            o = self.facts.observations[ix]
            self._obs_dump[ix] = obs_namespace(o.model_dump(), o.kind)  # type: ignore[attr-defined]
        return self._obs_dump[ix]

    def evidence(self, firing: Firing, direction: str = "for", weight: float | None = None) -> Evidence:
        rule = firing.rule
        ctx = dict(self.ctx)
        ctx.update(firing.bindings)
        for alias, ix in firing.fact_indexes.items():
            if ix >= 0:
                ctx[alias] = self._obs(ix)
            elif ix in self._context:
                ctx[alias] = self._context[ix]
        message = render(rule.spec.because.get(self.lang), ctx, f"{rule.path}: rule {rule.id}: because.{self.lang}")
        return Evidence(rule=rule.id, direction=direction, weight=weight, message=message, observations=_paths(firing, self._captures))  # type: ignore[arg-type]

    def steps(self, steps: list[Any], where: str) -> list[Step]:
        out = []
        for i, s in enumerate(steps):
            loc = f"{where}[{i}]"
            out.append(
                Step(
                    text=render(s.text.get(self.lang), self.ctx, f"{loc}.text.{self.lang}"),
                    command=render(s.command, self.ctx, f"{loc}.command") if s.command else None,
                    run_at=s.run_at,
                    run_on=self.host_for(s.run_at),
                )
            )
        return out

    def host_for(self, at: str | None) -> str | None:
        """The name of the machine or Pod a vantage point stands for in this case, if known."""
        ctx = self.ctx
        names = {
            "source_node": ctx["src_node"].get("name"),
            "destination_node": ctx["dst_node"].get("name"),
            "source_pod": ctx["src"].get("name") if ctx["src"].get("kind") == "pod" else None,
            "destination_pod": ctx["backend"].get("pod") or (ctx["dst"].get("name") if ctx["dst"].get("kind") == "pod" else None),
        }
        return names.get(at or "")

    def text(self, template: str, where: str, target_role: str | None = None) -> str:
        return render(template, probe_context(self.ctx, target_role), where)


def _merge_evidence(items: Any) -> list[Evidence]:
    """One entry per rule (a rule that matched several fact combinations lists all their
    observations), in a stable order: for before against, stronger first, then by rule id."""
    merged: dict[str, Evidence] = {}
    for ev in items:
        if ev.rule in merged:
            seen = merged[ev.rule].observations
            seen.extend(p for p in ev.observations if p not in seen)
        else:
            merged[ev.rule] = ev
    for ev in merged.values():
        ev.observations.sort(key=_path_order)
    return sorted(merged.values(), key=lambda e: (e.direction != "for", -abs(e.weight or 0), e.rule))


def _path_order(path: str) -> tuple[int, str]:
    if path.startswith("$.observations["):
        return (int(path[len("$.observations[") : -1]), "")
    return (-1, path)


def _conflict_warnings(facts: FactFile, strict: bool, lang: Lang) -> tuple[set[int], list[DiagnosisWarning]]:
    skip: set[int] = set()
    warnings = []
    for c in find_conflicts(facts):
        paths = ", ".join(c.paths)
        if strict:
            raise FactFileError(f"contradictory observations of {c.probe}: {' vs '.join(c.results)} (at {paths})", location=c.paths[0], code="E-FACTS-CONFLICT")
        for p in c.paths:
            skip.add(int(p.split("[")[1].rstrip("]")))
        msg = (
            f"contradictory results for the same probe ({c.probe}: {' vs '.join(c.results)}); left out of the reasoning"
            if lang == "en"
            else f"同一探测结果相互矛盾（{c.probe}：{' 与 '.join(c.results)}），这些观察未参与推理"
        )
        warnings.append(DiagnosisWarning(code="W-FACTS-CONFLICT", message=msg, location=paths))
    return skip, warnings


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


def _next_checks(
    kb: Knowledge,
    facts: FactFile,
    skip: set[int],
    ranked: list[tuple[str, float]],
    established: set[str],
    explainer: _Explainer,
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


@dataclass
class Analysis:
    """The engine's raw output for a case: enriched facts, left-out observations, firings."""

    knowledge: Knowledge
    facts: FactFile
    skip: set[int]
    warnings: list[DiagnosisWarning]
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


def analyse(facts: FactFile, *, rule_dirs: tuple[str, ...] = (), strict: bool = False, lang: Lang = "en") -> Analysis:
    """Enrich a copy of the facts, set contradictions aside, read the packet path, fire the rules."""
    reasoner = get_reasoner(tuple(rule_dirs))
    kb = reasoner.knowledge
    # enrich() only assigns derived attributes of observations: shallow copies keep the input intact
    facts = enrich(facts.model_copy(update={"observations": [o.model_copy() for o in facts.observations]}), kb.interface_role)
    skip, warnings = _conflict_warnings(facts, strict, lang)
    verdict, context = _read_path(facts, skip)
    return Analysis(kb, facts, skip, warnings, reasoner.run(facts, skip, context), verdict, context)


def _path_summary(verdict: Any, facts: FactFile, lang: Lang) -> PathSummary | None:
    if verdict is None:
        return None
    from ..errors import PodnetError
    from ..path import build_path, render_path

    hop = verdict.failing_hop
    try:
        drawing = render_path(build_path(facts), verdict, lang)
    except PodnetError:
        drawing = None
    return PathSummary(
        failing_hop=FailingHop(index=hop.index, node=hop.node, interface=hop.interface, role=hop.role) if hop else None,
        direction=verdict.direction,
        segment=verdict.segment,
        suspects=list(verdict.suspects),
        explanation=verdict.explanation.get(lang) if verdict.explanation else None,
        drawing=drawing,
    )


def diagnose_facts(facts: FactFile, *, lang: Lang = "en", rule_dirs: tuple[str, ...] = (), strict: bool = False) -> Diagnosis:
    """Diagnose one case. The fact file is not modified."""
    a = analyse(facts, rule_dirs=rule_dirs, strict=strict, lang=lang)
    kb, facts, skip, warnings, result = a.knowledge, a.facts, a.skip, a.warnings, a.result
    explainer = _Explainer(kb, facts, lang, a.context)

    symptom_ev: dict[str, list[Firing]] = defaultdict(list)
    tallies: dict[str, _CauseTally] = defaultdict(_CauseTally)
    for f in result.firings:
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

    def symptom_results(table: dict[str, Any]) -> list[SymptomResult]:
        out = []
        for sid, meta in table.items():
            if sid in symptom_ev:
                out.append(
                    SymptomResult(
                        id=sid,
                        title=meta.title.get(lang),
                        primary=meta.primary,
                        evidence=_merge_evidence(explainer.evidence(f) for f in symptom_ev[sid]),
                    )
                )
        return out

    cause_order = {cid: i for i, cid in enumerate(kb.causes)}
    scored = []
    for cid, t in tallies.items():
        cf = combine(t.weights.values())
        support = sum(1 for w in t.weights.values() if w > 0)
        scored.append((cid, cf, support))
    scored.sort(key=lambda s: (-round(s[1], 9), -s[2], cause_order[s[0]], s[0]))

    def ranked_cause(cid: str, cf: float, rank: int) -> RankedCause:
        cause = kb.causes[cid]
        t = tallies[cid]
        evidence = _merge_evidence(
            explainer.evidence(f, "for" if f.rule.spec.then.weight > 0 else "against", f.rule.spec.then.weight)  # type: ignore[operator]
            for f in t.firings
        )
        where = f"kb/causes: {cid}"
        return RankedCause(
            rank=rank,
            id=cid,
            symptom=cause.symptom,
            title=cause.title.get(lang),
            confidence=round(max(0.0, cf), 4),
            explanation=explainer.text(cause.explanation.get(lang), f"{where}.explanation.{lang}"),
            evidence=evidence,
            remediation=explainer.steps(cause.remediation, f"{where}.remediation"),
            verify=explainer.steps(cause.verify, f"{where}.verify"),
            guide=cause.guide,
        )

    causes: list[RankedCause] = []
    ruled_out: list[RankedCause] = []
    for cid, cf, support in scored:
        if cf >= MIN_CONFIDENCE:
            causes.append(ranked_cause(cid, cf, len(causes) + 1))
        elif support:
            ruled_out.append(ranked_cause(cid, cf, 0))
    established = set(symptom_ev)
    named = {c.id for c in causes} | {c.id for c in ruled_out} | set(tallies)
    possible = sorted(
        (
            PossibleCause(id=cid, symptom=c.symptom, title=c.title.get(lang), prior=c.prior)
            for cid, c in kb.causes.items()
            if c.symptom in established and cid not in named
        ),
        key=lambda p: (-p.prior, cause_order[p.id]),
    )
    checks = _next_checks(kb, facts, skip, [(c.id, c.confidence) for c in causes], established, explainer, lang)
    return Diagnosis(
        case_id=facts.case.id,
        summary=facts.case.summary,
        lang=lang,
        symptoms=symptom_results(kb.symptoms),  # type: ignore[arg-type]
        findings=symptom_results(kb.findings),  # type: ignore[arg-type]
        causes=causes,
        ruled_out=ruled_out,
        possible=possible,
        next_checks=checks,
        warnings=warnings,
        path=_path_summary(a.path, facts, lang),
    )
