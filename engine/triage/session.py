"""A triage session: one model of the conversation that every view (terminal, web page, script)
drives the same way.

    s = TriageSession.start(lang="en")            # nothing known but a case id
    p = s.current_question()                      # Prompt: "What fails?" (the guide's five classes)
    s.answer("network_unreachable")               # an option id, a typed value, or "unknown"
    s.answer(paste=text)                          # pasted command output, at any prompt
    s.ranking(), s.summary(), s.undo(), s.back()
    s.save("case.json"); TriageSession.load("case.json")
    s.state()  -> JSON-serialisable dict;  TriageSession.from_state(d)

What is asked, in order: a contradiction as soon as one appears ("you said X, and now Y: which
holds?"); what fails (the opening question); where the traffic starts and what it reaches (the
fact file needs both); then the most useful observation question (expected information gain per
effort, :mod:`podnet.triage.posterior`). A question that cannot be recorded without a value of the
case (the Service's backend for a ping; a ClusterIP is never pinged) is preceded by that value's
question (:mod:`podnet.triage.context`, :mod:`podnet.triage.needs`); a value a rule needs is asked
when nothing else is worth asking. Only what the person said or pasted enters the case.

Two rankings are kept side by side: the **triage posterior** (priors, signatures, the stated
symptom, the rule engine's certainty as likelihood ratios) and the **rule engine's diagnosis**
(``podnet diagnose``). Stopping rule: *confident* when the posterior's top cause has at least the
threshold and the rule engine ranks the same cause first with at least :data:`RULE_FLOOR`;
otherwise stop when no open question
has a non-negligible expected gain (:data:`podnet.triage.questions.MIN_GAIN`) and no value of the
case would let a rule conclude; or when, after a run of "don't know" answers, the customer is
unlikely to answer any of the next questions (:meth:`TriageSession._too_many_unknowns`: after
:data:`UNKNOWN_STREAK` for a customer who has answered nothing, later for one who has).

The older, lower-level calls remain: ``status()``, ``question`` (the best observation question),
``answer(kind, at, answer_id, probe=None)``, ``unknown(kind, at)``.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from ..diagnosis import Diagnosis
from ..errors import UsageError
from ..facts.model import FactFile
from ..knowledge.model import Lang
from . import context as ctx
from .answers import NotAskable, answer_for_group, build_observations, observed_probes, probe_match, probe_role
from .defaults import DEFAULT_THRESHOLD, RULE_FLOOR  # callers import it from the session too
from .messages import MESSAGES, UNKNOWN_WORDS, VANTAGES
from .model import AnswerOption, CauseBelief, NextStep, Outcome, Prompt, Question, Ranking, RuleCause, Summary
from .posterior import decisive_kinds
from .questions import MIN_GAIN, beliefs, current_posterior, derived_answers, knowledge, rank_questions, render_question, rule_certainty

SHOWN_QUESTIONS = 3
"""How many ranked questions a status carries (the first is asked)."""

SLOT_COST = 0.5
"""Effort of answering one value of the case, relative to a ping: a question that needs k values
first is ranked by gain / (cost + k × SLOT_COST)."""

CONFIRM_P = 0.05
"""Before concluding, a check is still asked when its answer would put another cause first with
at least this probability (one more question rather than a confident wrong answer)."""

RUNNER_UP = 0.005
"""... and only the decisive checks of the runner-up cause, when it has at least this posterior."""

AGREE_P = 0.2
"""When the posterior's top cause has reached the threshold and the rule engine does not rank it
first, a check whose answers would make the rule engine agree, with at least this probability
together, is asked before the checks ranked by gain (:meth:`TriageSession._agreeing`)."""

LONG_SHOT_P = 0.001
"""When no likely answer would change the ranking, checks are still asked one of whose answers,
at least this probable, would put another cause first or make one confident (the decisive check
of a rare cause); triage stops when none is left."""

SIBLING_UNKNOWN = 0.5
"""Learning from "don't know": a customer who cannot run a check at one place likely cannot run the
same check at the case's other places either (the same command, the same access, the same files).
Each "don't know" to ``KIND@VANTAGE`` multiplies the priority of the open questions of that kind by
this factor (gain per effort × factor): they are asked after the checks of other kinds, not struck
off (the same check on another node may still be at hand)."""

MENTION_QUESTIONS = 3
"""Checks of the kinds the ticket's sentence names (``ask`` in kb/mentions.yaml) asked before the
others, at most this many per session: an engineer checks first what the ticket names, then goes
by expected gain."""

STATE_MARK = "podnet_triage_session"
"""Key that marks a saved session (as opposed to a fact file)."""

UNKNOWN_STREAK = 15
"""A customer who has answered none of this many questions in a row is stopped (nothing learnt from
any of them): triage says what is known, what to check next and how to resume, rather than asking
on (issue #14). One who answered earlier is asked on while an answer to the next questions is
likelier than for that customer (:meth:`TriageSession._too_many_unknowns`)."""

STOP_WINDOW = 10
"""The "don't know" stop looks this many questions ahead: triage stops when the customer is unlikely
to answer any of them (:meth:`TriageSession._too_many_unknowns`)."""

OPENING_KEYS = frozenset({"context:source_kind", "context:destination_kind"})
"""Prompts of the opening that do not count to the customer's record (with "what fails")."""

UNKNOWN = "unknown"
StopReason = Literal["confident", "no_gain", "no_endpoints", "unknowns"]


class AnswerError(UsageError):
    """An answer the current prompt cannot take; ``key`` names the message, already in the
    session's language. The prompt stays as it was."""

    code = "E-TRIAGE-ANSWER"

    def __init__(self, message: str, key: str, location: str) -> None:
        super().__init__(message, location=location)
        self.key = key


def confident(top: CauseBelief | None, diagnosis: Diagnosis, threshold: float) -> bool:
    """Triage may stop on the posterior's top cause: it reaches ``threshold``, and the rule engine
    ranks it first with at least :data:`RULE_FLOOR` (even odds from the rules' own evidence)."""
    d = diagnosis.top
    return top is not None and top.posterior >= threshold and d is not None and d.id == top.id and d.confidence >= RULE_FLOOR


@dataclass
class Status:
    """Where the session stands after the answers so far (observation questions only)."""

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
        """The posterior's top cause reaches the threshold, and the rule engine ranks it first with
        at least :data:`RULE_FLOOR`."""
        return confident(self.top, self.diagnosis, self.threshold)

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
    """One answered observation question: ``answer`` is an answer id, or None for "don't know"."""

    kind: str
    at: str
    answer: str | None


@dataclass
class Entry:
    """One step of the conversation, as the log (and undo) keeps it."""

    type: Literal["symptom", "context", "observation", "conflict", "paste"]
    key: str
    value: Any = None
    """Option id, typed value (as text), "unknown", or for a paste the number of observations taken."""
    lines: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "key": self.key, "value": self.value, "lines": list(self.lines)}


@dataclass
class _Conflict:
    """Two sets of observations that cannot both hold: ``old`` said earlier, ``new`` just now."""

    old: list[int]
    new: list[int]
    old_text: str
    new_text: str


@dataclass
class _Snapshot:
    head: dict[str, Any]
    obs: list[Any]
    tags: list[int]
    symptom_asked: bool
    unknown_slots: set[str]
    pending: _Conflict | None
    log_len: int
    sentence: bool = False
    """The state before the values taken from the ticket's sentence: undoing it drops them."""


class TriageSession:
    """The state of one triage; see the module docstring."""

    def __init__(
        self,
        facts: FactFile | None = None,
        lang: Lang = "en",
        threshold: float = DEFAULT_THRESHOLD,
        rule_dirs: tuple[str, ...] = (),
        *,
        ask_symptom: bool | None = None,
        strategy: Literal["adaptive", "fixed"] = "adaptive",
        case_id: str | None = None,
        summary: str = "",
        unknown_limit: int | None = UNKNOWN_STREAK,
    ) -> None:
        if not 0 < threshold <= 1:
            raise UsageError(f"threshold must be in (0, 1], not {threshold}", location="--threshold")
        if lang not in MESSAGES:
            raise UsageError(f"unknown language {lang!r} (en or zh)", location="--lang")
        if unknown_limit is not None and unknown_limit < 1:
            raise UsageError(f"unknown_limit must be at least 1 (or None), not {unknown_limit}", location="unknown_limit")
        self.lang: Lang = lang
        self.threshold = threshold
        self.unknown_limit = unknown_limit
        self.rule_dirs = tuple(rule_dirs)
        self.strategy = strategy
        if facts is None:
            self.head = ctx.empty_head(case_id or time.strftime("triage-%Y%m%d-%H%M%S"), summary)
            self._obs: list[Any] = []
        else:
            self.head = ctx.head_of(facts)
            self._obs = list(facts.model_copy(deep=True).observations)
        self._tags: list[int] = [0] * len(self._obs)
        if ask_symptom is None:
            ask_symptom = facts is None or (facts.case.symptom is None and not facts.observations)
        self.symptom_asked = not ask_symptom or self.head["case"].get("symptom") is not None
        self.unknown_slots: set[str] = set()
        self.pending: _Conflict | None = None
        self.log: list[Entry] = []
        self._streak_from = 0  # "don't know" answers before this log index (a resumed session's) do not count
        self._undo: list[_Snapshot] = []
        self._version = 0
        self._cache: dict[str, Any] = {}
        self.from_sentence: list[str] = []
        """The values taken from the ticket's sentence (``Source = pod``...), for the person to read."""
        if facts is None and summary:
            self._read_sentence(summary)

    def _read_sentence(self, summary: str) -> None:
        """Take the values the ticket's sentence states (:func:`podnet.triage.context.from_sentence`);
        'back' at the first question drops them."""
        head, taken = ctx.from_sentence(self.head, summary)
        if taken:
            self._push()
            self._undo[-1].sentence = True
            self.head = head
            self.from_sentence = [f"{_slot_label(spec, self.lang)} = {ctx.describe_value(spec, value)}" for spec, value in taken]

    # ---- construction ---------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        symptom: str | None = None,
        *,
        case_id: str | None = None,
        summary: str = "",
        lang: Lang = "en",
        threshold: float = DEFAULT_THRESHOLD,
        rule_dirs: tuple[str, ...] = (),
        strategy: Literal["adaptive", "fixed"] = "adaptive",
        unknown_limit: int | None = UNKNOWN_STREAK,
    ) -> TriageSession:
        """A session from nothing but the ticket (its id and sentence); ``symptom`` answers the
        opening question at once (a class id, "other", or None to ask it); ``unknown_limit``: stop
        after that many "don't know" answers in a row (None: never for that reason)."""
        s = cls(None, lang, threshold, rule_dirs, strategy=strategy, case_id=case_id, summary=summary, unknown_limit=unknown_limit)
        if symptom is not None:
            s.answer(symptom)
        return s

    # ---- the case ---------------------------------------------------------------------------

    @property
    def kinds_known(self) -> bool:
        return ctx.kinds_known(self.head)

    @property
    def facts(self) -> FactFile:
        """The case gathered so far as a fact file (both ends' kinds must be known)."""
        if "facts" not in self._cache:
            if not self.kinds_known:
                raise UsageError("the endpoints' kinds are not known yet", location="endpoints")
            self._cache["facts"] = ctx.build_facts(self.head, self._obs)
        return self._cache["facts"]  # type: ignore[no-any-return]

    def fact_data(self) -> dict[str, Any]:
        """The fact file as it would be written, or the partial case (without the endpoints' kinds)."""
        if self.kinds_known:
            return self.facts.to_json_dict()
        return {"schema_version": "1", **copy.deepcopy(self.head), "observations": []}

    def _changed(self) -> None:
        self._version += 1
        self._cache = {}

    def _push(self) -> None:
        self._undo.append(
            _Snapshot(copy.deepcopy(self.head), list(self._obs), list(self._tags), self.symptom_asked, set(self.unknown_slots), self.pending, len(self.log))
        )

    @property
    def M(self) -> dict[str, str]:
        return MESSAGES[self.lang]

    def _error(self, key: str, location: str, **fields: Any) -> AnswerError:
        return AnswerError(self.M[key].format(**fields), key, location)

    # ---- evaluation -------------------------------------------------------------------------

    def _evaluate(self) -> dict[str, Any]:
        """Diagnosis, posterior, gains (cached until the next change)."""
        if "eval" not in self._cache:
            from ..reasoning.diagnose import diagnose_facts
            from .posterior import build_model, expected_gain

            kb = knowledge(self.rule_dirs)
            facts = self.facts
            diagnosis = diagnose_facts(facts, lang=self.lang, rule_dirs=self.rule_dirs)
            post = current_posterior(kb, facts, diagnosis)
            model = build_model(kb)
            open_qs = _open_questions(kb, model, facts)
            # the order of the questions weighs what the ticket's sentence names; nothing else does
            ordering = current_posterior(kb, facts, diagnosis, sentence=True) if self.strategy == "adaptive" else post
            gains = {q: expected_gain(model, ordering, q) for q in open_qs}
            b = beliefs(kb, post, self.lang)
            top = b[0] if b else None
            agree = diagnosis.top is not None and top is not None and diagnosis.top.id == top.id
            self._cache["eval"] = {
                "kb": kb,
                "diagnosis": diagnosis,
                "post": post,
                "model": model,
                "open": open_qs,
                "gains": gains,
                "beliefs": b,
                "confident": confident(top, diagnosis, self.threshold),
                "agree": agree,
            }
        return self._cache["eval"]  # type: ignore[no-any-return]

    def status(self) -> Status:
        """Posterior, rule-engine diagnosis and the best observation questions askable now."""
        if "status" not in self._cache:
            ev = self._evaluate()
            ranked = rank_questions(ev["kb"], self.facts, ev["post"])
            qs = [render_question(ev["kb"], self.facts, q, g, self.lang) for q, g in ranked[:SHOWN_QUESTIONS]]
            self._cache["status"] = Status(beliefs=ev["beliefs"], diagnosis=ev["diagnosis"], questions=qs, threshold=self.threshold)
        return self._cache["status"]  # type: ignore[no-any-return]

    @property
    def question(self) -> Question | None:
        """The best observation question askable now, or None (legacy: see :meth:`current_question`)."""
        qs = self.status().questions
        return qs[0] if qs else None

    def _open_slots(self) -> tuple[str, ...]:
        """Slots that can still be asked, including those that apply once an earlier one is known
        (a node's NIC after the node's name)."""
        if "open_slots" not in self._cache:
            head, out = self.head, []
            for spec in ctx.slots():
                if ctx.is_open(spec, head, self.unknown_slots):
                    out.append(spec.id)
                    head = ctx.with_stand_ins(head, [spec.id])
            self._cache["open_slots"] = tuple(out)
        return self._cache["open_slots"]  # type: ignore[no-any-return]

    def _finder(self) -> Any:
        from .needs import NeedFinder

        if "finder" not in self._cache:
            self._cache["finder"] = NeedFinder(knowledge(self.rule_dirs), self.head, self._open_slots())
        return self._cache["finder"]

    def _choose(self) -> tuple[str, Any, Any] | None:
        """("observation", question key, gain) | ("context", slot id, reason) | None."""
        ev = self._evaluate()
        kb, gains = ev["kb"], ev["gains"]
        finder = self._finder()
        top = ev["beliefs"][0] if ev["beliefs"] else None
        if top is not None and top.posterior >= self.threshold and not ev["agree"]:
            slot_id = self._rule_slot()
            if slot_id:
                return ("context", slot_id, None)
            if self.strategy == "adaptive":
                agreeing = self._agreeing()
                if agreeing is not None:
                    return agreeing
        if self.strategy == "adaptive":
            confirming = self._confirming_slot()
            if confirming:
                return ("context", confirming, None)
            named = self._named_first(ev, finder)
            if named is not None:
                return named
        best: tuple[float, Any, tuple[str, ...], float] | None = None
        if self.strategy == "fixed":
            for q in ev["open"]:  # the guide's order
                needs = finder.needs(q)
                if needs is not None:
                    best = (0.0, q, needs, gains[q])
                    break
        else:
            from .posterior import moves_ranking

            cost = lambda q: kb.observation_kinds[q[0]].cost  # noqa: E731
            useful = [q for q in ev["open"] if gains[q] > MIN_GAIN and moves_ranking(ev["model"], ev["post"], q, self.threshold)]
            ranked = sorted(useful, key=lambda q: -gains[q] / cost(q))
            for q in ranked:
                upper = gains[q] / cost(q)
                if best is not None and upper <= best[0] + 1e-12:
                    break
                needs = finder.needs(q)
                if needs is None:
                    continue
                eff = gains[q] / (cost(q) + SLOT_COST * len(needs)) * self._answerable(q)
                if best is None or eff > best[0] + 1e-12:
                    best = (eff, q, needs, gains[q])
        if best is not None:
            _, q, needs, g = best
            if needs:
                return ("context", self._first(needs[0]), q)
            return ("observation", q, g)
        slot_id = self._rule_slot()
        if slot_id:
            return ("context", slot_id, None)
        if self.strategy == "adaptive":
            return self._long_shot()
        return None

    def _named_first(self, ev: dict[str, Any], finder: Any) -> tuple[str, Any, Any] | None:
        """The first open check, with some expected gain, of a kind the ticket's sentence names
        (kb/mentions.yaml ``ask``, in its order), while fewer than :data:`MENTION_QUESTIONS` such
        checks were asked; the values it needs are asked first, as for any check."""
        from ..knowledge.mentions import asked_first

        kinds = asked_first(self.head["case"].get("summary") or "")
        if not kinds:
            return None
        done = sum(1 for e in self.log if e.type == "observation" and e.key.partition("@")[0] in kinds)
        if done >= MENTION_QUESTIONS:
            return None
        for kind in kinds:
            for q in ev["open"]:
                if q[0] != kind or ev["gains"][q] <= 0:
                    continue
                needs = finder.needs(q)
                if needs is None:
                    continue
                return ("context", self._first(needs[0]), q) if needs else ("observation", q, ev["gains"][q])
        return None

    def _named_words(self, q: tuple[str, str]) -> str | None:
        """The ticket's words that put check ``q`` first, when :meth:`_named_first` chose it."""
        chosen = self._named_first(self._evaluate(), self._finder()) if self.strategy == "adaptive" else None
        if chosen is None or chosen[:2] != ("observation", q):
            return None
        from ..knowledge.mentions import words_for

        return words_for(self.head["case"].get("summary") or "", q[0])

    def _long_shot(self) -> tuple[str, Any, Any] | None:
        """When no likely answer would change the ranking: the decisive check of a less likely
        cause, one of whose answers (probability at least :data:`LONG_SHOT_P`) would put another
        cause first once recorded; the most likely overturn per effort, else None (stop)."""
        return self._overturning(LONG_SHOT_P, "long_shot")

    def _confirm(self) -> tuple[str, Any, Any] | None:
        """Before concluding: a decisive check of the runner-up cause (the differential diagnosis)
        whose answer would put another cause first with probability at least :data:`CONFIRM_P`,
        else a check that would make the concluding rule stand back (:meth:`_defeater`), else None
        (conclude)."""
        return self._overturning(CONFIRM_P, "confirm", RUNNER_UP, 1) or self._defeater()

    def _defeater(self) -> tuple[str, Any, Any] | None:
        """The open check (needing no further value) of a kind a decisive rule for the top cause
        names under ``not`` (the reading that makes it stand back: ``ip_forward = 0`` on a node
        for CoreDNS's upstream timeouts), one of whose answers would change the rule engine's first
        cause, however unlikely the signatures make it: a rule's own exception is checked once
        before it is trusted. The cheapest such check, or None."""
        if "defeater" not in self._cache:
            ev = self._evaluate()
            kb, d = ev["kb"], ev["diagnosis"]
            found: tuple[float, Any] | None = None
            if d.top is not None:
                fired = {e.rule for e in d.top.evidence if e.direction == "for"}
                kinds = {k for r in kb.rules if r.id in fired and r.spec.decisive for k in _negated_kinds(r.condition)}
                finder = self._finder()
                for q in ev["open"]:
                    if q[0] not in kinds or finder.needs(q):
                        continue
                    if self._overturn(q, d.top.id, 0.0, any_answer=True) <= 0.0:
                        continue
                    cost = kb.observation_kinds[q[0]].cost
                    if found is None or cost < found[0]:
                        found = (cost, q)
            self._cache["defeater"] = None if found is None else ("observation", found[1], ev["gains"].get(found[1], 0.0))
        return self._cache["defeater"]  # type: ignore[no-any-return]

    def _overturning(self, min_p: float, key: str, min_posterior: float = 0.0, max_rivals: int = 0) -> tuple[str, Any, Any] | None:
        """The open check (needing no further value, with a non-negligible expected gain) read by a
        decisive rule of a cause other than the top one (of the ``max_rivals`` next ones, 0: any,
        with at least ``min_posterior``),
        with the highest chance per effort that its answer puts another cause first, if that
        chance is at least ``min_p``."""
        if key not in self._cache:
            ev = self._evaluate()
            kb = ev["kb"]
            top = ev["beliefs"][0].id if ev["beliefs"] else None
            readers = decisive_kinds(kb)
            finder = self._finder()
            ranked = [b.id for b in ev["beliefs"][1 : 1 + max_rivals]] if max_rivals else list(ev["post"])
            contenders = {c for c in ranked if ev["post"].get(c, 0.0) >= min_posterior}
            best: tuple[float, Any, tuple[str, ...]] | None = None
            for q in [*ev["open"], *self._beyond_case(ev)]:
                rivals = {c for c in readers.get(q[0], ()) if c != top and c in contenders}
                if not rivals or (q in ev["gains"] and ev["gains"][q] <= MIN_GAIN):
                    continue
                needs = finder.needs(q)
                if needs is None or (not needs and q not in ev["gains"]):  # a place this case does not have
                    continue
                trial = None
                if needs:  # the check once its values are known (stand-ins: what matters is the answer)
                    try:
                        trial = ctx.build_facts(ctx.with_stand_ins(self.head, list(needs)), list(self._obs))
                    except Exception:  # noqa: BLE001 - a stand-in the case refuses: the check cannot help
                        continue
                chance = self._overturn(q, top, min_p, trial)
                if chance < min_p:
                    continue
                score = chance / (kb.observation_kinds[q[0]].cost + SLOT_COST * len(needs)) * self._answerable(q)
                if best is None or score > best[0] + 1e-12:
                    best = (score, q, needs)
            if best is None:
                self._cache[key] = None
            elif best[2]:
                self._cache[key] = ("context", self._first(best[2][0]), best[1])
            else:
                self._cache[key] = ("observation", best[1], ev["gains"][best[1]])
        return self._cache[key]  # type: ignore[no-any-return]

    def _agreeing(self) -> tuple[str, Any, Any] | None:
        """The posterior's top cause has reached the threshold, the rule engine does not rank it
        first: the open check, needing no further value, whose answers (by the signatures) that
        would make the rule engine rank that cause first are likeliest per effort, if together at
        least :data:`AGREE_P` (the check that lets a rule conclude what the signatures already
        say: a NodePort failing from outside makes the node's DROP rule the network-unreachable
        class, so nu-firewall-drops-all can conclude); else None. The answer still has to be
        given: nothing is concluded from the likelihoods alone."""
        if "agreeing" not in self._cache:
            from ..reasoning.diagnose import diagnose_facts

            ev = self._evaluate()
            kb, model, post = ev["kb"], ev["model"], ev["post"]
            top = ev["beliefs"][0].id
            finder = self._finder()
            best: tuple[float, Any] | None = None
            for q in ev["open"]:
                if finder.needs(q) != ():
                    continue
                meta = kb.observation_kinds[q[0]]
                chance = 0.0
                for a in model.answers[q]:
                    pa = sum(post[c] * model.p(q, c, a) for c in post)
                    if pa < CONFIRM_P:
                        continue
                    try:
                        obs = build_observations(meta, q[1], a, self.facts)
                    except NotAskable:
                        continue
                    trial = self.facts.model_copy(update={"observations": list(self.facts.observations) + list(obs)})
                    d = diagnose_facts(trial, lang=self.lang, rule_dirs=self.rule_dirs)
                    if d.top is not None and d.top.id == top:
                        chance += pa
                if chance < AGREE_P:
                    continue
                score = chance / meta.cost * self._answerable(q)
                if best is None or score > best[0] + 1e-12:
                    best = (score, q)
            self._cache["agreeing"] = None if best is None else ("observation", best[1], ev["gains"].get(best[1], 0.0))
        return self._cache["agreeing"]  # type: ignore[no-any-return]

    def _beyond_case(self, ev: dict[str, Any]) -> list[tuple[str, str]]:
        """Unanswered, unblocked checks at a place the case does not have yet (the destination Pod
        before its backend is known): a value of the case makes them askable."""
        from .questions import _blocked, in_case

        facts = self.facts
        blocked_kinds, blocked_keys = _blocked(facts)
        return [q for q in ev["model"].answers if not in_case(facts, q[1]) and q[0] not in blocked_kinds and q not in blocked_keys]

    def _answerable(self, q: tuple[str, str]) -> float:
        """How the "don't know" answers so far weigh on asking ``q``: :data:`SIBLING_UNKNOWN` to the
        power of the places where the customer could not run the same check (1.0: none): a question
        of the same kind with an answer in common (not the Pod's eth0 against the node's devices of
        ``interface_mtu``: another command, with answers of its own)."""
        answers = self._evaluate()["model"].answers
        own = set(answers.get(q, ()))

        def same_check(kind: str, at: str) -> bool:
            other = answers.get((kind, at))
            return kind == q[0] and (other is None or not own or bool(own & set(other)))

        unknown = [item.partition("@") for item in self.head.get("unobservable") or []]
        return SIBLING_UNKNOWN ** sum(1 for kind, sep, at in unknown if sep and same_check(kind, at))

    def _overturn(self, q: tuple[str, str], top: str | None, min_p: float, base: FactFile | None = None, *, any_answer: bool = False) -> float:
        """Probability (by the signatures) of the answers to ``q``, each at least ``min_p``, that
        once recorded would put another cause than ``top`` first in the posterior (signatures and
        the rule engine's verdict, as for a real answer) or change the rule engine's first cause;
        ``base``: the case with the values the check needs (stand-ins), when it needs some;
        ``any_answer``: 1.0 as soon as one answer (whatever its probability) would do it."""
        from ..reasoning.diagnose import diagnose_facts

        ev = self._evaluate()
        kb, model, post = ev["kb"], ev["model"], ev["post"]
        meta = kb.observation_kinds[q[0]]
        facts = self.facts if base is None else base
        rules_top = ev["diagnosis"].top.id if ev["diagnosis"].top is not None else None
        chance = 0.0
        for a in model.answers[q]:
            pa = sum(post[c] * model.p(q, c, a) for c in post)
            if (pa < min_p and not any_answer) or meta_answer_normal(meta, a):
                continue
            try:
                obs = build_observations(meta, q[1], a, facts)
            except NotAskable:
                continue
            trial = facts.model_copy(update={"observations": list(facts.observations) + list(obs)})
            d = diagnose_facts(trial, lang=self.lang, rule_dirs=self.rule_dirs)
            new = current_posterior(kb, trial, d)
            if (new and max(new, key=lambda c: new[c]) != top) or (d.top is not None and d.top.id != rules_top):
                if any_answer:
                    return 1.0
                chance += pa
        return chance

    def _first(self, slot_id: str) -> str:
        """The slot to ask before ``slot_id`` (its ``ask_first`` that are still open), else itself."""
        open_now = set(self._open_slots())
        return next((s for s in ctx.slot(slot_id).ask_first if s in open_now and ctx.applies(ctx.slot(s), self.head)), slot_id)

    def _confirming_slot(self) -> str | None:
        """A cluster value that alone would confirm a cause (:func:`podnet.triage.needs.confirming_slot`)."""
        if "confirming_slot" not in self._cache:
            from .needs import confirming_slot

            ev = self._evaluate()
            open_ids = self._open_slots()
            self._cache["confirming_slot"] = (
                confirming_slot(self.facts, self.head, open_ids, rule_certainty(ev["diagnosis"]), ev["post"], self.lang, self.rule_dirs) if open_ids else None
            )
        return self._cache["confirming_slot"]  # type: ignore[no-any-return]

    def _rule_slot(self) -> str | None:
        if "rule_slot" not in self._cache:
            from .needs import rule_need

            ev = self._evaluate()
            open_ids = self._open_slots()
            self._cache["rule_slot"] = (
                rule_need(self.facts, self.head, open_ids, rule_certainty(ev["diagnosis"]), ev["post"], self.lang, self.rule_dirs) if open_ids else None
            )
        return self._cache["rule_slot"]  # type: ignore[no-any-return]

    def stop_reason(self) -> StopReason | None:
        """Why triage has stopped (None while there is a question)."""
        if self.current_question() is not None:
            return None
        if not self.kinds_known:
            return "no_endpoints"
        if self._evaluate()["confident"]:
            return "confident"
        return "unknowns" if self._too_many_unknowns() else "no_gain"

    def restart_unknown_count(self) -> None:
        """A resumed session asks again: earlier "don't know" answers no longer count to the stop."""
        self._streak_from = len(self.log)
        self._changed()

    def _too_many_unknowns(self) -> bool:
        """The "don't know" stop: a run of at least ``min(STOP_WINDOW, unknown_limit)`` "don't know"
        answers, and the customer's record in this session (answers against "don't know", the
        opening excepted) makes an answer to any of the next :data:`STOP_WINDOW` questions no more
        likely than for a customer who has answered none of ``unknown_limit`` questions
        (:func:`no_answer_ahead`). A customer who never answers is stopped after ``unknown_limit``
        (as before); one who has answered checks earlier is asked on, less the fewer they answered."""
        if self.unknown_limit is None or self.unknown_streak() < min(STOP_WINDOW, self.unknown_limit):
            return False
        answered, unknown = self.answer_record()
        return no_answer_ahead(answered, unknown, STOP_WINDOW) >= no_answer_ahead(0, self.unknown_limit, STOP_WINDOW) - 1e-12

    def answer_record(self) -> tuple[int, int]:
        """(answered, "don't know") over the questions put since the start or the resume, without
        the opening (what fails, where the traffic starts and what it reaches: every customer
        answers those); a paste counts as an answer, a settled contradiction as neither."""
        answered = unknown = 0
        for e in self.log[self._streak_from :]:
            if e.type in ("symptom", "conflict") or (e.type == "context" and e.key in OPENING_KEYS):
                continue
            if e.value is None or e.value == UNKNOWN:
                unknown += 1
            else:
                answered += 1
        return answered, unknown

    def unknown_streak(self) -> int:
        """"Don't know" answers in a row at the end of the conversation (since it was resumed)."""
        n = 0
        for e in reversed(self.log[self._streak_from :]):
            if e.value is not None and e.value != UNKNOWN:
                break
            n += 1
        return n

    @property
    def done(self) -> bool:
        return self.current_question() is None

    # ---- the prompt -------------------------------------------------------------------------

    def current_question(self) -> Prompt | None:
        """What to ask now, or None when triage has stopped (see :meth:`stop_reason`)."""
        if "prompt" not in self._cache:
            self._cache["prompt"] = self._prompt()
        return self._cache["prompt"]  # type: ignore[no-any-return]

    def _prompt(self) -> Prompt | None:
        if self.pending is not None:
            return self._conflict_prompt(self.pending)
        if not self.symptom_asked:
            return self._symptom_prompt()
        for slot_id in ("source_kind", "destination_kind"):
            spec = ctx.slot(slot_id)
            if ctx.value_of(spec, self.head) is None:
                return None if slot_id in self.unknown_slots else self._slot_prompt(slot_id, None)
        if self._too_many_unknowns():
            return None
        if self._evaluate()["confident"]:
            choice: tuple[str, Any, Any] | None = self._confirm()
            if choice is None:
                return None
        else:
            choice = self._choose()
        if choice is None:
            return None
        if choice[0] == "context":
            return self._slot_prompt(choice[1], choice[2])
        q = render_question(self._evaluate()["kb"], self.facts, choice[1], choice[2], self.lang)
        return Prompt(
            type="observation",
            key=q.key,
            title=q.title,
            text=q.text,
            command=q.command,
            run_in=q.run_in,
            at=q.at,
            options=q.answers,
            expected_gain=q.expected_gain,
            named_in_ticket=self._named_words(choice[1]),
            question=q,
        )

    def _symptom_prompt(self) -> Prompt:
        kb = knowledge(self.rule_dirs)
        M = self.M
        options = [AnswerOption(id=sid, text=f"{s.title.get(self.lang)} — {s.description.get(self.lang)}") for sid, s in kb.symptoms.items()]
        options += [AnswerOption(id="other", text=M["symptom_other"]), AnswerOption(id="paste", text=M["symptom_paste"])]
        return Prompt(type="symptom", key="symptom", title=M["symptom_title"], text=M["symptom_text"], options=options)

    def _slot_prompt(self, slot_id: str, reason: Any) -> Prompt:
        from ..knowledge.templates import case_context, render

        spec = ctx.slot(slot_id)
        M = self.M
        text = spec.question[self.lang]
        command = spec.command
        if self.kinds_known:
            cc = case_context(self.facts)
            text = render(text, cc, f"kb/context.yaml: {slot_id}.question") if "{" in text else text
            command = render(command, cc, f"kb/context.yaml: {slot_id}.command") if command else None
        options = [AnswerOption(id=c, text=(spec.choice_text.get(c) or {}).get(self.lang, c)) for c in spec.choices]
        needed_for = None
        if isinstance(reason, tuple):
            needed_for = knowledge(self.rule_dirs).observation_kinds[reason[0]].title.get(self.lang)
        elif self.kinds_known and slot_id not in ("source_kind", "destination_kind"):
            needed_for = M["needed_rules"]
        return Prompt(
            type="context",
            key=f"context:{slot_id}",
            title=M["context_title"],
            text=text,
            command=command,
            run_in="kubectl" if command and command.startswith("kubectl") else ("node" if command else None),
            options=options,
            value=None if spec.value == "choice" else spec.value,
            example=spec.example,
            needed_for=needed_for,
        )

    def _conflict_prompt(self, c: _Conflict) -> Prompt:
        M = self.M
        return Prompt(
            type="conflict",
            key="conflict",
            title=M["conflict_title"],
            text=M["conflict_text"].format(old=c.old_text, new=c.new_text),
            options=[AnswerOption(id="earlier", text=M["conflict_earlier"].format(old=c.old_text)), AnswerOption(id="now", text=M["conflict_now"].format(new=c.new_text))],
        )

    # ---- answering --------------------------------------------------------------------------

    def answer(self, value: str | None = None, at: str | None = None, answer_id: str | None = None, probe: str | None = None, *, paste: str | None = None) -> Outcome:
        """Answer the current prompt with an option id, a typed value, ``"unknown"``, or pasted
        output (``paste=``). The older form ``answer(kind, at, answer_id, probe=None)`` answers that
        observation question, asked or not."""
        if at is not None:
            if value is None or answer_id is None:
                raise UsageError("answer(kind, at, answer_id): all three are needed", location="answer")
            return self.record(value, at, answer_id, probe)
        p = self.current_question()
        if p is None:
            raise self._error("done", "answer")
        if paste is not None:
            return self._paste(paste, p)
        text = (value or "").strip()
        hint = self.M["hint_value"] if p.value else self.M["hint"]
        if not text:
            raise self._error("empty", p.key, hint=hint)
        if text.lower() in UNKNOWN_WORDS:
            return self._unknown(p)
        if p.type == "symptom":
            return self._answer_symptom(p, text)
        if p.type == "context":
            return self._answer_slot(p, text)
        if p.type == "conflict":
            return self._resolve(p, text)
        if text not in {o.id for o in p.options}:
            raise self._error("bad_option", p.key, n=len(p.options))
        assert p.at is not None
        kind = p.key.partition("@")[0]
        return self.record(kind, p.at, text, probe)

    def _answer_symptom(self, p: Prompt, text: str) -> Outcome:
        ids = [o.id for o in p.options]
        if text == "paste":
            raise self._error("paste_option", p.key)
        if text not in ids:
            raise self._error("bad_option", p.key, n=len(ids))
        self._push()
        self.symptom_asked = True
        if text != "other":
            self.head["case"]["symptom"] = text
        title = next(o.text for o in p.options if o.id == text)
        self.log.append(Entry("symptom", "symptom", text))
        self._changed()
        return Outcome(key=p.key, answered=True, recorded=[self.M["recorded"].format(what=title)])

    def _answer_slot(self, p: Prompt, text: str) -> Outcome:
        slot_id = p.key.partition(":")[2]
        spec = ctx.slot(slot_id)
        if text.startswith("./"):
            text = text[2:]  # a value that is also a control word ('./b' is a Pod named b)
        try:
            value = ctx.parse_value(spec, text)
            head = ctx.assign(spec, self.head, value)
        except ctx.SlotValueError as exc:
            raise self._error(exc.key, p.key, **exc.fields) from None
        self._push()
        self.head = head
        shown = ctx.describe_value(spec, value)
        self.log.append(Entry("context", p.key, shown))
        self._changed()
        return Outcome(key=p.key, answered=True, recorded=[self.M["recorded"].format(what=f"{_slot_label(spec, self.lang)} = {shown}")])

    def provide(self, slot_id: str, text: str) -> Outcome:
        """Give a value of the case (a context slot), asked or not: ``provide("backends", "10.244.2.31:8080")``."""
        try:
            spec = ctx.slot(slot_id)
        except KeyError:
            raise ctx.unknown_slot_error(slot_id) from None
        if not ctx.applies(spec, self.head):
            raise UsageError(f"{slot_id} does not apply to this case", location=f"context:{slot_id}")
        return self._answer_slot(self._slot_prompt(slot_id, None), text)

    def _unknown(self, p: Prompt) -> Outcome:
        M = self.M
        if p.type == "observation":
            assert p.at is not None
            return self.mark_unknown(p.key.partition("@")[0], p.at)
        self._push()
        if p.type == "symptom":
            self.symptom_asked = True
        elif p.type == "context":
            self.unknown_slots.add(p.key.partition(":")[2])
        elif p.type == "conflict":
            self.pending = None
            self.log.append(Entry("conflict", p.key, UNKNOWN))
            self._changed()
            return Outcome(key=p.key, answered=True, recorded=[M["kept_both"]])
        self.log.append(Entry(p.type, p.key, UNKNOWN))  # type: ignore[arg-type]
        self._changed()
        return Outcome(key=p.key, answered=True, recorded=[M["noted_unknown"].format(what=p.text if p.type == "context" else p.title)])

    def record(self, kind: str, at: str, answer_id: str, probe: str | None = None) -> Outcome:
        """Record an answer to ``kind@at`` as real observations (fragments + kind + at + the case's
        target); ``probe``: "backend" (the Service's backend Pod) or "destination" (its ClusterIP)
        when the answer is about that rather than what the question probes."""
        kb = knowledge(self.rule_dirs)
        meta = kb.observation_kinds.get(kind)
        if meta is None or not meta.answers or at not in meta.how:
            raise UsageError(f"no question {kind}@{at} in the knowledge base", location=f"{kind}@{at}")
        if answer_id not in {a.id for a in meta.answers}:
            known = ", ".join(a.id for a in meta.answers)
            raise UsageError(f"unknown answer {answer_id!r} (known: {known}, unknown)", location=f"{kind}@{at}")
        facts = self.facts
        q = render_question(kb, facts, (kind, at), 0.0, self.lang)
        try:
            own = "backend" if probe_role(meta, at) == "backend" else "destination"
            note = q.command if probe in (None, own) else None  # the command shown probes what the question names
            obs = build_observations(meta, at, answer_id, facts, note=note, probe=probe)
        except NotAskable as exc:
            raise UsageError(f"cannot record the answer: {exc}", location=f"{kind}@{at}") from None
        self._push()
        tag = len(self.log) + 1
        self._obs.extend(obs)
        self._tags.extend([tag] * len(obs))
        text = next((a.text for a in q.answers if a.id == answer_id), answer_id)
        self.log.append(Entry("observation", f"{kind}@{at}", answer_id))
        self._changed()
        self._detect_conflict(tag)
        return Outcome(key=f"{kind}@{at}", answered=True, recorded=[self.M["recorded"].format(what=f"{q.title}: {text}")], conflict=self.pending is not None)

    def mark_unknown(self, kind: str, at: str) -> Outcome:
        """"Don't know / can't run it": ``KIND@VANTAGE`` goes to ``unobservable`` and is not asked
        again (the same check elsewhere may still be asked)."""
        self._push()
        key = f"{kind}@{at}"
        unobservable = self.head.setdefault("unobservable", [])
        if kind not in unobservable and key not in unobservable:
            unobservable.append(key)
        self.log.append(Entry("observation", key, None))
        self._changed()
        meta = knowledge(self.rule_dirs).observation_kinds.get(kind)
        title = meta.title.get(self.lang) if meta else key
        return Outcome(key=key, answered=True, recorded=[self.M["noted_unknown"].format(what=title)])

    def unknown(self, kind: str, at: str) -> None:
        """Legacy name of :meth:`mark_unknown`."""
        self.mark_unknown(kind, at)

    # ---- pastes -----------------------------------------------------------------------------

    def paste(self, text: str, question: str | None = None) -> Outcome:
        """Pasted command output, at the current prompt or after triage has stopped (new facts may
        open new questions): what :meth:`answer` does with ``paste=``, without needing a prompt.
        ``question`` (``KIND@VANTAGE``): the output of that question's command instead (a page that
        lists several checks, a script replaying pastes)."""
        return self._paste(text, self.current_question() if question is None else self.observation_prompt(question))

    def observation_prompt(self, key: str) -> Prompt:
        """The prompt of the observation question ``KIND@VANTAGE`` for the case as it stands."""
        kind, _, at = key.partition("@")
        kb = knowledge(self.rule_dirs)
        meta = kb.observation_kinds.get(kind)
        if meta is None or not meta.answers or at not in meta.how:
            raise UsageError(f"no question {key} in the knowledge base", location=key)
        q = render_question(kb, self.facts, (kind, at), 0.0, self.lang)
        return Prompt(type="observation", key=q.key, title=q.title, text=q.text, command=q.command, run_in=q.run_in, at=q.at, options=q.answers, question=q)

    def _paste(self, text: str, p: Prompt | None) -> Outcome:
        from .paste import PasteError, read_paste, with_command

        name = f"paste-{len(self.log) + 1}.txt"
        if not text.strip():
            raise self._error("paste_empty", name)
        try:
            where = p.at if p is not None and p.type == "observation" else None
            text = with_command(text, p.command if p is not None and where else None)
            reading = read_paste(text, self.head, name, self.lang, where)
            placed = self._node_of_paste(p, reading)
            if placed is not None:
                reading = read_paste(text, placed[1], name, self.lang, where)
        except PasteError as exc:
            raise self._error("paste_nothing", exc.location or name, error=exc.message) from None
        reading.observations = self._pod_of_paste(p, reading.observations, reading.head)
        reading.observations += self._read_as_question(p, reading)
        known = {json.dumps(o.model_dump(mode="json", exclude={"note", "source_line"}), sort_keys=True) for o in self._obs}
        new = [o for o in reading.observations if json.dumps(o.model_dump(mode="json", exclude={"note", "source_line"}), sort_keys=True) not in known]
        if not new and not reading.added:
            raise self._error("paste_no_new", name)
        head = reading.head
        if ctx.kinds_known(head):
            try:
                ctx.build_facts(head)
            except Exception as exc:  # noqa: BLE001 - values the case refuses: keep the case as it was
                raise self._error("paste_nothing", name, error=str(getattr(exc, "message", exc))) from None
        was_open = self._open_slots()
        self._push()
        tag = len(self.log) + 1
        self.head = head
        self._obs.extend(new)
        self._tags.extend([tag] * len(new))
        if p is not None and p.type == "symptom":
            self.symptom_asked = True
        self._changed()
        M = self.M
        lines = [M["took"].format(what=self._describe(o)) for o in new]
        lines += [M["took"].format(what=f"{path} = {_short(_dig(self.head, path))}") for path in reading.added if not path.startswith("cluster.nodes")]
        if placed is not None:
            lines.insert(0, M["took"].format(what=placed[0]))
        answered = True
        if p is None:
            pass
        elif p.type == "context":
            spec = ctx.slot(p.key.partition(":")[2])
            answered = ctx.value_of(spec, self.head) is not None
        elif p.type == "observation" and self.kinds_known:
            kb = knowledge(self.rule_dirs)
            meta = kb.observation_kinds[p.key.partition("@")[0]]
            answered = any(probe_match(meta, p.at or "", o, self.facts) for o in new)
        elif p.type == "conflict":
            answered = False
        if p is not None:
            lines.append(M["paste_answers"] if answered else M["paste_not_answers"])
        key = p.key if p is not None else "paste"
        self.log.append(Entry("paste", key, len(new), lines))
        self._detect_conflict(tag)
        _ = was_open
        return Outcome(key=key, answered=answered, recorded=lines, warnings=[M["paste_warning"].format(warning=w) for w in reading.warnings], conflict=self.pending is not None)

    def _node_of_paste(self, p: Prompt | None, reading: Any) -> tuple[str, dict[str, Any]] | None:
        """(what was taken, the head with it) when a paste at a question on the source's (or the
        destination's) node comes from one named host the case does not know: that host is the node
        the question asked about (the person ran the command where they were asked to). Without it
        the paste lands at ``other_node`` and answers nothing; None otherwise."""
        if p is None or p.type != "observation" or p.at not in ("source_node", "destination_node"):
            return None
        slot_id = p.at  # the context slots source_node / destination_node name that node
        try:
            spec = ctx.slot(slot_id)
        except KeyError:
            return None
        if not ctx.applies(spec, self.head) or ctx.value_of(spec, self.head) is not None:
            return None
        hosts = {o.host for o in reading.observations if o.at == "other_node" and o.host}
        if len(hosts) != 1:
            return None
        host = hosts.pop()
        try:
            head = ctx.assign(spec, self.head, ctx.parse_value(spec, host))
        except ctx.SlotValueError:
            return None
        return f"{_slot_label(spec, self.lang)} = {host}", head

    def _read_as_question(self, p: Prompt | None, reading: Any) -> list[Any]:
        """Observations of the asked kind that the paste's readings of another kind stand for (the
        kind's ``read_from``: the ``nc -zv`` printed for "does it get through" read as a TCP
        connect), when the paste has none of the asked kind there itself."""
        if p is None or p.type != "observation" or not p.at or not ctx.kinds_known(reading.head):
            return []
        kb = knowledge(self.rule_dirs)
        kind = p.key.partition("@")[0]
        meta = kb.observation_kinds.get(kind)
        if meta is None or meta.read_from is None or any(o.kind == kind and o.at == p.at for o in reading.observations):
            return []
        source = kb.observation_kinds.get(meta.read_from.kind)
        if source is None:
            return []
        try:
            facts = ctx.build_facts(reading.head, self._obs)
        except Exception:  # noqa: BLE001 - values the case refuses: the paste is refused later
            return []
        out: list[Any] = []
        for o in reading.observations:
            if o.kind != source.kind or o.at != p.at or not probe_match(source, p.at, o, facts):
                continue
            mapped = meta.read_from.answers.get(answer_for_group(source, p.at, [o], facts) or "")
            if mapped is None:
                continue
            try:
                out.extend(build_observations(meta, p.at, mapped, facts, note=f"{source.kind}: {o.note or ''}".strip()))
            except NotAskable:
                continue
        return out[:1] if out else []

    @staticmethod
    def _pod_of_paste(p: Prompt | None, observations: list[Any], head: dict[str, Any]) -> list[Any]:
        """A paste at a question about the source's (or the destination's) Pod whose output comes
        from one Pod the case cannot place (``kubectl exec`` into a Pod it does not name, ``nsenter``
        on a node): that Pod is the one the question asked about, as the printed command said.
        What depends on the place is worked out again there (a firewall's flows: inside the
        destination Pod they are delivered to it, not forwarded)."""
        if p is None or p.type != "observation" or p.at not in ("source_pod", "destination_pod"):
            return observations
        other = [o for o in observations if o.at == "other_pod"]
        if not other or any(o.at == p.at for o in observations) or len({o.host for o in other}) != 1:
            return observations
        moved: list[Any] = []
        for o in observations:
            if o.at != "other_pod":
                moved.append(o)
                continue
            moved.append(o.model_copy(update={"at": p.at}))
        if ctx.kinds_known(head):
            try:
                return list(ctx.build_facts(head, moved).observations)  # traced again at the new place
            except Exception:  # noqa: BLE001 - values the case refuses: the paste is refused later
                return moved
        return moved

    def _describe(self, o: Any) -> str:
        """One observation in a few words: the question it answers and how, else its main fields."""
        if self.kinds_known:
            kb = knowledge(self.rule_dirs)
            meta = kb.observation_kinds.get(o.kind)
            if meta is not None and meta.answers:
                facts = self.facts
                for at in meta.how:
                    if at.partition(">")[0] != o.at:
                        continue
                    level = probe_match(meta, at, o, facts)
                    if level:
                        from .answers import answer_for_group

                        aid = answer_for_group(meta, at, [o], facts)
                        if aid:
                            text = next(a.text.get(self.lang) for a in meta.answers if a.id == aid)
                            return f"{meta.title.get(self.lang)} ({o.kind}@{o.at}{_probe_suffix(o)}): {_plain(text)}"
        return f"{o.kind}@{o.at}{_probe_suffix(o)}: {_fields(o)}"

    # ---- contradictions ---------------------------------------------------------------------

    def _detect_conflict(self, tag: int) -> None:
        """Observations added by step ``tag`` that contradict earlier ones become the pending prompt."""
        from ..facts.conflicts import find_conflicts

        if not self.kinds_known or tag not in self._tags:
            return
        facts = self.facts
        # one place per vantage in a triage: an observation that names its host and one that does
        # not (a typed answer) are the same probe
        anonymous = facts.model_copy(update={"observations": [o.model_copy(update={"host": None}) for o in facts.observations]})
        for c in find_conflicts(anonymous):
            idx = [int(p.split("[")[1].rstrip("]")) for p in c.paths]
            new = [i for i in idx if self._tags[i] == tag]
            old = [i for i in idx if self._tags[i] != tag]
            if new and old:
                self._set_pending(old, new)
                return
        kb = knowledge(self.rule_dirs)
        olds = [i for i, t in enumerate(self._tags) if t != tag]
        news = [i for i, t in enumerate(self._tags) if t == tag]
        if not olds:
            return
        part = lambda ix: facts.model_copy(update={"observations": [facts.observations[i] for i in ix]})  # noqa: E731
        a_old = observed_probes(part(olds), kb.observation_kinds)
        a_new = observed_probes(part(news), kb.observation_kinds)
        for q, (aid, level) in a_new.items():
            if q in a_old and a_old[q][1] == level and a_old[q][0] != aid:
                meta = kb.observation_kinds[q[0]]
                o_ix = [i for i in olds if probe_match(meta, q[1], facts.observations[i], facts) == level]
                n_ix = [i for i in news if probe_match(meta, q[1], facts.observations[i], facts) == level]
                if o_ix and n_ix:
                    title = meta.title.get(self.lang)
                    text = {a.id: _plain(a.text.get(self.lang)) for a in meta.answers}
                    self.pending = _Conflict(o_ix, n_ix, f"“{title}: {text[a_old[q][0]]}”", f"“{title}: {text[aid]}”")
                    self._changed()
                    return

    def _set_pending(self, old: list[int], new: list[int]) -> None:
        facts = self.facts
        side = lambda ix: "; ".join(self._describe(facts.observations[i]) for i in ix)  # noqa: E731
        self.pending = _Conflict(old, new, f"“{side(old)}”", f"“{side(new)}”")
        self._changed()

    def _resolve(self, p: Prompt, text: str) -> Outcome:
        assert self.pending is not None
        if text not in ("earlier", "now"):
            raise self._error("bad_option", p.key, n=2)
        c = self.pending
        drop = set(c.new if text == "earlier" else c.old)
        self._push()
        self._obs = [o for i, o in enumerate(self._obs) if i not in drop]
        self._tags = [t for i, t in enumerate(self._tags) if i not in drop]
        self.pending = None
        self.log.append(Entry("conflict", p.key, text))
        self._changed()
        kept, removed = (c.old_text, c.new_text) if text == "earlier" else (c.new_text, c.old_text)
        return Outcome(key=p.key, answered=True, recorded=[self.M["kept"].format(kept=kept, removed=removed)])

    # ---- undo -------------------------------------------------------------------------------

    def undo(self) -> Entry | None:
        """Undo the last step (an answer, "don't know", a paste, a settled contradiction); returns
        it, or None when there is nothing to undo. Its question is asked again."""
        if not self._undo:
            return None
        snap = self._undo.pop()
        entry = self.log[snap.log_len] if len(self.log) > snap.log_len else None
        if snap.sentence:
            entry = Entry("context", "sentence", "; ".join(self.from_sentence))
            self.from_sentence = []
        self.head, self._obs, self._tags = snap.head, snap.obs, snap.tags
        self.symptom_asked, self.unknown_slots, self.pending = snap.symptom_asked, snap.unknown_slots, snap.pending
        del self.log[snap.log_len :]
        self._streak_from = min(self._streak_from, len(self.log))
        self._changed()
        return entry

    def back(self) -> bool:
        """Go back one step (see :meth:`undo`); False when there is nothing to undo."""
        return self.undo() is not None

    @property
    def steps(self) -> list[Step]:
        """The observation questions answered so far (legacy view of :attr:`log`)."""
        return [Step(e.key.partition("@")[0], e.key.partition("@")[2], e.value) for e in self.log if e.type == "observation"]

    @property
    def answers_given(self) -> int:
        """Steps taken (answers, "don't know", pastes, settled contradictions)."""
        return len(self.log)

    # ---- views ------------------------------------------------------------------------------

    def diagnosis(self) -> Diagnosis:
        """``podnet diagnose`` of the case so far (the endpoints' kinds must be known)."""
        return self._evaluate()["diagnosis"]  # type: ignore[no-any-return]

    def ranking(self) -> Ranking:
        """Both rankings (empty before the endpoints' kinds are known)."""
        reason = self.stop_reason()
        if not self.kinds_known:
            return Ranking(beliefs=[], rules=[], threshold=self.threshold, confident=False, rules_agree=False, stop_reason=reason)
        ev = self._evaluate()
        rules = [RuleCause(id=c.id, title=c.title, confidence=c.confidence) for c in ev["diagnosis"].causes]
        return Ranking(beliefs=ev["beliefs"], rules=rules, threshold=self.threshold, confident=ev["confident"], rules_agree=ev["agree"], stop_reason=reason)

    def summary(self, saved_path: str | None = None) -> Summary:
        """What is known (said or pasted), what is not, both rankings, what to check next, and how
        to resume (``podnet triage --facts PATH`` when ``saved_path`` is given)."""
        M = self.M
        kb = knowledge(self.rule_dirs)
        known: list[str] = []
        symptom = self.head["case"].get("symptom")
        if symptom and symptom in kb.symptoms:
            known.append(M["symptom_known"].format(title=kb.symptoms[symptom].title.get(self.lang)))
        for spec in ctx.slots():
            if ctx.applies(spec, self.head):
                v = ctx.value_of(spec, self.head)
                if v is not None:
                    full = _dig(self.head, spec.sets) if spec.value == "address" else v
                    shown = (spec.choice_text.get(str(v)) or {}).get(self.lang) or _short(full)
                    known.append(M["context_known"].format(what=_slot_label(spec, self.lang), value=shown))
        if self.kinds_known:
            known += [self._describe(o) for o in self.facts.observations]
            for (fid, _), aid in derived_answers(kb, self.facts).items():
                text = next(a.text for a in kb.derived_findings[fid].answers if a.id == aid)
                known.append(M["derived_known"].format(what=text.get(self.lang)))
        unknown = [_slot_label(ctx.slot(s), self.lang) for s in sorted(self.unknown_slots)]
        for item in self.head.get("unobservable") or []:
            kind, _, at = item.partition("@")
            meta = kb.observation_kinds.get(kind)
            where = VANTAGES[self.lang].get(at, at) if at else ""
            unknown.append(f"{meta.title.get(self.lang) if meta else kind} {where}".strip())
        nexts: list[NextStep] = []
        if self.kinds_known:
            ev = self._evaluate()
            finder = self._finder()
            ranked = sorted((q for q in ev["open"] if finder.needs(q) == ()), key=lambda q: -ev["gains"][q])[:3]
            for q in ranked:
                rq = render_question(kb, self.facts, q, ev["gains"][q], self.lang)
                nexts.append(NextStep(title=rq.title, command=rq.command, run_in=rq.run_in, at=rq.at))
            if not nexts:
                nexts = [NextStep(title=n.title, command=n.command, run_in=n.run_in, at=n.at) for n in ev["diagnosis"].next_checks[:3]]
        return Summary(
            case_id=self.head["case"]["id"],
            stop_reason=self.stop_reason(),
            known=known,
            unknown=unknown,
            ranking=self.ranking(),
            next_checks=nexts,
            resume=M["resume"].format(path=saved_path) if saved_path else None,
        )

    # ---- saving -----------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The whole session as JSON-serialisable data (:meth:`from_state` reads it back)."""
        pool: list[Any] = []
        index: dict[int, int] = {}

        def ids(obs: list[Any]) -> list[int]:
            out = []
            for o in obs:
                if id(o) not in index:
                    index[id(o)] = len(pool)
                    pool.append(o)
                out.append(index[id(o)])
            return out

        def conflict(c: _Conflict | None) -> dict[str, Any] | None:
            return None if c is None else {"old": c.old, "new": c.new, "old_text": c.old_text, "new_text": c.new_text}

        current = ids(self._obs)
        undo = [
            {
                "head": s.head,
                "observations": ids(s.obs),
                "tags": s.tags,
                "symptom_asked": s.symptom_asked,
                "unknown_slots": sorted(s.unknown_slots),
                "pending": conflict(s.pending),
                "log_len": s.log_len,
                "sentence": s.sentence,
            }
            for s in self._undo
        ]
        return {
            STATE_MARK: 1,
            "lang": self.lang,
            "threshold": self.threshold,
            "rule_dirs": list(self.rule_dirs),
            "strategy": self.strategy,
            "head": copy.deepcopy(self.head),
            "pool": [o.model_dump(mode="json", exclude_none=True, exclude_computed_fields=True) for o in pool],
            "observations": current,
            "tags": list(self._tags),
            "symptom_asked": self.symptom_asked,
            "unknown_slots": sorted(self.unknown_slots),
            "pending": conflict(self.pending),
            "log": [e.to_dict() for e in self.log],
            "streak_from": self._streak_from,
            "undo": undo,
            "from_sentence": list(self.from_sentence),
        }

    @classmethod
    def from_state(cls, data: dict[str, Any], origin: str = "<session>") -> TriageSession:
        """A session from :meth:`state` data; a bad state is a located one-line error."""
        from ..errors import InputError
        from ..facts.load import validate_observation

        if not isinstance(data, dict) or data.get(STATE_MARK) != 1:
            raise InputError("not a saved triage session", location=origin, code="E-TRIAGE-SESSION")
        try:
            s = cls(None, data["lang"], float(data["threshold"]), tuple(data.get("rule_dirs") or ()), strategy=data.get("strategy", "adaptive"), case_id="x")
            s.head = data["head"]
            if ctx.kinds_known(s.head):
                ctx.build_facts(s.head)
            pool = [validate_observation(o, i, f"{origin}: $.pool[{i}]") for i, o in enumerate(data["pool"])]
            s._obs = [pool[i] for i in data["observations"]]
            s._tags = [int(t) for t in data["tags"]]
            s.symptom_asked = bool(data["symptom_asked"])
            s.unknown_slots = set(data["unknown_slots"])
            conflict = lambda c: None if c is None else _Conflict(list(c["old"]), list(c["new"]), c["old_text"], c["new_text"])  # noqa: E731
            s.pending = conflict(data.get("pending"))
            s.log = [Entry(e["type"], e["key"], e.get("value"), list(e.get("lines") or [])) for e in data["log"]]
            s._streak_from = min(int(data.get("streak_from", 0)), len(s.log))
            s._undo = [
                _Snapshot(u["head"], [pool[i] for i in u["observations"]], list(u["tags"]), bool(u["symptom_asked"]), set(u["unknown_slots"]), conflict(u.get("pending")), int(u["log_len"]), bool(u.get("sentence", False)))
                for u in data["undo"]
            ]
            s.from_sentence = [str(v) for v in data.get("from_sentence") or []]
        except UsageError:
            raise
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise InputError(f"saved triage session is damaged ({type(exc).__name__}: {exc})", location=origin, code="E-TRIAGE-SESSION") from None
        if len(s._tags) != len(s._obs):
            raise InputError("saved triage session is damaged (tags and observations differ)", location=origin, code="E-TRIAGE-SESSION")
        return s

    def save(self, path: str) -> Literal["facts", "session"]:
        """Write the gathered fact file (``podnet diagnose`` and ``--facts`` read it), or, before
        the endpoints' kinds are known, the session itself (``--facts`` reads it too)."""
        from ..outfile import write_output

        if self.kinds_known:
            write_output(json.dumps(self.facts.to_json_dict(), indent=2, ensure_ascii=False) + "\n", path, "--save")
            return "facts"
        write_output(json.dumps(self.state(), indent=2, ensure_ascii=False) + "\n", path, "--save")
        return "session"

    @classmethod
    def load(cls, source: str | dict[str, Any], *, lang: Lang | None = None, threshold: float | None = None, rule_dirs: tuple[str, ...] = ()) -> TriageSession:
        """A session from a saved session or a (partial) fact file (a path or its data)."""
        from ..facts.load import facts_from_data, parse_json, read_text

        origin = source if isinstance(source, str) else "<data>"
        data = parse_json(read_text(source), source) if isinstance(source, str) else source
        if isinstance(data, dict) and STATE_MARK in data:
            s = cls.from_state(data, origin)
            if lang:
                s.lang = lang
            if threshold:
                s.threshold = threshold
            if rule_dirs:
                s.rule_dirs = tuple(rule_dirs)
            s.restart_unknown_count()
            return s
        facts = facts_from_data(data, origin)
        return cls(facts, lang or "en", threshold or DEFAULT_THRESHOLD, tuple(rule_dirs))


# ---- helpers ---------------------------------------------------------------------------------


def no_answer_ahead(answered: int, unknown: int, window: int) -> float:
    """Probability that a customer with this record answers none of the next ``window`` questions:
    the rule of succession (a uniform prior on the customer's answer rate, updated by ``answered``
    answers and ``unknown`` "don't know"s; the Beta-binomial predictive of ``window`` misses)."""
    p = 1.0
    for i in range(window):
        p *= (unknown + 1 + i) / (answered + unknown + 2 + i)
    return p


def _open_questions(kb: Any, model: Any, facts: FactFile) -> list[tuple[str, str]]:
    """Questions not answered and not blocked, whose vantage exists in the case, in the guide's
    order (whether the case has the values to ask them is :mod:`podnet.triage.needs`'s business)."""
    from .questions import _blocked, in_case

    blocked_kinds, blocked_keys = _blocked(facts)
    out = []
    for q in model.answers:
        if q[0] in blocked_kinds or q in blocked_keys or not in_case(facts, q[1]):
            continue
        meta = kb.observation_kinds[q[0]]
        if any(probe_match(meta, q[1], o, facts) for o in facts.observations):
            continue
        out.append(q)
    how_ix = {(k, at): i for k, m in kb.observation_kinds.items() for i, at in enumerate(m.how)}
    return sorted(out, key=lambda q: (kb.observation_kinds[q[0]].order, how_ix[q], q))


def _negated_kinds(node: Any, negated: bool = False) -> set[str]:
    """Observation kinds a rule's condition reads under ``not`` (what makes the rule stand back)."""
    kind = getattr(node, "kind", None)
    found = {kind} if negated and isinstance(kind, str) else set()
    for item in getattr(node, "items", ()) or ():
        found |= _negated_kinds(item, negated)
    inner = getattr(node, "item", None)
    if inner is not None:
        found |= _negated_kinds(inner, True)
    return found


def meta_answer_normal(meta: Any, answer_id: str) -> bool:
    """Whether ``answer_id`` is the kind's "looks normal" answer (it confirms no cause decisively)."""
    return any(a.id == answer_id and a.normal for a in meta.answers)


def _slot_label(spec: ctx.SlotSpec, lang: str) -> str:
    return spec.label.get(lang) or spec.label.get("en") or spec.id


def _dig(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _short(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_short(v) for v in value)
    if isinstance(value, dict):
        ip, port = value.get("ip"), value.get("port")
        if ip:
            return f"{ip}:{port}" if port else str(ip)
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, tuple):
        return ":".join(str(v) for v in value if v is not None)
    return str(value)


def _plain(text: str) -> str:
    return " ".join(str(text).split())


def _probe_suffix(o: Any) -> str:
    target = getattr(o, "target", None)
    port = getattr(o, "port", None)
    name = getattr(o, "name", None) if o.kind == "dns_lookup" else None
    if target:
        return f" → {target}:{port}" if port else f" → {target}"
    return f" → {name}" if name else ""


_SKIP = {"kind", "at", "id", "host", "note", "source_line", "target", "port", "name", "size", "dont_fragment", "target_role", "ruleset", "local_addresses", "routes"}


def _fields(o: Any) -> str:
    data = o.model_dump(mode="json", exclude_none=True, exclude_computed_fields=True)
    items = [f"{k}={_short(v)}" for k, v in data.items() if k not in _SKIP and v not in ([], {})][:4]
    return ", ".join(items) or "-"
