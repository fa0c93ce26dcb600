"""A Bayesian posterior over the causes, and the expected information gain of each question.

The model (naive Bayes over the knowledge base)::

    P(cause | answers)  ∝  prior(cause) × Π  P(answer_q | cause)

``prior`` is the cause's ``prior`` in ``kb/causes``; ``P(answer | cause)`` comes from the cause's
``signature`` entry for that question (``KIND@VANTAGE``), or else from the ``signature`` of its
symptom class in ``kb/symptoms.yaml`` (what the guide says the class looks like: ping fails,
telnet fails, names fail...). How gaps are treated:

* **No signature entry** for a question: the single-fault assumption. A cause that does not
  declare an observation leaves it as a healthy cluster shows it, so the answer marked
  ``normal: true`` in ``kb/observations.yaml`` gets ``(1-ε) + ε/k`` and every other answer ``ε/k``
  (``k`` answers, ε = :data:`UNDECLARED_SPREAD`, which keeps room for a signature that forgot an
  effect). A kind without a ``normal`` answer gets a flat likelihood ``1/k``: that question then
  neither helps nor hurts the cause.
* **Answers left out of an entry** share the probability mass the entry leaves (``1 - sum``)
  equally; if nothing is left they get :data:`FLOOR`.
* **Answer ids an entry names that the kind does not have** are ignored.
* Every likelihood is at least :data:`FLOOR` (then the entry is renormalised), so one answer a
  signature calls impossible lowers a cause a lot but cannot erase it: signatures are estimates.
* **Specific findings.** An abnormal answer to a reading of a node's or the cluster's state (not a
  probe of the failing traffic) that at most :data:`SPECIFIC_MAX_CAUSES` causes predict (their
  signature gives it more than the undeclared share), at least one of them with a decisive rule
  reading that kind (``bridge-nf-call-iptables = 0``, "the iptables backends differ", "the
  SNAT ports are exhausted"), is what the knowledge base holds to establish those causes: under a
  cause that does not declare the question it gets :data:`FLOOR` (as an answer a signature calls
  impossible), not the undeclared
  share ``ε/k`` (which would make it as common as one cluster in four), the rest going to the
  normal answer. Otherwise a confirmed rare cause stays below the common causes of the stated
  symptom, and the check that would confirm it looks worth a hundredth of a bit.
* **An answer's own undeclared share.** An answer may state how often a case whose fault lies
  elsewhere shows it (``undeclared`` in ``kb/observations.yaml``): ndots:5 with the node's search
  domains appended is what many healthy cloud clusters show, so it is neither the ``ε/k`` spread
  nor a specific finding's floor. That share replaces both for the answer under every cause that
  does not declare the question, and under a cause whose entry does not name the answer; the
  other answers share the rest in their usual proportions.
* **Derived findings** (``derived`` in ``kb/observations.yaml``): a value the rule engine derives
  from the values of the case (the host the flow targets lies inside the Pod or Service CIDR) is
  one more answered question, ``FINDING@case``, never asked and never recorded: it is read from the
  case whenever the values it needs were given (:func:`derived_answers`). Its likelihood under the
  causes that do not declare it is its answers' ``undeclared`` shares.

Questions are ``KIND@VANTAGE`` pairs of the kinds in ``kb/observations.yaml`` that have
``answers``. The expected information gain of a question is the expected drop in entropy (bits)
of the cause distribution once its answer is known:
``H(C) - Σ_a P(a) H(C | a)`` with ``P(a) = Σ_c P(c) P(a | c)``.

The rule engine's verdict joins the posterior as one more piece of evidence per cause: its
combined certainty factor ``CF`` (from the rules' weights, as ``podnet diagnose`` computes it)
becomes a likelihood ratio ``λ = 1/(1-CF)`` (``CF >= 0``) or ``λ = 1+CF`` (``CF < 0``), Heckerman's
probabilistic reading of MYCIN's certainty factors, under which MYCIN's combination rule is the
product of the ratios. So ``posterior ∝ prior × Π P(answer | cause) × λ(CF)``. An answer can thus
count twice (once through a signature, once through a rule on the observation it became); the
stopping rule's agreement check (:mod:`podnet.triage.session`) and the benchmark's wrong-answer
count watch for the overconfidence this could bring. The expected gain of a question uses the
signatures only (the rule engine is not run on hypothetical answers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..knowledge.load import Knowledge
from ..reasoning.confidence import likelihood_ratio

FLOOR = 0.01
"""Smallest likelihood any answer has under any cause."""

UNDECLARED_SPREAD = 0.5
"""ε: share of an undeclared question's likelihood spread evenly over all answers (the rest goes to
the ``normal`` answer)."""

SPECIFIC_MAX_CAUSES = 2
"""An answer declared as the finding of more causes than this is not specific to any of them."""

QuestionKey = tuple[str, str]
"""(kind, vantage)."""


@dataclass(frozen=True)
class Model:
    """Priors and likelihood tables of every cause, for every askable question."""

    causes: tuple[str, ...]
    prior: dict[str, float]
    answers: dict[QuestionKey, tuple[str, ...]]
    likelihood: dict[QuestionKey, dict[str, dict[str, float]]]  # question -> cause -> answer -> P
    specific: dict[QuestionKey, frozenset[str]] = field(default_factory=dict)
    """The specific findings of each question (see the module docstring)."""
    derived: dict[QuestionKey, tuple[str, ...]] = field(default_factory=dict)
    """The derived findings (``FINDING@case`` -> answer ids): in ``likelihood``, never asked, so not in ``answers``."""

    def p(self, q: QuestionKey, cause: str, answer: str) -> float:
        return self.likelihood[q][cause][answer]


def _entry(declared: dict[str, float], answers: tuple[str, ...], shares: dict[str, float] | None = None) -> dict[str, float]:
    """A signature entry as a likelihood table over ``answers``; an answer with an ``undeclared``
    share that the entry does not name gets that share (it is no more and no less likely under a
    cause that does not mention it), the entry's own figures filling the rest."""
    fixed = {a: p for a, p in (shares or {}).items() if a not in declared}
    if fixed:
        table = _entry(declared, tuple(a for a in answers if a not in fixed))
        scale = 1.0 - sum(fixed.values())
        return _entry({**{a: p * scale for a, p in table.items()}, **fixed}, answers)
    given = {a: max(0.0, float(p)) for a, p in declared.items() if a in answers}
    rest = [a for a in answers if a not in given]
    left = 1.0 - sum(given.values())
    for a in rest:
        given[a] = left / len(rest) if left > FLOOR * len(rest) else FLOOR
    floored = {a: max(FLOOR, given[a]) for a in answers}
    total = sum(floored.values())
    return {a: floored[a] / total for a in answers}


def _undeclared(ids: tuple[str, ...], normal: set[str], shares: dict[str, float]) -> dict[str, float]:
    """P(answer | a cause that does not declare the question): the ``normal`` answer gets
    ``(1-ε) + ε/k``, every other ``ε/k`` (flat ``1/k`` without a normal answer); an answer with its
    own share (``undeclared``) gets that, and the others are scaled to fill the rest."""
    if normal:
        spread = UNDECLARED_SPREAD / len(ids)
        default = {a: spread + ((1 - UNDECLARED_SPREAD) / len(normal) if a in normal else 0.0) for a in ids}
    else:
        default = {a: 1.0 / len(ids) for a in ids}
    if shares:
        rest = [a for a in ids if a not in shares]
        scale = (1.0 - sum(shares.values())) / sum(default[a] for a in rest)
        default = {a: shares[a] if a in shares else default[a] * scale for a in ids}
    return default


def build_model(kb: Knowledge) -> Model:
    """The likelihood tables of the knowledge base (built once per loaded knowledge)."""
    from ..knowledge.model import DERIVED_AT

    cached = getattr(kb, "_triage_model", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    answers: dict[QuestionKey, tuple[str, ...]] = {}
    for kind, meta in kb.observation_kinds.items():
        if meta.answers:
            for at in meta.how:
                ids = tuple(a.id for a in meta.answers if not a.at or at in a.at)
                if ids:
                    answers[(kind, at)] = ids
    derived = {(f.id, DERIVED_AT): tuple(a.id for a in f.answers) for f in kb.derived_findings.values()}
    causes = tuple(kb.causes)
    likelihood: dict[QuestionKey, dict[str, dict[str, float]]] = {}
    normals: dict[QuestionKey, set[str]] = {}
    shared: dict[QuestionKey, dict[str, float]] = {}
    for q, ids in {**answers, **derived}.items():
        options = kb.derived_findings[q[0]].answers if q in derived else kb.observation_kinds[q[0]].answers
        normals[q] = {a.id for a in options if a.normal and a.id in ids}
        shared[q] = {a.id: a.undeclared for a in options if a.undeclared is not None and a.id in ids}
        default = _undeclared(ids, normals[q], shared[q])
        likelihood[q] = {c: default for c in causes}
    declared: set[tuple[QuestionKey, str]] = set()
    for cid, cause in kb.causes.items():
        symptom = kb.symptoms.get(cause.symptom)
        inherited = list(symptom.signature) if symptom is not None else []
        for entry in inherited + list(cause.signature):  # the cause's own entries come last and win
            kind, _, at = entry.observe.partition("@")
            q = (kind, at)
            if q in likelihood:
                likelihood[q][cid] = _entry(entry.answers, answers[q] if q in answers else derived[q], shared[q])
                declared.add((q, cid))
    readers = decisive_kinds(kb)
    specifics: dict[QuestionKey, frozenset[str]] = {}
    for q, ids in answers.items():
        if _is_probe(q[0]):
            continue  # what happened to traffic is shared by every cause on its path
        base = next((likelihood[q][c] for c in causes if (q, c) not in declared), None)
        if base is None:
            continue  # every cause declares this question: nothing is left to the default
        specific = set()
        for a in ids:
            if a in normals[q] or a in shared[q]:
                continue  # the normal answer, or one whose undeclared share is stated
            # the causes that predict the finding: more likely under them than under a cause
            # that does not mention the question
            holders = [c for c in causes if (q, c) in declared and likelihood[q][c][a] > base[a]]
            if 0 < len(holders) <= SPECIFIC_MAX_CAUSES and any(c in readers.get(q[0], ()) for c in holders):
                specific.add(a)
        if specific and normals[q]:
            default = dict(base)
            freed = sum(default[a] - FLOOR for a in specific if default[a] > FLOOR)
            for a in specific:
                default[a] = min(default[a], FLOOR)
            for a in normals[q]:
                default[a] += freed / len(normals[q])
            for c in causes:
                if (q, c) not in declared:
                    likelihood[q][c] = default
            specifics[q] = frozenset(specific)
    model = Model(causes, {c: kb.causes[c].prior for c in causes}, answers, likelihood, specifics, derived)
    object.__setattr__(kb, "_triage_model", model)
    return model


def _is_probe(kind: str) -> bool:
    """A probe of the failing traffic (its observation has a ``result`` or a ``target``: ping,
    tcp_connect, a lookup, an MTU probe...), as opposed to a reading of a node's or the cluster's
    state (a sysctl, the iptables backends, a Pod's resolv.conf)."""
    from ..facts.observations import OBSERVATION_MODELS

    model = OBSERVATION_MODELS.get(kind)
    return model is None or "result" in model.model_fields or "target" in model.model_fields


def decisive_kinds(kb: Knowledge) -> dict[str, set[str]]:
    """Observation kind -> the causes a decisive rule reading it concludes (positive weight)."""
    from typing import Any

    cached = getattr(kb, "_triage_decisive_kinds", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    out: dict[str, set[str]] = {}

    def walk(node: Any, cause: str) -> None:
        kind = getattr(node, "kind", None)
        if isinstance(kind, str):
            out.setdefault(kind, set()).add(cause)
        for item in getattr(node, "items", ()) or ():
            walk(item, cause)
        inner = getattr(node, "item", None)
        if inner is not None:
            walk(inner, cause)

    for rule in kb.rules:
        weight = getattr(rule.spec.then, "weight", None) or 0
        if rule.conclusion in kb.causes and getattr(rule.spec, "decisive", False) and weight > 0:
            walk(rule.condition, rule.conclusion)
    object.__setattr__(kb, "_triage_decisive_kinds", out)
    return out


SYMPTOM_MATCH = 0.6
"""P(the person names the guide's symptom class of the true cause | that cause) when asked what
fails; the other classes share the rest. A customer's words are a weak guide (a Service without
kube-proxy rules "times out" like an unreachable network), so the class tilts the ranking without
ruling any cause out."""


def symptom_likelihood(kb: Knowledge, symptom: str | None) -> dict[str, float]:
    """P(the person says ``symptom`` | cause) for every cause; empty when nothing was said."""
    classes = [s for s in kb.symptoms]
    if not symptom or symptom not in classes or len(classes) < 2:
        return {}
    other = (1.0 - SYMPTOM_MATCH) / (len(classes) - 1)
    return {c: SYMPTOM_MATCH if cause.symptom == symptom else other for c, cause in kb.causes.items()}


def posterior(
    model: Model, answered: dict[QuestionKey, str], rule_cf: dict[str, float] | None = None, evidence: dict[str, float] | None = None
) -> dict[str, float]:
    """P(cause | answers [, rule evidence] [, further likelihoods such as the stated symptom]),
    normalised over the causes of the knowledge base."""
    if not model.causes:
        return {}
    rule_cf = rule_cf or {}
    evidence = evidence or {}
    logp = {}
    for c in model.causes:
        lp = math.log(model.prior[c]) + math.log(likelihood_ratio(rule_cf.get(c, 0.0))) + math.log(evidence.get(c, 1.0))
        for q, a in answered.items():
            if q in model.likelihood and a in model.likelihood[q][c]:
                lp += math.log(model.p(q, c, a))
        logp[c] = lp
    top = max(logp.values())
    weights = {c: math.exp(v - top) for c, v in logp.items()}
    total = sum(weights.values())
    return {c: w / total for c, w in weights.items()}


def entropy(dist: dict[str, float]) -> float:
    """Shannon entropy in bits."""
    return -sum(p * math.log2(p) for p in dist.values() if p > 0)


def expected_gain(model: Model, post: dict[str, float], q: QuestionKey) -> float:
    """Expected information gain (bits) of asking ``q`` given the current posterior."""
    h = entropy(post)
    table = model.likelihood[q]
    expected = 0.0
    for a in model.answers[q]:
        joint = {c: post[c] * table[c][a] for c in post}
        pa = sum(joint.values())
        if pa <= 0:
            continue
        expected += pa * entropy({c: v / pa for c, v in joint.items()})
    return max(0.0, h - expected)


MIN_SHIFT = 0.05
"""An answer that moves the top cause's posterior by at least this much changes the ranking."""


MIN_ANSWER_P = 0.01
"""Answers less likely than this are ignored when deciding whether a question could change the ranking."""


def moves_ranking(
    model: Model, post: dict[str, float], q: QuestionKey, threshold: float, min_shift: float = MIN_SHIFT, min_p: float = MIN_ANSWER_P
) -> bool:
    """Whether some answer of ``q`` (with probability at least ``min_p``) would change what triage
    concludes: another cause on top, the top cause crossing the threshold, or some cause's
    posterior moving by ``min_shift`` or more. A question none of whose answers does any of this
    would not change the ranking, whatever its gain in bits spread over unlikely causes."""
    if not post:
        return False
    top = max(post, key=lambda c: post[c])
    pt = post[top]
    table = model.likelihood[q]
    for a in model.answers[q]:
        joint = {c: post[c] * table[c][a] for c in post}
        pa = sum(joint.values())
        if pa < min_p:
            continue
        new_top = max(joint, key=lambda c: joint[c])
        nt = joint[top] / pa
        if new_top != top or (nt >= threshold) != (pt >= threshold):
            return True
        if any(abs(joint[c] / pa - post[c]) >= min_shift for c in post):
            return True
    return False

