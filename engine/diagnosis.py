"""The diagnosis: a typed model that every renderer (text, Markdown, JSON, UI) is a view of.

Its JSON form is a contract for other tools (``podnet schema --diagnosis`` publishes it):
top-level ``symptoms``, ``causes`` (ranked; each with ``id``, ``title``, ``confidence``,
``evidence``, ``remediation``), ``next_checks`` and ``warnings``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

DIAGNOSIS_SCHEMA_VERSION: Literal["1"] = "1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Evidence(_Model):
    """One rule that fired for (or against) a conclusion, and the observations it matched."""

    rule: str = Field(description="Id of the rule that fired (`podnet explain CAUSE` lists a cause's rules).")
    direction: Literal["for", "against"] = Field("for", description="Whether the rule argues for or against the conclusion.")
    weight: float | None = Field(
        None, description="The rule's weight, -1..1 (negative: against); none for symptom and finding evidence."
    )
    message: str = Field(description="What the rule saw, in the case's own terms and the diagnosis's language.")
    observations: list[str] = Field(
        default_factory=list,
        description="Where the observations the rule matched are: FILE:LINE of the raw input for those `podnet ingest` read "
        "(e.g. `transcript.txt:42`), else their JSON path in the fact file (e.g. `$.observations[3]`).",
    )


class SymptomResult(_Model):
    """A symptom class (or an intermediate finding) the observations establish, and why."""

    id: str = Field(description="Symptom or finding id from the knowledge base (`kb/symptoms.yaml`).")
    title: str = Field(description="Its title in the diagnosis's language.")
    primary: bool = Field(description="True for the guide's five symptom classes, false for intermediate findings.")
    evidence: list[Evidence] = Field(description="The rules that established it.")


class FillIn(_Model):
    """A value a printed command needs and the case does not give: the command reads it from a shell
    variable, ``"${NAME:?set NAME to ...}"``, and stops with that message while it is unset."""

    variable: str = Field(description="The shell variable to set before running the command, e.g. SOURCE_NODE_NIC.")
    what: str = Field(description="What value it stands for and where to find it (English, as in the command's message).")


class Step(_Model):
    """One remediation or verification step: what to do and, if any, the command to run and where."""

    text: str = Field(description="What to do, in the diagnosis's language.")
    command: str | None = Field(None, description="The shell command, with the case's values filled in and quoted.")
    run_at: str | None = Field(
        None,
        description="Where to run the command, as a role (a vantage point): source_pod, source_node, destination_pod, "
        "destination_node, control_plane... It is the same for every case; run_on names the machine or Pod.",
    )
    run_on: str | None = Field(
        None,
        description="The node or Pod that run_at stands for in this case (e.g. the source node's name), when the "
        "facts name it; none when they do not.",
    )
    warning: str | None = Field(
        None,
        description="Set when the command changes the system (deletes, restarts, flushes, sets...): what it changes or "
        "interrupts, printed on a line before the command.",
    )
    fill_in: list[FillIn] = Field(
        default_factory=list,
        description="Values the command needs that the case does not give (shell variables to set first), as the command names them.",
    )


class RankedCause(_Model):
    """A root cause with the evidence for and against it, what to do about it and how to verify the fix."""

    rank: int = Field(description="1 for the most likely cause.")
    id: str = Field(description="Cause id from the knowledge base (`podnet explain ID`).")
    symptom: str = Field(description="Id of the symptom class the cause belongs to.")
    title: str = Field(description="One-line title in the diagnosis's language.")
    confidence: float = Field(
        ge=0, le=1, description="Combined certainty factor of the rules for and against the cause, 0..1 (README: Confidence)."
    )
    explanation: str = Field(description="How this cause produces what was observed.")
    evidence: list[Evidence] = Field(description="Rules that fired for or against the cause, strongest first.")
    remediation: list[Step] = Field(description="Steps that fix the cause, in order.")
    verify: list[Step] = Field(description="Steps that show the fix worked.")
    guide: str = Field(description="The section of the field guide the cause comes from.")
    sources: list[str] = Field(
        default_factory=list, description="Public incident reports (org/repo#n) the cause was learned from, beyond the guide."
    )


class PossibleCause(_Model):
    """A cause the established symptom class allows but no specific evidence points at yet."""

    id: str = Field(description="Cause id from the knowledge base.")
    symptom: str = Field(description="Id of the established symptom class that allows it.")
    title: str = Field(description="One-line title in the diagnosis's language.")
    prior: float = Field(description="How common the cause is within its symptom class, 0..1 (from the knowledge base).")


class NextCheck(_Model):
    """An observation not made yet that would confirm or rule out leading causes."""

    kind: str = Field(description="Observation kind to make (`podnet schema` lists the kinds).")
    at: str = Field(description="Vantage point to make it at: source_pod, source_node, destination_node...")
    detail: dict[str, str] = Field(default_factory=dict, description="Which one, e.g. {'hop': 'host_nic'}.")
    title: str = Field(description="What the check observes, in the diagnosis's language.")
    command: str = Field(description="The command to run, the case's values filled in and quoted.")
    run_in: str = Field(description="How the command is run: node (a shell on the node), pod, kubectl or nsenter.")
    reason: str = Field(description="Which causes the result confirms or rules out.")
    causes: list[str] = Field(description="Ids of those causes.")
    value: float = Field(description="How much the check matters: summed confidence x rule weight.")
    decides: list[str] = Field(
        default_factory=list,
        description="Leading causes (of the top three) whose decisive observation this is: its result confirms or rules them out "
        "(rules marked decisive: true read it).",
    )
    fill_in: list[FillIn] = Field(
        default_factory=list,
        description="Values the command needs that the case does not give (shell variables to set first), as the command names them.",
    )


class FailingHop(_Model):
    """The first hop along the packet path where the captures no longer see the packet."""

    index: int = Field(description="Position of the hop on the path (0 is the source).")
    node: str | None = Field(None, description="The node the hop is on, when known.")
    interface: str = Field(description="The interface captured at that hop.")
    role: str = Field(description="Its role on the path: veth, bridge, tunnel, host_nic...")


class PathSummary(_Model):
    """Where captures along the packet path show the request or the reply disappearing."""

    failing_hop: FailingHop | None = Field(None, description="Where the packet disappears; none when it is seen all the way.")
    direction: Literal["request", "reply"] | None = Field(None, description="Whether the request or the reply disappears.")
    segment: str | None = Field(None, description="Class of the path segment that loses it (`kb/paths/localize.yaml`).")
    suspects: list[str] = Field(default_factory=list, description="Cause ids that fit the failing segment, best first.")
    explanation: str | None = Field(None, description="What losing the packet in that segment means, in the diagnosis's language.")
    drawing: str | None = Field(None, description="The path as text, the failing hop marked.")


class DiagnosisWarning(_Model):
    """Something about the input worth knowing that did not stop the diagnosis."""

    code: str = Field(description="Stable code, e.g. W-FACTS-CONFLICT (contradictory observations left out), W-INGEST.")
    message: str = Field(description="What happened, in the diagnosis's language.")
    location: str | None = Field(None, description="Where: file, line or JSON paths.")


class Diagnosis(_Model):
    """Ranked root causes with their evidence, remediation and the checks still worth making."""

    schema_version: Literal["1"] = Field(DIAGNOSIS_SCHEMA_VERSION, description="Version of this JSON form.")
    case_id: str = Field(description="The fact file's case.id.")
    summary: str = Field("", description="The fact file's case.summary.")
    lang: Literal["en", "zh"] = Field(description="Language of every text in the diagnosis.")
    symptoms: list[SymptomResult] = Field(description="Symptom classes of the guide the observations establish.")
    findings: list[SymptomResult] = Field(default_factory=list, description="Intermediate findings, e.g. icmp_filtered.")
    causes: list[RankedCause] = Field(description="Root causes with evidence, most likely first; empty when no cause is named.")
    ruled_out: list[RankedCause] = Field(default_factory=list, description="Causes whose evidence against outweighs the evidence for.")
    possible: list[PossibleCause] = Field(
        default_factory=list,
        description="Causes of the established symptom classes without evidence yet, by prior (the guide's list for that class).",
    )
    next_checks: list[NextCheck] = Field(description="Observations not made yet that would change the ranking most, best first.")
    warnings: list[DiagnosisWarning] = Field(description="Problems with the input that did not stop the diagnosis.")
    path: PathSummary | None = Field(None, description="The packet path read from captures, when the case has captures.")
    _neutral: Any = PrivateAttr(None)
    """The language-neutral diagnosis this one was localized from (:mod:`podnet.neutral`), if any."""

    @property
    def top(self) -> RankedCause | None:
        """The leading cause, if any."""
        return self.causes[0] if self.causes else None
