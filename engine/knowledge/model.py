"""Typed knowledge: symptoms, causes, observation kinds, rules (as read from YAML)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ..facts.base import HopRole, TargetRole, Vantage

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Text(_Strict):
    """A user-facing text (or template) in every supported language."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    def get(self, lang: Lang) -> str:
        return getattr(self, lang)


class Symptom(_Strict):
    """A symptom class of the guide (primary) or an intermediate finding."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    primary: bool = True
    title: Text
    description: Text
    guide: str
    signature: list[SignatureEntry] = Field(
        default_factory=list,
        description="What the symptom class looks like (triage): the default signature of its causes; a cause's own entries win.",
    )


class Step(_Strict):
    """A remediation or verification step: text, and optionally a command template and where to run it."""

    text: Text
    command: str | None = None
    run_at: str | None = Field(
        None,
        description="Where to run the command: a vantage point (source_node, destination_node...), control_plane (kubectl), "
        "or source: from the source itself ({{ src_exec }} runs it in the source Pod, or on the source node).",
    )
    warning: Text | None = Field(
        None, description="What the command changes or interrupts; a command kb/destructive.yaml matches gets its kind's warning otherwise."
    )


class SignatureEntry(_Strict):
    """What a cause makes an observation look like: P(answer | cause) for triage."""

    observe: str = Field(description="'kind@vantage', e.g. 'ping@source_pod'.")
    answers: dict[str, float]


class Cause(_Strict):
    """A root cause from the guide, with its remediation."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    symptom: str
    title: Text
    explanation: Text
    remediation: list[Step] = Field(min_length=1)
    verify: list[Step] = Field(min_length=1)
    guide: str = Field(min_length=1, description="The guide section the cause comes from.")
    sources: list[Annotated[str, StringConstraints(pattern=r"^[\w.-]+/[\w.-]+#\d+$")]] = Field(
        default_factory=list,
        description="Public incident reports (org/repo#n) the cause was learned from, beyond the guide.",
    )
    prior: float = Field(0.05, gt=0, lt=1)
    signature: list[SignatureEntry] = Field(default_factory=list)
    false_positives: list[Text] = Field(
        default_factory=list, description="What looks like this cause but is not, and how to tell them apart."
    )


class HowToObserve(_Strict):
    """How an observation kind is made at one vantage point."""

    command: str
    run_in: Literal["pod", "node", "kubectl", "nsenter"] = "node"
    target: Literal["destination", "backend", "destination_node", "source_node", "dns_service"] | None = Field(
        None,
        description="What the check probes from here (triage): the destination (default; the ClusterIP of a "
        "Service), its backend Pod (the destination itself when it is a Pod), the destination's or the source's "
        "node, or the cluster DNS Service.",
    )


class Answer(_Strict):
    """A possible answer to a question, and the observation it becomes."""

    id: str
    text: Text
    observation: dict[str, Any] | None = None
    observations: list[dict[str, Any]] | None = Field(
        None,
        description="Several observations one answer stands for (e.g. the MTUs of the host NIC, the tunnel and a "
        "bridge); used instead of 'observation'. String values may be templates of the case ({{ src_node.nic }}).",
    )
    at: list[str] | None = Field(
        None, description="Vantage points where this answer applies (default: every vantage of the kind)."
    )
    normal: bool = Field(
        False,
        description="What a healthy cluster shows (triage: what a cause that does not declare this question most likely gives).",
    )
    match: dict[str, Any] | list[dict[str, Any]] | None = Field(
        None,
        description="How triage recognises this answer in a recorded observation: field -> value or "
        "{operator: value}, as in a rule pattern (without 'fact'); a list means any of them. "
        "Without it, the nearest fragment wins.",
    )
    match_all: list[dict[str, Any]] | None = Field(
        None,
        description="For an answer about several observations of one check: every constraint set must hold for "
        "one of them (e.g. the backend Pod connects and the ClusterIP times out).",
    )
    undeclared: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="P(this answer | a cause whose signature does not declare the question): how often a case "
        "whose fault lies elsewhere shows it (triage; e.g. ndots:5 with the node's search domains is common in "
        "healthy clusters). Replaces the undeclared spread and the specific-findings floor for this answer; the "
        "other answers share the rest as before.",
    )


DERIVED_AT = "case"
"""The place of a derived finding in a signature (``observe: "FINDING@case"``): the values of the case."""


class DerivedAnswer(_Strict):
    """One value of a derived finding, as an answer of the triage posterior."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: Text
    value: bool | int | str = Field(description="The derived field's value this answer stands for.")
    normal: bool = Field(False, description="What a healthy cluster shows.")
    undeclared: float | None = Field(None, gt=0, lt=1, description="As Answer.undeclared.")


class DerivedFinding(_Strict):
    """A finding triage computes from the values of the case (never asked, never recorded): the value
    of a field the rule engine derives for a case fact, e.g. whether the host the flow targets lies in
    the Pod or Service CIDR (``destination.in_cluster_range``). A cause's signature declares it as
    ``FINDING@case``; it counts in the posterior as soon as the values it needs were given."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: Text
    fact: Literal["source", "destination", "cluster"]
    field: str = Field(min_length=1)
    answers: list[DerivedAnswer] = Field(min_length=2)


class ReadFrom(_Strict):
    """Another kind whose reading answers this kind's question (a ``nc -zv`` printed for "does it get
    through" is read as a TCP connect): that kind's answer id -> this kind's."""

    kind: str
    answers: dict[str, str] = Field(min_length=1)


class ObservationKind(_Strict):
    """Metadata of an observation kind: how to observe it, and how to ask for it."""

    kind: str
    title: Text
    question: Text
    order: int = Field(description="Position in the guide's fixed order of checks.")
    how: dict[str, HowToObserve] = Field(
        min_length=1, description="vantage -> how to observe there (``VANTAGE>ROLE``: from there, probing that end)"
    )
    distinguish_by: list[str] = Field(
        default_factory=list,
        description="Fields that make two observations of this kind at one vantage different checks (e.g. capture hop).",
    )
    answers: list[Answer] = Field(default_factory=list)
    cost: float = Field(
        1.0,
        gt=0,
        description="Effort of the check relative to a ping (triage ranks questions by expected information gain per cost).",
    )
    read_from: ReadFrom | None = Field(
        None, description="A kind whose reading of this question's printed command answers it (its answers mapped to this kind's)."
    )
    cluster_wide: bool = Field(
        False,
        description="A reading of the cluster's state (CoreDNS's log, a Service's spec): one observation of it, "
        "wherever it was recorded, answers its question (a file that records the CoreDNS log at the source Pod is not asked for it again).",
    )

    @field_validator("how")
    @classmethod
    def _places(cls, how: dict[str, HowToObserve]) -> dict[str, HowToObserve]:
        for place in how:
            at, arrow, role = place.partition(">")
            if at not in get_args(Vantage):
                raise ValueError(f"{place!r}: {at!r} is not a vantage point ({', '.join(get_args(Vantage))})")
            if arrow and role not in get_args(TargetRole):
                raise ValueError(f"{place!r}: {role!r} is not a role a probe aims at ({', '.join(get_args(TargetRole))})")
        return how


class InterfaceRole(_Strict):
    """Name pattern of interfaces that play a role on the packet path."""

    pattern: str
    role: HopRole
    at: list[Vantage] | None = Field(None, description="Only at these vantage points.")


class ComponentMessage(_Strict):
    """A known message of a cluster network component (kube-proxy, flannel, calico-node, weave,
    CoreDNS...) and what it means: a finding id that rules read."""

    component: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    finding: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    pattern: str = Field(min_length=1, max_length=400, description="Python regular expression, searched in one message.")
    ignore_case: bool = False
    source: str | None = Field(None, description="Where the message was seen (a public issue or the component's code).")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        import re

        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value


class RuleThen(_Strict):
    """The conclusion of a rule: exactly one of finding, symptom or cause (with a weight)."""

    finding: str | None = None
    symptom: str | None = None
    cause: str | None = None
    weight: float | None = Field(None, ge=-1, le=1)

    @field_validator("weight")
    @classmethod
    def _nonzero(cls, v: float | None) -> float | None:
        if v == 0:
            raise ValueError("weight must not be 0")
        return v


class RuleSpec(_Strict):
    """A rule as written in YAML."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    title: Text
    when: dict[str, Any]
    then: RuleThen
    because: Text
    false_positives: list[Text] = Field(default_factory=list)
    guide: str | None = None
    tags: list[str] = Field(default_factory=list)
    decisive: bool = Field(
        False,
        description="The rule reads the observation that confirms (weight > 0) or rules out (weight < 0) its cause. "
        "Only decisive evidence may take a cause to 0.8: the non-decisive rules for a cause combine below it "
        "(podnet.knowledge.calibration), and the report asks for a leading cause's decisive observation.",
    )
    exclusive_with: list[str] = Field(
        default_factory=list,
        description="Rules for the same cause that cannot fire in the same case as this one (ufw and firewalld "
        "are never both a node's firewall): the calibration bound counts the strongest of them once.",
    )


class Recipe(_Strict):
    """One use of a tool, as a command template."""

    title: Text
    command: str


class Tool(_Strict):
    """A troubleshooting tool of the guide: install commands per distribution and recipes."""

    id: str
    title: Text
    purpose: Text
    install: dict[str, str] = Field(min_length=1)
    recipes: list[Recipe] = Field(min_length=1)
