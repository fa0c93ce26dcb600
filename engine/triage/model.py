"""Typed results of triage: questions, answer options, the ranking shown between questions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnswerOption(_Model):
    """One possible answer to a question (from ``kb/observations.yaml``)."""

    id: str
    text: str


class Question(_Model):
    """The next observation to ask for, rendered for the case in one language."""

    kind: str = Field(description="Observation kind, e.g. 'ping'.")
    at: str = Field(description="Vantage point, e.g. 'source_pod'.")
    title: str
    text: str = Field(description="The question, with the case's values filled in.")
    command: str = Field(description="Command to run, every value shell-quoted.")
    run_in: str = Field(description="Where the command runs: kubectl, node, nsenter or pod.")
    warning: str | None = Field(
        None, description="What the command changes on the node (kb/destructive.yaml), for a question that asks to try a change."
    )
    answers: list[AnswerOption]
    expected_gain: float = Field(ge=0, description="Expected information gain in bits.")

    @property
    def key(self) -> str:
        """``KIND@VANTAGE``, as signatures name it."""
        return f"{self.kind}@{self.at}"


class CauseBelief(_Model):
    """A cause with its triage posterior (from the causes' priors and signatures)."""

    id: str
    title: str
    posterior: float = Field(ge=0, le=1)


PromptType = Literal["symptom", "context", "observation", "conflict"]


class Prompt(_Model):
    """What the session asks now, in one language: the opening "what fails", a value of the case
    (a context slot), an observation (:class:`Question`), or a contradiction to settle. Every prompt
    also takes "don't know" and pasted command output."""

    type: PromptType
    key: str = Field(description="'symptom', 'context:SLOT', 'KIND@VANTAGE' or 'conflict'.")
    title: str
    text: str
    command: str | None = Field(None, description="A command that shows the answer, values shell-quoted.")
    run_in: str | None = None
    at: str | None = Field(None, description="Vantage point of an observation question.")
    options: list[AnswerOption] = Field(default_factory=list, description="Answers to choose from (by id).")
    value: str | None = Field(None, description="The kind of value typed instead (context slots): ip, address, backends...")
    example: str | None = None
    expected_gain: float | None = None
    needed_for: str | None = Field(None, description="Why a context slot is asked: the question (or 'rules') that needs it.")
    named_in_ticket: str | None = Field(None, description="The ticket sentence's words that put this check first (kb/mentions.yaml), verbatim.")
    question: Question | None = Field(None, description="The observation question itself (type 'observation').")


class Outcome(_Model):
    """What an answer did: the lines to show ("recorded ..."), whether the prompt is answered (a
    paste may not answer it), and warnings (lines of a paste not understood)."""

    key: str
    answered: bool
    recorded: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    conflict: bool = Field(False, description="The answer contradicts an earlier one: the next prompt asks which holds.")


class RuleCause(_Model):
    id: str
    title: str
    confidence: float


class Ranking(_Model):
    """The two rankings after the answers so far, and whether triage is done."""

    beliefs: list[CauseBelief]
    rules: list[RuleCause]
    threshold: float
    confident: bool
    rules_agree: bool
    stop_reason: Literal["confident", "no_gain", "no_endpoints", "unknowns"] | None


class NextStep(_Model):
    title: str
    command: str | None = None
    run_in: str | None = None
    at: str | None = None


class Summary(_Model):
    """What is known, what is not, the rankings, what to check next and how to resume."""

    case_id: str
    stop_reason: Literal["confident", "no_gain", "no_endpoints", "unknowns"] | None
    known: list[str]
    unknown: list[str]
    ranking: Ranking
    next_checks: list[NextStep]
    resume: str | None = None
