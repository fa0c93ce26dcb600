"""The fact file: the case, the cluster, the endpoints of the failing connection, and observations."""

from __future__ import annotations

import ipaddress
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .observations import AnyObservation

SCHEMA_VERSION: Literal["1"] = "1"


def _ip(value: str | None) -> str | None:
    if value is not None:
        ipaddress.ip_address(value)
    return value


def _net(value: str | None) -> str | None:
    if value is not None:
        ipaddress.ip_network(value, strict=False)
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Case(_Strict):
    """Which ticket or incident this is."""

    id: str = Field(min_length=1)
    summary: str = ""


class NodeInfo(_Strict):
    """A cluster node as Kubernetes registered it."""

    name: str
    internal_ip: str | None = None
    pod_cidr: str | None = None
    nic: str | None = Field(None, description="Name of the host NIC carrying the overlay, e.g. eth0.")

    _v_ip = field_validator("internal_ip")(classmethod(lambda cls, v: _ip(v)))
    _v_net = field_validator("pod_cidr")(classmethod(lambda cls, v: _net(v)))


class Cluster(_Strict):
    """The cluster's networking: CNI plugin and mode, kube-proxy mode, address ranges."""

    cni: Literal["flannel", "calico", "cilium", "weave", "canal", "kube-router", "bridge", "other", "unknown"] = "unknown"
    mode: Literal["vxlan", "host-gw", "ipip", "bgp", "udp", "bridge", "other", "unknown"] = "unknown"
    kube_proxy_mode: Literal["iptables", "ipvs", "nftables", "none", "unknown"] = "unknown"
    service_cidr: str | None = None
    pod_cidr: str | None = None
    dns_service_ip: str | None = None
    nodes: list[NodeInfo] = Field(default_factory=list)

    _v_net = field_validator("service_cidr", "pod_cidr")(classmethod(lambda cls, v: _net(v)))
    _v_ip = field_validator("dns_service_ip")(classmethod(lambda cls, v: _ip(v)))


class Source(_Strict):
    """Where the failing connection starts: a Pod or a node."""

    kind: Literal["pod", "node"]
    name: str | None = None
    namespace: str | None = None
    ip: str | None = None
    node: str | None = Field(None, description="Node the Pod runs on (or the node itself).")
    node_ip: str | None = None

    _v_ip = field_validator("ip", "node_ip")(classmethod(lambda cls, v: _ip(v)))


class Backend(_Strict):
    """One Pod behind a Service."""

    ip: str
    port: int | None = Field(None, ge=1, le=65535)
    pod: str | None = None
    node: str | None = None
    node_ip: str | None = None

    _v_ip = field_validator("ip", "node_ip")(classmethod(lambda cls, v: _ip(v)))


class Destination(_Strict):
    """What the source tries to reach: a Pod, a Service ClusterIP, a node, or something external."""

    kind: Literal["pod", "service", "node", "external"]
    name: str | None = None
    namespace: str | None = None
    ip: str | None = None
    port: int | None = Field(None, ge=1, le=65535)
    protocol: Literal["tcp", "udp"] = "tcp"
    dns_name: str | None = None
    node: str | None = None
    node_ip: str | None = None
    backends: list[Backend] = Field(default_factory=list)

    _v_ip = field_validator("ip", "node_ip")(classmethod(lambda cls, v: _ip(v)))


class Endpoints(_Strict):
    """Both ends of the failing connection."""

    source: Source
    destination: Destination


class FactFileHead(_Strict):
    """A fact file without its observations (validated on its own; observations are validated
    one by one against their kind, so a case only builds the models it uses)."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    case: Case
    cluster: Cluster = Field(default_factory=Cluster)
    endpoints: Endpoints
    unobservable: list[str] = Field(
        default_factory=list,
        description="Observation kinds ('kind') or checks at one vantage point ('kind@vantage') that could not be made (tool missing, no access); never asked again.",
    )


    def has_vantage(self, at: str) -> bool:
        """Whether the case has such a place: no source Pod when the source is a node, no
        destination Pod when the destination is a node or external address."""
        if at == "source_pod":
            return self.endpoints.source.kind == "pod"
        if at == "destination_pod":
            dst = self.endpoints.destination
            return dst.kind == "pod" or bool(dst.backends)
        return True


class FactFile(FactFileHead):
    """Everything podnet knows about one case."""

    observations: list[AnyObservation] = Field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        """The fact file as it would be written: computed and derived fields left out."""
        return self.model_dump(mode="json", exclude_none=True, exclude_computed_fields=True)
