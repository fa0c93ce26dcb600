"""Pick and render the next questions of a triage from the knowledge base.

Every question is an observation kind at a vantage point (``KIND@VANTAGE``) of
``kb/observations.yaml`` that has ``answers``; its text, command, where it runs and its answers all
come from that file and are rendered for the case (values shell-quoted). A question is skipped
when that kind was already observed at that vantage, when the kind (or ``KIND@VANTAGE``) is listed
in the fact file's ``unobservable``, when the vantage does not exist in the case (no source Pod
when the source is a node), or when the case lacks a value its observation needs (for example no
destination address for a ping). Questions are ranked by expected information gain
over the posterior of :mod:`podnet.triage.posterior` (signatures and the rule engine's verdict
on the facts so far); only questions with a positive gain are
returned, so an empty list means no question would change the ranking.
"""

from __future__ import annotations

from typing import Any

from ..diagnosis import Diagnosis
from ..facts.model import FactFile
from ..knowledge.destructive import warning_for
from ..knowledge.load import Knowledge, load_knowledge
from ..knowledge.model import Lang
from ..knowledge.templates import case_context, obs_namespace, probe_context, render
from .answers import (
    NotAskable,
    build_observation,
    case_values,
    observed_answers,
    probe_match,
    probe_role,
    role_target,
    vantage,
)
from .model import AnswerOption, CauseBelief, Question
from .posterior import Model, QuestionKey, build_model, expected_gain, posterior

MIN_GAIN = 0.005
"""Expected gains (bits) below this are negligible: such a question is never asked, and triage
stops when no open question has more (a question whose best answer moves the ranking by a
hundredth of a bit would only lengthen the session)."""


def knowledge(rule_dirs: tuple[str, ...] = ()) -> Knowledge:
    """The loaded knowledge (cached per process)."""
    return load_knowledge(tuple(rule_dirs))


def _blocked(facts: FactFile) -> tuple[set[str], set[QuestionKey]]:
    kinds, keys = set(), set()
    for item in facts.unobservable:
        kind, sep, at = item.partition("@")
        if sep:
            keys.add((kind, at))
        else:
            kinds.add(kind)
    return kinds, keys


def in_case(facts: FactFile, at: str) -> bool:
    """Whether a question's place (``VANTAGE`` or ``VANTAGE>ROLE``) exists in this case: the
    vantage exists (:meth:`FactFileHead.has_vantage`), and neither the vantage nor the role it aims
    at is the destination's node when the destination is outside the cluster (an external address
    has no node whose sysctls, firewall or counters the customer could read)."""
    place, _, role = at.partition(">")
    if facts.endpoints.destination.kind == "external" and "destination_node" in (place, role):
        return False
    return facts.has_vantage(place)


def askable(kb: Knowledge, facts: FactFile, q: QuestionKey) -> bool:
    """The place exists in this case (:func:`in_case`) and the case has every value the observation needs."""
    if not in_case(facts, q[1]) or not facts.has_vantage(vantage(q[1])):
        return False
    meta = kb.observation_kinds[q[0]]
    try:
        first = next((a for a in meta.answers if not a.at or q[1] in a.at), None)
        if first is None:
            return False
        build_observation(meta, q[1], first.id, facts)
    except NotAskable:
        return False
    return True


def open_questions(kb: Knowledge, model: Model, facts: FactFile) -> list[QuestionKey]:
    """Questions not asked yet, not blocked, askable in this case; in the guide's order."""
    blocked_kinds, blocked_keys = _blocked(facts)
    out = []
    for q in model.answers:
        if q[0] in blocked_kinds or q in blocked_keys:
            continue
        meta = kb.observation_kinds[q[0]]
        if any(probe_match(meta, q[1], o, facts) for o in facts.observations):
            continue  # answered already (the same probe, or the same probe of the Service's other end)
        if askable(kb, facts, q):
            out.append(q)
    how_ix = {(k, at): i for k, m in kb.observation_kinds.items() for i, at in enumerate(m.how)}
    return sorted(out, key=lambda q: (kb.observation_kinds[q[0]].order, how_ix[q], q))


def beliefs(kb: Knowledge, post: dict[str, float], lang: Lang, n: int | None = None) -> list[CauseBelief]:
    """Causes by decreasing posterior (ties: knowledge-base order)."""
    order = {c: i for i, c in enumerate(kb.causes)}
    ranked = sorted(post, key=lambda c: (-post[c], order[c]))
    return [CauseBelief(id=c, title=kb.causes[c].title.get(lang), posterior=round(post[c], 4)) for c in ranked[:n]]


def rule_certainty(diagnosis: Diagnosis) -> dict[str, float]:
    """Each cause's combined certainty factor in a diagnosis, signed (ruled-out causes are negative)."""
    from ..reasoning.confidence import combine

    out = {}
    for c in list(diagnosis.causes) + list(diagnosis.ruled_out):
        weights = {e.rule: e.weight for e in c.evidence if e.weight is not None}
        out[c.id] = combine(weights.values())
    return out


def current_posterior(kb: Knowledge, facts: FactFile, diagnosis: Diagnosis | None = None, *, sentence: bool = False) -> dict[str, float]:
    """The posterior given the observations of the facts that map to answers and, when given,
    the rule engine's diagnosis of the same facts. ``sentence``: also weigh what the ticket's
    sentence names (kb/mentions.yaml); that posterior orders the questions only, confidence and
    the stop come from the answers (a mention is no evidence)."""
    from ..knowledge.mentions import mention_ratios
    from .posterior import symptom_likelihood

    cf = rule_certainty(diagnosis) if diagnosis is not None else None
    evidence = symptom_likelihood(kb, stated_class(kb, facts))
    if sentence:
        for cid, ratio in mention_ratios(facts.case.summary or "").items():
            if cid in kb.causes:
                evidence[cid] = evidence.get(cid, 1.0) * ratio
    for cid in decisive_support(kb, diagnosis) if diagnosis is not None else ():
        evidence[cid] = evidence.get(cid, 1.0) * DECISIVE_RATIO
    answered = {**observed_answers(facts, kb.observation_kinds), **derived_answers(kb, facts)}
    return posterior(build_model(kb), answered, cf, evidence)


def derived_answers(kb: Knowledge, facts: FactFile) -> dict[QuestionKey, str]:
    """``FINDING@case`` -> answer id for every derived finding (``derived`` in kb/observations.yaml)
    the values of the case settle: the field the rule engine derives for the case fact
    (:func:`podnet.reasoning.engine.destination_derived`, or the fact's own field) has a value one
    of its answers stands for. Nothing is recorded: a value nobody gave leaves the finding open."""
    from ..knowledge.model import DERIVED_AT
    from ..reasoning.engine import destination_derived

    if not kb.derived_findings:
        return {}
    facts_of = {"source": facts.endpoints.source, "destination": facts.endpoints.destination, "cluster": facts.cluster}
    extra = {"destination": destination_derived(facts)}
    out: dict[QuestionKey, str] = {}
    for f in kb.derived_findings.values():
        fields = extra.get(f.fact, {})
        value = fields[f.field] if f.field in fields else getattr(facts_of[f.fact], f.field, None)
        hit = next((a.id for a in f.answers if value is not None and a.value == value and type(a.value) is type(value)), None)
        if hit is not None:
            out[(f.id, DERIVED_AT)] = hit
    return out


CLUSTER_DNS_CLASS = "dns_failure"
"""The guide's class of a failure whose destination is the cluster's DNS Service."""


def stated_class(kb: Knowledge, facts: FactFile) -> str | None:
    """The symptom class the case states: the person's answer to "what fails?", or, when that names
    none of the guide's classes ("something else", not asked), :data:`CLUSTER_DNS_CLASS` if the
    traffic that fails goes to the cluster's DNS Service (:func:`podnet.triage.answers.is_cluster_dns`):
    whatever words the customer chose, a failing kube-dns Service is a DNS failure. A class the
    person named is never overridden."""
    from .answers import is_cluster_dns

    said = facts.case.symptom
    if said in kb.symptoms or CLUSTER_DNS_CLASS not in kb.symptoms:
        return said
    return CLUSTER_DNS_CLASS if is_cluster_dns(facts) else said


DECISIVE_RATIO = 1.0
"""Extra likelihood ratio of a cause a decisive rule supports (``decisive: true``, positive weight),
on top of the ratio of its certainty factor. 1: none. With 10, more examples were reached from the
sentence (a confirmed rare cause outweighs the common causes of the stated symptom), but 7 rule
test cases got a confident wrong answer (a decisive rule for the less specific of two related
causes fired first: dns_service_down before coredns_forward_loop, pod_dns_config_wrong before
dns_policy_hostnetwork); see docs/triage-bench.md."""


def decisive_support(kb: Knowledge, diagnosis: Diagnosis) -> set[str]:
    """Causes of the diagnosis that a decisive rule with a positive weight supports."""
    decisive = {r.id for r in kb.rules if r.spec.decisive and (r.spec.then.weight or 0) > 0}
    return {c.id for c in diagnosis.causes if any(e.rule in decisive and (e.weight or 0) > 0 for e in c.evidence)}


def _buildable(meta: Any, at: str, answer_id: str, facts: FactFile) -> bool:
    """Whether the answer makes sense in this case (e.g. "the ClusterIP fails" needs a Service)."""
    try:
        build_observation(meta, at, answer_id, facts)
    except NotAskable:
        return False
    return True


def render_question(kb: Knowledge, facts: FactFile, q: QuestionKey, gain: float, lang: Lang, ctx: dict[str, Any] | None = None) -> Question:
    """A question rendered for the case."""
    kind, at = q
    meta = kb.observation_kinds[kind]
    how = meta.how[at]
    ctx = {**(ctx if ctx is not None else case_context(facts)), "at": at}  # the question may read where it is asked
    role = probe_role(meta, at)
    if role != "destination" and role_target(facts, role) is not None:
        ctx = probe_context(ctx, role)  # the check probes the backend Pod, a node, the DNS Service
    looked_up = case_values(kind, at, facts, role).get("name") if kind == "dns_lookup" else None
    if looked_up and not facts.endpoints.destination.dns_name:
        # the name the lookup checks although the ticket gave none (the cluster DNS Service: a name every cluster serves)
        ctx = {**ctx, "dst": obs_namespace({**ctx["dst"], "dns_name": looked_up}, "destination")}
    where = f"kb/observations.yaml: {kind}"
    command = render(how.command, ctx, f"{where}.how.{at}.command")
    return Question(
        kind=kind,
        at=at,
        title=meta.title.get(lang),
        text=render(meta.question.get(lang), ctx, f"{where}.question.{lang}"),
        command=command,
        run_in=how.run_in,
        warning=warning_for(command, lang),  # a question asking to try a change (kind workaround)
        answers=[
            AnswerOption(id=a.id, text=render(a.text.get(lang), ctx, f"{where}.answers.{a.id}.text"))
            for a in meta.answers
            if (not a.at or at in a.at) and _buildable(meta, at, a.id, facts)
        ],
        expected_gain=round(gain, 6),
    )


def rank_questions(kb: Knowledge, facts: FactFile, post: dict[str, float] | None = None) -> list[tuple[QuestionKey, float]]:
    """Open questions with a positive expected gain, best first (ties: the guide's order)."""
    model = build_model(kb)
    post = post if post is not None else current_posterior(kb, facts)
    scored = [(q, expected_gain(model, post, q)) for q in open_questions(kb, model, facts)]
    scored = [(q, g) for q, g in scored if g > MIN_GAIN]
    # gain per unit of effort (a capture at both ends costs more than a ping: ``cost`` in
    # kb/observations.yaml); the stable sort keeps the guide's order among equal values
    scored.sort(key=lambda s: -round(s[1] / kb.observation_kinds[s[0][0]].cost, 9))
    return scored


def next_questions_for(facts: FactFile, n: int = 3, lang: Lang = "en", rule_dirs: tuple[str, ...] = ()) -> list[Question]:
    """The ``n`` most informative questions for a validated fact file."""
    from ..reasoning.diagnose import diagnose_facts

    kb = knowledge(rule_dirs)
    ctx = case_context(facts)
    post = current_posterior(kb, facts, diagnose_facts(facts, lang=lang, rule_dirs=rule_dirs))
    return [render_question(kb, facts, q, g, lang, ctx) for q, g in rank_questions(kb, facts, post)[:n]]
