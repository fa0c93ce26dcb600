"""Typed models of the packet path, the capture plan and the verdict read from captures."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..facts.observations import HopRole
from ..knowledge.model import Lang, Text

Direction = Literal["request", "reply"]
Namespace = Literal["host", "pod", "external"]
AddressKind = Literal["pod", "service", "node", "tunnel", "bridge", "external"]

ROLE_RANK: dict[str, int] = {"pod": 0, "veth": 1, "bridge": 2, "tunnel": 3, "host_nic": 4, "other": 5}
"""Distance of a device role from its Pod towards the wire; the capture plan bisects over it."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Address(_Model):
    """An address the packet carries; ``ip`` is None when the case does not tell it."""

    ip: str | None = None
    port: int | None = None
    kind: AddressKind
    owner: str | None = Field(None, description="Node or Pod the address belongs to.")


class PathStep(_Model):
    """A change to the packet between two hops: NAT or (de)encapsulation."""

    kind: Literal["dnat", "snat", "un_dnat", "un_snat", "encapsulate", "decapsulate"]
    by: str = Field(description="What does it: kube-proxy iptables/ipvs, masquerade, vxlan, ipip.")
    before: Address | None = None
    after: Address | None = None
    outer_src: Address | None = None
    outer_dst: Address | None = None


class Hop(_Model):
    """One interface the packet crosses, with the packet as it looks there."""

    index: int
    direction: Direction
    node: str | None = None
    node_ip: str | None = None
    namespace: Namespace
    pod: str | None = Field(None, description="Pod name, for a hop inside a Pod or its veth.")
    pod_namespace: str | None = None
    pod_ip: str | None = None
    interface: str
    interface_known: bool = Field(True, description="False when the name is found at capture time (veth).")
    role: HopRole
    end: Literal["source", "destination"] | None = None
    src: Address
    dst: Address
    protocol: Literal["tcp", "udp"] | None = None
    encapsulation: Literal["vxlan", "ipip", "geneve", "wireguard", "sleeve"] | None = None
    outer_src: Address | None = None
    outer_dst: Address | None = None
    steps: list[PathStep] = Field(default_factory=list, description="Changes made since the previous hop.")


class HopRef(_Model):
    """Where on the request path: hop index, node and interface."""

    index: int
    node: str | None = None
    interface: str
    role: HopRole


class HopCheck(_Model):
    """What the captures say about one hop of the request path."""

    index: int
    request_seen: bool | None = None
    reply_seen: bool | None = None
    observations: list[str] = Field(default_factory=list, description="Ids (or positions) of the captures used.")


class PathVerdict(_Model):
    """Where the packet disappears and which causes fit that place."""

    failing_hop: HopRef | None = None
    direction: Direction | None = None
    suspects: list[str] = Field(default_factory=list, description="Cause ids, most fitting first.")
    explanation: Text | None = None
    segment: str | None = Field(None, description="Segment class from kb/paths/localize.yaml.")
    hops: list[HopCheck] = Field(default_factory=list)


class CaptureCommand(_Model):
    """One capture: where to run it, how, and what to look for."""

    hops: list[int] = Field(description="Request-path hops this capture watches (one interface may carry several).")
    node: str | None = None
    node_ip: str | None = None
    namespace: Namespace
    pod: str | None = None
    interface: str
    role: HopRole
    where: str
    setup: list[str] = Field(default_factory=list, description="Commands to run first (find the PID, the veth).")
    filter: str
    command: str
    look_for: str
    same_as_step: int | None = Field(None, description="The same capture already runs from this earlier step.")


class CaptureStep(_Model):
    """Captures to run at the same time."""

    number: int
    title: str
    purpose: str
    captures: list[CaptureCommand]


class CapturePlan(_Model):
    """The ordered capture plan of a case: both ends first, then bisect towards the middle."""

    case_id: str
    lang: Lang
    cni: str
    mode: str
    kube_proxy_mode: str
    profile: str
    flow: str
    path: list[Hop]
    steps: list[CaptureStep]
    notes: list[str] = Field(default_factory=list)
