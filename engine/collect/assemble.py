"""The collected records through the ingest assembly, into one fact file with its gaps and warnings.

Endpoints, roles, the cluster context and every observation come from the one assembly pasted
output goes through (:class:`podnet.inputs.assemble.Assembly`). What is left here is what only a
live run has: the gaps (a probe that could not observe: tool missing, no permission, timeout), the
located warnings of the outputs read, each with the vantage point it was read at, and leaving out
the vantage points off the case's path (``other_pod``/``other_node``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..facts.model import FactFile
from ..messages import Message

if TYPE_CHECKING:
    from ..inputs.model import IngestWarning
    from .run import _Runner


@dataclass
class Collected:
    """The fact file and what could not be observed (one message per gap, see ``kb/messages/collect.yaml``)."""

    facts: FactFile
    notes: list[Message] = field(default_factory=list)
    readings: list[tuple[str | Message, IngestWarning]] = field(default_factory=list)
    """(vantage point, located warning) of the outputs read there, as ``podnet ingest`` words them:
    ``node-a (source_node): iptables-save:7: the filter table has no COMMIT line ...``."""

    @property
    def warnings(self) -> list[str]:
        """The notes in English."""
        return self.texts("en")

    def texts(self, lang: str = "en") -> list[str]:
        """The notes in ``lang`` (``en`` or ``zh``)."""
        return [n.text(lang) for n in self.notes] + [f"{_text(where, lang)}: {w.location}: {w.text(lang)}" for where, w in self.readings]  # type: ignore[arg-type]


def _text(where: str | Message, lang: str) -> str:
    return where.text(lang) if isinstance(where, Message) else where  # type: ignore[arg-type]


def vantage_where(label: str, at: str | None) -> Message:
    """A vantage point for people, in the note's language: ``node-a (source node)``, ``node-a（源节点）``."""
    from ..knowledge.model import LANGS
    from ..messages import table

    role = {lang: table("report", lang).get(f"vantage_{at}", at or "?") for lang in LANGS}
    return Message("collect", "vantage_where", {"label": label, "role": role})


_SHOWN = ("mtu_loss_by_chance", "observation_invalid")
"""The assembly's own warnings a live run shows (the others concern how a paste names its hosts)."""


def _named_destination_pod(runner: _Runner, host_ips: dict[str, set[str]], data: dict[str, Any]) -> None:
    """A Service destination gets the address of the vantage point told to be the destination Pod
    (``--as destination_pod``, its one address besides loopback and link-local): where the user says the connection
    should land, which the Service's DNAT targets are compared with. Only a told role counts: a Pod
    the assembly placed there because it owns a DNAT target says nothing new."""
    dst = (data.get("endpoints") or {}).get("destination")
    if not isinstance(dst, dict) or dst.get("kind") != "service" or dst.get("pod_ip"):
        return
    told = [s for s in runner.stations if s.vantage.role == "destination_pod"]
    if len(told) != 1:
        return
    own = sorted(ip for ip in host_ips.get(told[0].label, set())
                 if not (a := ipaddress.ip_address(ip.split("%")[0])).is_loopback and not a.is_link_local)
    if len(own) == 1:
        dst["pod_ip"] = own[0]


def assemble(runner: _Runner) -> Collected:
    from ..inputs.ingest import assembled_facts

    warnings: list[IngestWarning] = []
    records = [r for s in runner.stations for r in s.records] + [r for s in runner.stations for r in s.probes]
    asm, data = runner.assembly(records, warnings)
    _named_destination_pod(runner, asm.inv.host_ips, data)
    kept = [s for s in runner.stations if not str(s.at).startswith("other")]
    data["observations"] = [(where, o) for where, o in data["observations"] if not str(o.get("at")).startswith("other")]
    hosts = ", ".join(f"{s.label} as {s.at}" for s in kept)
    targets = ", ".join([*(str(t) for t in runner.plan.targets), *runner.plan.names])
    data["case"] = {"id": runner.case_id, "summary": f"podnet collect from {hosts} towards {targets}"}
    notes: list[Message] = []
    for w in warnings:
        if w.code == "destination_kind_assumed" and w.fields.get("kind") == "pod":
            notes.append(Message("collect", "destination_taken_as_pod", {"ip": w.fields["ip"]}))
    missing: set[str] = set()
    for s in kept:
        where = vantage_where(s.label, s.at)
        for kinds, reason in dict.fromkeys(s.gaps):
            notes.append(Message("collect", "could_not_observe", {"kinds": ", ".join(kinds), "where": where, "reason": reason}))
            missing.update(k for k in kinds if k != "probe")
    seen = {o["kind"] for _, o in data["observations"]}
    data["unobservable"] = sorted(k for k in missing if k not in seen)
    after: list[IngestWarning] = []
    facts = assembled_facts(data, after, "<collect>")
    readings: list[tuple[str | Message, IngestWarning]] = [(vantage_where(s.label, s.at), w) for s in kept for w in s.readings]
    readings += [("collect", w) for w in [*warnings, *after] if w.code in _SHOWN]
    return Collected(facts, notes, readings)
