"""The checked knowledge as the reasoning uses it: the rules and the :class:`Knowledge` they belong to.

Apart from :mod:`.load` (which reads and checks the YAML) so that the modules the loader uses, the
disk cache's codec (:mod:`.plain`) among them, need not import the loader back.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from .conditions import Node
from .model import Cause, ComponentMessage, DerivedFinding, InterfaceRole, ObservationKind, RuleSpec, Symptom


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE if ignore_case else 0)

__all__ = ["Knowledge", "Rule"]


@dataclass(frozen=True)
class Rule:
    """A checked rule: its spec, parsed condition, phase and source file."""

    spec: RuleSpec
    condition: Node
    phase: str
    path: str
    symptom_dir: str

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def variable_cause(self) -> str | None:
        """The $variable naming the cause, for rules whose cause comes from the facts."""
        cause = self.spec.then.cause
        return cause[1:] if cause and cause.startswith("$") else None

    @property
    def conclusion(self) -> str:
        then = self.spec.then
        return then.finding or then.symptom or then.cause or ""


@dataclass
class Knowledge:
    """Symptoms, findings, causes, observation kinds, interface roles and rules."""

    symptoms: dict[str, Symptom]
    findings: dict[str, Symptom]
    causes: dict[str, Cause]
    observation_kinds: dict[str, ObservationKind]
    interface_roles: list[InterfaceRole]
    rules: list[Rule] = field(default_factory=list)
    rule_dirs: tuple[str, ...] = ()
    component_messages: list[ComponentMessage] = field(default_factory=list)
    derived_findings: dict[str, DerivedFinding] = field(default_factory=dict)
    """Findings triage computes from the values of the case (``derived`` in ``kb/observations.yaml``)."""

    def message_findings(self, component: str | None, message: str) -> list[tuple[str, str, re.Match[str]]]:
        """(component, finding, match) of every known message of ``component`` (any, when None)
        found in ``message`` (``kb/component_messages.yaml``)."""
        return [(m.component, m.finding, hit) for m in self.component_messages
                if (component is None or m.component == component) and (hit := _compiled(m.pattern, m.ignore_case).search(message))]

    def interface_role(self, name: str, at: str | None = None) -> str:
        """Role of an interface on the path, from the name patterns in ``kb/interfaces.yaml``."""
        for item in self.interface_roles:
            if (item.at is None or at in item.at) and re.fullmatch(item.pattern, name):
                return item.role
        return "other"
