"""Typed results of triage: questions, answer options, the ranking shown between questions."""

from __future__ import annotations

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
