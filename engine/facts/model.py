"""The fact file: the case, the cluster, the endpoints of the failing connection, and observations."""

from __future__ import annotations

import ipaddress
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, computed_field, field_validator

from .observations import AnyObservation
from .values import DnsName, IfName, IPAddressStr, IPNetworkStr, K8sLabel, K8sName, MultilineText, ShortText, k8s_label, k8s_name

SCHEMA_VERSION: Literal["1"] = "1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Case(_Strict):
    """Which ticket or incident this is."""

    id: ShortText = Field(min_length=1)
    summary: MultilineText = ""
    symptom: Literal["network_unreachable", "port_unreachable", "dns_failure", "large_packet_loss", "cni_failure"] | None = Field(
        None,
        description="What fails, as the person reporting it classes it (the guide's five symptom classes, "
        "kb/symptoms.yaml); absent: not said. Triage weighs it as evidence, rules do not read it.",
    )


class NodeInfo(_Strict):
    """A cluster node as Kubernetes registered it."""

    name: K8sName
    internal_ip: IPAddressStr | None = None
    pod_cidr: IPNetworkStr | None = None
    nic: IfName | None = Field(None, description="Name of the host NIC carrying the overlay, e.g. eth0.")


class Cluster(_Strict):
    """The cluster's networking: CNI plugin and mode, kube-proxy mode, address ranges."""

    cni: Literal["flannel", "calico", "cilium", "weave", "canal", "kube-router", "bridge", "other", "unknown"] = "unknown"
    mode: Literal["vxlan", "host-gw", "ipip", "bgp", "udp", "bridge", "geneve", "wireguard", "native", "other", "unknown"] = Field(
        "unknown",
        description="How Pod traffic crosses nodes: an encapsulation (vxlan, geneve, ipip, wireguard; udp: flannel's udp "
        "backend or Weave's sleeve), or routed (host-gw, bgp, native: Cilium's native routing); unknown: the CNI's default.",
    )
    kube_proxy_mode: Literal["iptables", "ipvs", "nftables", "none", "unknown"] = "unknown"
    platform: Literal[
        "aws", "eks", "gcp", "gke", "azure", "aks", "openstack", "vsphere", "cloud", "virtualbox", "bare_metal", "local", "other",
        "unknown",
    ] = Field(
        "unknown",
        description="Where the nodes run: a cloud's virtual machines the cluster's owner set up (aws, gcp, azure, openstack, "
        "vsphere; cloud: another provider's, e.g. Alibaba, Tencent, DigitalOcean, Hetzner), a managed service whose provider "
        "runs the control plane and the nodes' network (eks, gke, aks), "
        "VirtualBox VMs (Vagrant), bare metal, a local single-host cluster (minikube, kind, Docker Desktop).",
    )
    service_cidr: IPNetworkStr | None = None
    pod_cidr: IPNetworkStr | None = None
    dns_service_ip: IPAddressStr | None = None
    nodes: list[NodeInfo] = Field(default_factory=list)

    def ranges(self) -> list[Any]:
        """The cluster's own address ranges: the Pod CIDR and the Service CIDR, where given."""
        return [ipaddress.ip_network(c, strict=False) for c in (self.pod_cidr, self.service_cidr) if c]

    def in_cluster_range(self, ip: str | None) -> bool | None:
        """Whether an address lies in the Pod or Service CIDR; None when the address or both ranges are unknown."""
        ranges = self.ranges()
        if not ip or not ranges:
            return None
        addr = ipaddress.ip_address(ip.split("%")[0])
        return any(addr.version == r.version and addr in r for r in ranges)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pod_service_overlap(self) -> bool | None:
        """The Pod CIDR and the Service CIDR overlap; None unless both are given."""
        if not self.pod_cidr or not self.service_cidr:
            return None
        pod, svc = (ipaddress.ip_network(c, strict=False) for c in (self.pod_cidr, self.service_cidr))
        return pod.version == svc.version and pod.overlaps(svc)


class Source(_Strict):
    """Where the failing connection starts: a Pod or a node."""

    kind: Literal["pod", "node"]
    name: K8sName | None = Field(None, description="The Pod's name (or the node's).")
    namespace: K8sLabel | None = None
    ip: IPAddressStr | None = None
    node: K8sName | None = Field(None, description="Node the Pod runs on (or the node itself).")
    node_ip: IPAddressStr | None = None


class Backend(_Strict):
    """One Pod behind a Service."""

    ip: IPAddressStr
    port: int | None = Field(None, ge=1, le=65535)
    pod: K8sName | None = None
    node: K8sName | None = None
    node_ip: IPAddressStr | None = None


class Destination(_Strict):
    """What the source tries to reach: a Pod, a Service ClusterIP, a node, or something external."""

    kind: Literal["pod", "service", "node", "external"]
    name: DnsName | None = Field(
        None, description="A Pod, Service or node name (Kubernetes rules: DNS-1123), or an external host's name."
    )
    namespace: K8sLabel | None = None
    ip: IPAddressStr | None = None
    port: int | None = Field(None, ge=1, le=65535)
    protocol: Literal["tcp", "udp"] = "tcp"
    dns_name: DnsName | None = None
    node: K8sName | None = None
    node_ip: IPAddressStr | None = None
    backends: list[Backend] = Field(default_factory=list)
    pod_ip: IPAddressStr | None = Field(
        None,
        description="A Service destination: the address of the Pod named as where the connection should land "
        "(collect's destination_pod vantage point told with --as); naming it does not show that it backs the Service.",
    )

    @field_validator("name")
    @classmethod
    def _kubernetes_name(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A Pod or node name follows DNS-1123 subdomain rules, a Service name DNS-1123 label rules."""
        kind = info.data.get("kind")
        if value is not None and kind in ("pod", "node", "service"):
            (k8s_label if kind == "service" else k8s_name)(value)
        return value


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
    unobservable: list[ShortText] = Field(
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
