"""The diagnosis: a typed model that every renderer (text, Markdown, JSON, UI) is a view of.

Its JSON form is a contract for other tools (``podnet schema --diagnosis`` publishes it):
top-level ``symptoms``, ``causes`` (ranked; each with ``id``, ``title``, ``confidence``,
``evidence``, ``remediation``), ``next_checks`` and ``warnings``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DIAGNOSIS_SCHEMA_VERSION: Literal["1"] = "1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Evidence(_Model):
    """One rule that fired for (or against) a conclusion, and the observations it matched."""

    rule: str
    direction: Literal["for", "against"] = "for"
    weight: float | None = None
    message: str
    observations: list[str] = Field(default_factory=list, description="JSON paths into the fact file.")


class SymptomResult(_Model):
    id: str
    title: str
    primary: bool
    evidence: list[Evidence]


class Step(_Model):
    text: str
    command: str | None = None
    run_at: str | None = Field(None, description="Vantage point: source_node, destination_pod, control_plane...")
    run_on: str | None = Field(None, description="The node or Pod that vantage point is in this case.")


class RankedCause(_Model):
    rank: int
    id: str
    symptom: str
    title: str
    confidence: float = Field(ge=0, le=1)
    explanation: str
    evidence: list[Evidence]
    remediation: list[Step]
    verify: list[Step]
    guide: str


class PossibleCause(_Model):
    """A cause the established symptom class allows but no specific evidence points at yet."""

    id: str
    symptom: str
    title: str
    prior: float


class NextCheck(_Model):
    """An observation not made yet that would confirm or rule out leading causes."""

    kind: str
    at: str
    detail: dict[str, str] = Field(default_factory=dict, description="Which one, e.g. {'hop': 'host_nic'}.")
    title: str
    command: str
    run_in: str
    reason: str
    causes: list[str]
    value: float = Field(description="How much the check matters: summed confidence x rule weight.")


class FailingHop(_Model):
    index: int
    node: str | None = None
    interface: str
    role: str


class PathSummary(_Model):
    """Where captures along the packet path show the request or the reply disappearing."""

    failing_hop: FailingHop | None = None
    direction: Literal["request", "reply"] | None = None
    segment: str | None = None
    suspects: list[str] = Field(default_factory=list, description="Cause ids that fit the failing segment, best first.")
    explanation: str | None = None
    drawing: str | None = Field(None, description="The path as text, the failing hop marked.")


class DiagnosisWarning(_Model):
    code: str
    message: str
    location: str | None = None


class Diagnosis(_Model):
    """Ranked root causes with their evidence, remediation and the checks still worth making."""

    schema_version: Literal["1"] = DIAGNOSIS_SCHEMA_VERSION
    case_id: str
    summary: str = ""
    lang: Literal["en", "zh"]
    symptoms: list[SymptomResult]
    findings: list[SymptomResult] = Field(default_factory=list)
    causes: list[RankedCause]
    ruled_out: list[RankedCause] = Field(default_factory=list, description="Causes whose evidence against outweighs the evidence for.")
    possible: list[PossibleCause] = Field(
        default_factory=list,
        description="Causes of the established symptom classes without evidence yet, by prior (the guide's list for that class).",
    )
    next_checks: list[NextCheck]
    warnings: list[DiagnosisWarning]
    path: PathSummary | None = Field(None, description="The packet path read from captures, when the case has captures.")

    @property
    def top(self) -> RankedCause | None:
        """The leading cause, if any."""
        return self.causes[0] if self.causes else None
