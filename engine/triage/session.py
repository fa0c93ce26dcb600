"""A triage session: the case so far, one answer at a time, with undo and a stopping rule.

Two rankings are kept side by side and shown under their own names:

* the **triage posterior** (:mod:`podnet.triage.posterior`), from the causes' priors and
  signatures, with the rule engine's certainty factors folded in as likelihood ratios; it chooses
  the questions;
* the **rule engine's diagnosis** (``podnet.diagnose``), from the rules' weights, which is the
  explained report the session ends with.

Stopping rule: the session is *confident* when the top cause's posterior is at least the
threshold (:data:`DEFAULT_THRESHOLD`, ``--threshold``) **and** the rule engine ranks the same
cause first (two judgements of the same facts agree: one from the signatures, one from the
rules' explained evidence, which is what the final report shows). It stops when confident, or when no open question has a positive expected
information gain (nothing left to ask would change the ranking).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..diagnosis import Diagnosis
from ..errors import UsageError
from ..facts.model import FactFile
from ..knowledge.model import Lang
from .answers import NotAskable, build_observations, probe_role
from .model import CauseBelief, Question
from .questions import (
    beliefs,
    current_posterior,
    knowledge,
    rank_questions,
    render_question,
)
from .defaults import DEFAULT_THRESHOLD  # callers import it from the session too


SHOWN_QUESTIONS = 3
"""How many ranked questions a status carries (the first is asked)."""


@dataclass
class Status:
    """Where the session stands after the answers so far."""

    beliefs: list[CauseBelief]
    diagnosis: Diagnosis
    questions: list[Question]
    threshold: float

    @property
    def top(self) -> CauseBelief | None:
        return self.beliefs[0] if self.beliefs else None

    @property
    def rules_agree(self) -> bool:
        """The rule engine ranks the posterior's top cause first."""
        d = self.diagnosis.top
        return d is not None and self.top is not None and d.id == self.top.id

    @property
    def confident(self) -> bool:
        return self.top is not None and self.top.posterior >= self.threshold and self.rules_agree

    @property
    def stop_reason(self) -> Literal["confident", "no_gain"] | None:
        if self.confident:
            return "confident"
        if not self.questions:
            return "no_gain"
        return None

    @property
    def done(self) -> bool:
        return self.stop_reason is not None


@dataclass
class Step:
    """One answered question: ``answer`` is an answer id, or None for "unknown / can't run it"."""

    kind: str
    at: str
    answer: str | None


@dataclass
class TriageSession:
    """The state of one triage; the fact file grows with every answer."""

    facts: FactFile
    lang: Lang = "en"
    threshold: float = DEFAULT_THRESHOLD
    rule_dirs: tuple[str, ...] = ()
    steps: list[Step] = field(default_factory=list)
    _history: list[FactFile] = field(default_factory=list, repr=False)
    _status: Status | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.threshold <= 1:
            raise UsageError(f"threshold must be in (0, 1], not {self.threshold}", location="--threshold")
        self.facts = self.facts.model_copy(deep=True)

    def status(self) -> Status:
        """Posterior, rule-engine diagnosis and the best next questions (cached until the next answer)."""
        if self._status is None:
            from ..reasoning.diagnose import diagnose_facts

            kb = knowledge(self.rule_dirs)
            diagnosis = diagnose_facts(self.facts, lang=self.lang, rule_dirs=self.rule_dirs)
            post = current_posterior(kb, self.facts, diagnosis)
            ranked = rank_questions(kb, self.facts, post)
            qs = [render_question(kb, self.facts, q, g, self.lang) for q, g in ranked[:SHOWN_QUESTIONS]]
            self._status = Status(
                beliefs=beliefs(kb, post, self.lang),
                diagnosis=diagnosis,
                questions=qs,
                threshold=self.threshold,
            )
        return self._status

    @property
    def question(self) -> Question | None:
        """The next question, or None when there is nothing worth asking."""
        qs = self.status().questions
        return qs[0] if qs else None

    def _push(self) -> None:
        self._history.append(self.facts.model_copy(deep=True))
        self._status = None

    def answer(self, kind: str, at: str, answer_id: str, probe: str | None = None) -> None:
        """Record an answer as real observations (fragments + kind + at + the case's target);
        ``probe``: "backend" (the Service's backend Pod) or "destination" (its ClusterIP) when the
        answer is about that rather than what the question probes (``how.<at>.target``)."""
        kb = knowledge(self.rule_dirs)
        meta = kb.observation_kinds.get(kind)
        if meta is None or not meta.answers or at not in meta.how:
            raise UsageError(f"no question {kind}@{at} in the knowledge base", location=f"{kind}@{at}")
        if answer_id not in {a.id for a in meta.answers}:
            known = ", ".join(a.id for a in meta.answers)
            raise UsageError(f"unknown answer {answer_id!r} (known: {known}, unknown)", location=f"{kind}@{at}")
        q = render_question(kb, self.facts, (kind, at), 0.0, self.lang)
        try:
            own = "backend" if probe_role(meta, at) == "backend" else "destination"
            note = q.command if probe in (None, own) else None  # the command shown probes what the question names
            obs = build_observations(meta, at, answer_id, self.facts, note=note, probe=probe)
        except NotAskable as exc:
            raise UsageError(f"cannot record the answer: {exc}", location=f"{kind}@{at}") from None
        self._push()
        self.facts.observations.extend(obs)  # type: ignore[arg-type]
        self.steps.append(Step(kind, at, answer_id))

    def unknown(self, kind: str, at: str) -> None:
        """"Unknown / can't run it": ``KIND@VANTAGE`` goes to ``unobservable`` and is not asked again
        (the same check at another vantage point may still be possible: a file that records a
        check at one end only, a customer with access to one node only)."""
        self._push()
        key = f"{kind}@{at}"
        if kind not in self.facts.unobservable and key not in self.facts.unobservable:
            self.facts.unobservable.append(key)
        self.steps.append(Step(kind, at, None))

    def back(self) -> bool:
        """Undo the last answer; False when there is nothing to undo."""
        if not self._history:
            return False
        self.facts = self._history.pop()
        self.steps.pop()
        self._status = None
        return True
