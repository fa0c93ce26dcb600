"""Observation kinds: what someone saw, where they saw it.

Each kind is a pydantic model tagged by ``kind``. An observation that was not made is simply
absent: "not observed" never means "failed". Derived values that rules need (for example
``loopback_only`` of listening sockets, or ``target_role`` of a ping) are computed here or by
:mod:`podnet.facts.enrich`, never guessed.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from .values import (
    DnsName,
    HostStr,
    IfName,
    IPAddressStr,
    IPInterfaceStr,
    IPNetworkStr,
    IptablesName,
    K8sName,
    ShortText,
    SysctlName,
    Text,
)

Vantage = Literal[
    "source_pod",
    "source_node",
    "destination_pod",
    "destination_node",
    "other_pod",
    "other_node",
    "control_plane",
]
"""Where an observation was taken, relative to the failing connection."""

TargetRole = Literal["destination", "backend", "destination_node", "source_node", "dns_service", "other"]
"""What a probed address is in this case (filled in from the endpoints)."""

HopRole = Literal["pod", "veth", "bridge", "tunnel", "host_nic", "loopback", "other"]
"""The role of an interface on the packet path (pod eth0, veth, cni0/docker0, flannel.1, eth0...)."""


class Observation(BaseModel):
    """Fields every observation has."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: ShortText | None = Field(None, description="Optional stable id used in explanations.")
    at: Vantage = Field(description="Where the observation was taken.")
    host: HostStr | None = Field(None, description="Name (or address) of the pod or node it was taken on.")
    note: Text | None = Field(None, description="Free text on one line, e.g. the command that was run.")


class Ping(Observation):
    """``ping`` (optionally ``-s SIZE -M do``) towards an address."""

    kind: Literal["ping"]
    target: IPAddressStr
    size: int = Field(56, ge=0, le=65507, description="ICMP payload bytes, as in `ping -s`.")
    dont_fragment: bool = False
    result: Literal["ok", "partial_loss", "lost", "error"]
    loss_percent: float | None = Field(None, ge=0, le=100)
    error: Text | None = Field(None, description="e.g. 'message too long', 'Frag needed'.")
    target_role: TargetRole | None = None

    @model_validator(mode="after")
    def _loss_matches_result(self) -> "Ping":
        if self.loss_percent is None:
            return self
        expected = {"ok": (0, 0), "lost": (100, 100), "partial_loss": (0.0001, 99.9999)}.get(self.result)
        if expected and not expected[0] <= self.loss_percent <= expected[1]:
            raise ValueError(f"result {self.result!r} contradicts loss_percent {self.loss_percent}")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def packet_size(self) -> int:
        """IP packet size: payload + 8 bytes ICMP + 20 bytes IPv4 header."""
        return self.size + 28

    @computed_field  # type: ignore[prop-decorator]
    @property
    def large(self) -> bool:
        """A packet larger than a typical overlay MTU (1450) would carry."""
        return self.packet_size > 1400


class TcpConnect(Observation):
    """A TCP connection attempt: telnet, ``nc -zv``, ``curl``, a socket."""

    kind: Literal["tcp_connect"]
    target: IPAddressStr
    port: int = Field(ge=1, le=65535)
    result: Literal["connected", "refused", "timeout", "reset", "no_route", "unreachable", "no_local_port"] = Field(
        description="no_local_port: connect() failed before any packet left (EADDRNOTAVAIL, 'Cannot assign requested address')."
    )
    tool: ShortText | None = None
    target_role: TargetRole | None = None


class DnsLookup(Observation):
    """A name lookup (nslookup, dig, getent)."""

    kind: Literal["dns_lookup"]
    name: DnsName = Field(min_length=1)
    server: IPAddressStr | None = Field(None, description="Server asked; absent means the resolv.conf one.")
    result: Literal["ok", "nxdomain", "servfail", "timeout", "refused"]
    answers: list[Text] = Field(default_factory=list)
    server_role: Literal["cluster_dns", "other", "resolv_conf"] | None = None


class MtuProbe(Observation):
    """A don't-fragment ping sweep: the largest payload that passed and the first that failed."""

    kind: Literal["mtu_probe"]
    target: IPAddressStr
    largest_ok_size: int | None = Field(None, ge=0, description="ICMP payload bytes (`ping -s`).")
    first_failed_size: int | None = Field(None, ge=0, description="ICMP payload bytes (`ping -s`).")
    target_role: TargetRole | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "MtuProbe":
        if (
            self.largest_ok_size is not None
            and self.first_failed_size is not None
            and self.first_failed_size <= self.largest_ok_size
        ):
            raise ValueError("first_failed_size must be larger than largest_ok_size")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def path_mtu(self) -> int | None:
        """Largest IP packet that passed (payload + 28)."""
        return None if self.largest_ok_size is None else self.largest_ok_size + 28

    @computed_field  # type: ignore[prop-decorator]
    @property
    def full_size_fails(self) -> bool | None:
        """True when a full 1500-byte packet (1472-byte payload) does not pass; None when unknown."""
        if self.first_failed_size is not None and self.first_failed_size <= 1472:
            return True
        if self.largest_ok_size is not None and self.largest_ok_size >= 1472:
            return False
        return None


class InterfaceMtu(Observation):
    """The MTU of one interface (docker0, cni0, flannel.1, the host NIC, the Pod's eth0)."""

    kind: Literal["interface_mtu"]
    interface: IfName
    mtu: int = Field(ge=68, le=65536)
    role: HopRole | None = Field(None, description="Derived from the name when absent.")
    underlay_mtu: int | None = Field(None, description="Derived: host NIC MTU at the same vantage.")
    tunnel_mtu: int | None = Field(None, description="Derived: tunnel device MTU at the same vantage.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def oversized(self) -> bool | None:
        """Too large for the next device: a tunnel needs 50 bytes of VXLAN room on the host NIC; a
        bridge, veth or Pod interface must not exceed the tunnel (or, without one, the host NIC)."""
        if self.role == "tunnel":
            return None if self.underlay_mtu is None else self.mtu + 50 > self.underlay_mtu
        if self.role in ("bridge", "veth", "pod"):
            limit = self.tunnel_mtu if self.tunnel_mtu is not None else self.underlay_mtu
            return None if limit is None else self.mtu > limit
        return None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def below_standard(self) -> bool | None:
        """A host NIC with an MTU under the usual 1500."""
        return self.mtu < 1500 if self.role == "host_nic" else None


class KubeProxy(Observation):
    """The kube-proxy Pod of a node: status, mode, sync errors in its log."""

    kind: Literal["kube_proxy"]
    node: K8sName | None = None
    pod_status: Literal["running", "crashloop", "pending", "error", "missing", "not_ready"]
    mode: Literal["iptables", "ipvs", "nftables", "unknown"] | None = None
    log_errors: list[Text] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_log_errors(self) -> bool:
        return bool(self.log_errors)


class ServiceRules(Observation):
    """The Service's rules on a node: KUBE-SERVICES -> KUBE-SVC-* -> KUBE-SEP-* DNAT, or an ipvs virtual server."""

    kind: Literal["service_rules"]
    mode: Literal["iptables", "ipvs", "nftables"]
    service_ip: IPAddressStr | None = None
    port: int | None = Field(None, ge=1, le=65535)
    kube_services_entry: bool | None = None
    svc_chain: bool | None = None
    sep_dnat: list[ShortText] = Field(default_factory=list, description="DNAT targets ip:port of KUBE-SEP chains.")
    ipvs_virtual_server: bool | None = None
    ipvs_real_servers: list[ShortText] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def complete(self) -> bool | None:
        """True when the full chain to at least one backend exists; None when unknown."""
        if self.mode == "ipvs":
            if self.ipvs_virtual_server is None:
                return None
            return bool(self.ipvs_virtual_server and self.ipvs_real_servers)
        if self.kube_services_entry is None:
            return None
        return bool(self.kube_services_entry and self.svc_chain and self.sep_dnat)


class NodeAddresses(Observation):
    """IPv4 addresses of a node NIC, how they are configured, and the node's registered address."""

    kind: Literal["node_addresses"]
    interface: IfName
    addresses: list[IPInterfaceStr] = Field(description="CIDR form, e.g. 10.153.204.15/24.")
    registered_ip: IPAddressStr | None = Field(None, description="The node's InternalIP in Kubernetes.")
    flannel_public_ip: IPAddressStr | None = Field(None, description="flannel.alpha.coreos.com/public-ip.")
    bootproto: Literal["dhcp", "none", "static", "bootp"] | None = Field(None, description="ifcfg BOOTPROTO.")
    static_ip: IPAddressStr | None = Field(None, description="ifcfg IPADDR, when set.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def known_node_ip(self) -> str | None:
        """The address Kubernetes or flannel knows the node by (InternalIP, else flannel public-ip)."""
        return self.registered_ip or self.flannel_public_ip

    @computed_field  # type: ignore[prop-decorator]
    @property
    def address_count(self) -> int:
        return len(self.addresses)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unregistered_addresses(self) -> list[str]:
        """Addresses on the NIC that are neither the InternalIP nor the flannel public-ip."""
        known = {ip for ip in (self.registered_ip, self.flannel_public_ip) if ip}
        if not known:
            return []
        return [a.split("/")[0] for a in self.addresses if a.split("/")[0] not in known]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_unregistered_address(self) -> bool | None:
        if not (self.registered_ip or self.flannel_public_ip):
            return None
        return bool(self.unregistered_addresses)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dhcp_and_static(self) -> bool | None:
        """ifcfg asks for DHCP while also naming a static IPADDR."""
        if self.bootproto is None:
            return None
        return self.bootproto == "dhcp" and self.static_ip is not None


class Route(Observation):
    """Whether a route exists towards a destination (forward) or back to the source (return)."""

    kind: Literal["route"]
    destination: IPNetworkStr = Field(description="Network in CIDR form, e.g. the remote PodCIDR.")
    direction: Literal["forward", "return"] = "forward"
    present: bool
    via: IPAddressStr | None = None
    dev: IfName | None = None


class FirewallRule(BaseModel):
    """One DROP/REJECT rule that matches the failing flow."""

    model_config = ConfigDict(extra="forbid")

    table: IptablesName = "filter"
    chain: IptablesName
    target: Literal["DROP", "REJECT"]
    protocol: Literal["all", "tcp", "udp", "icmp"] = "all"
    port: int | None = Field(None, ge=1, le=65535)
    text: Text | None = None


class Firewall(Observation):
    """DROP/REJECT rules matching the flow at a vantage point, and the SELinux mode."""

    kind: Literal["firewall"]
    rules: list[FirewallRule] = Field(default_factory=list)
    selinux: Literal["enforcing", "permissive", "disabled"] | None = None
    selinux_denials: int | None = Field(None, ge=0, description="AVC denials seen for the flow.")

    def _blocks(self, proto: str) -> bool:
        return any(r.protocol in ("all", proto) for r in self.rules)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def blocks_all(self) -> bool:
        return any(r.protocol == "all" and r.port is None for r in self.rules)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def blocks_tcp(self) -> bool:
        return self._blocks("tcp")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def blocks_udp(self) -> bool:
        return self._blocks("udp")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def blocks_icmp(self) -> bool:
        return self._blocks("icmp")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rejects(self) -> bool:
        return any(r.target == "REJECT" for r in self.rules)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def blocks_dns(self) -> bool:
        """A rule drops DNS: UDP or any protocol, on port 53 or on every port."""
        return any(r.protocol in ("all", "udp") and r.port in (None, 53) for r in self.rules)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def drops(self) -> bool:
        """A DROP rule matches: the client sees a timeout (a REJECT gives refused / no route)."""
        return any(r.target == "DROP" for r in self.rules)


class ListeningSockets(Observation):
    """What listens on the destination port (``ss -ltnp`` / ``netstat -ltnp``)."""

    kind: Literal["listening_sockets"]
    port: int = Field(ge=1, le=65535)
    listening: bool
    addresses: list[IPAddressStr] = Field(default_factory=list, description="Bind addresses for that port.")
    process: Text | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def loopback_only(self) -> bool | None:
        if not self.addresses:
            return None
        return all(ipaddress.ip_address(a).is_loopback for a in self.addresses)


class ResourcePressure(Observation):
    """Load, connection tracking, NIC drops and ephemeral ports at a vantage point."""

    kind: Literal["resource_pressure"]
    load1: float | None = Field(None, ge=0)
    cpus: int | None = Field(None, ge=1)
    conntrack_count: int | None = Field(None, ge=0)
    conntrack_max: int | None = Field(None, ge=1)
    conntrack_table_full_logged: bool | None = Field(None, description="'nf_conntrack: table full' in dmesg.")
    nic_drops: int | None = Field(None, ge=0)
    nic_queue_overflows: int | None = Field(None, ge=0)
    ephemeral_ports_in_use: int | None = Field(None, ge=0)
    ephemeral_port_range: int | None = Field(None, ge=1, description="Size of ip_local_port_range.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def load_per_cpu(self) -> float | None:
        if self.load1 is None or self.cpus is None:
            return None
        return round(self.load1 / self.cpus, 3)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def conntrack_usage(self) -> float | None:
        if self.conntrack_count is None or self.conntrack_max is None:
            return None
        return round(self.conntrack_count / self.conntrack_max, 4)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ephemeral_usage(self) -> float | None:
        if self.ephemeral_ports_in_use is None or self.ephemeral_port_range is None:
            return None
        return round(self.ephemeral_ports_in_use / self.ephemeral_port_range, 4)


class PodDnsConfig(Observation):
    """The Pod's /etc/resolv.conf and the cluster DNS Service address."""

    kind: Literal["pod_dns_config"]
    nameservers: list[IPAddressStr]
    search: list[DnsName] = Field(default_factory=list)
    ndots: int | None = Field(None, ge=0, le=15)
    cluster_dns_ip: IPAddressStr | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def nameserver_is_cluster_dns(self) -> bool | None:
        if self.cluster_dns_ip is None:
            return None
        return bool(self.nameservers) and self.nameservers[0] == self.cluster_dns_ip

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_cluster_search(self) -> bool:
        return any(s.endswith("svc.cluster.local") or ".svc." in s for s in self.search)


class DnsService(Observation):
    """Health of the cluster DNS (CoreDNS / kube-dns): ready Pods and Service endpoints."""

    kind: Literal["dns_service"]
    pods_ready: int = Field(ge=0)
    pods_total: int = Field(ge=0)
    endpoints: list[ShortText] = Field(default_factory=list)
    service_ip: IPAddressStr | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def healthy(self) -> bool:
        return self.pods_ready > 0 and bool(self.endpoints)


class PodCidr(Observation):
    """Whether a node has a PodCIDR, and whether the cluster CIDR is exhausted."""

    kind: Literal["pod_cidr"]
    node: K8sName | None = None
    pod_cidr: IPNetworkStr | None = None
    cluster_cidr_exhausted: bool | None = None
    events: list[Text] = Field(default_factory=list, description="e.g. CIDRNotAvailable events.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def assigned(self) -> bool:
        return self.pod_cidr is not None


class CniPods(Observation):
    """The CNI plugin's Pods (flannel, calico-node...) and its configuration on a node."""

    kind: Literal["cni_pods"]
    plugin: ShortText | None = None
    ready: int = Field(ge=0)
    total: int = Field(ge=0)
    node_pod_status: Literal["running", "crashloop", "pending", "error", "missing", "not_ready"] | None = None
    errors: list[Text] = Field(default_factory=list)
    config_present: bool | None = Field(None, description="/etc/cni/net.d has a config on the node.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def all_ready(self) -> bool:
        return self.total > 0 and self.ready == self.total


class Capture(Observation):
    """A packet capture (tcpdump) at one hop of the path, for one flow."""

    kind: Literal["capture"]
    interface: IfName
    hop: HopRole | None = Field(None, description="Derived from the interface name when absent.")
    flow_target: IPAddressStr | None = Field(None, description="The address the client connected to.")
    flow_role: TargetRole | None = None
    filter: Text | None = None
    request_seen: bool
    reply_seen: bool | None = None
    retransmissions: bool | None = None
    inner_src: IPAddressStr | None = None
    inner_dst: IPAddressStr | None = None
    outer_src: IPAddressStr | None = Field(None, description="VXLAN/IPIP outer source seen at this hop.")
    outer_dst: IPAddressStr | None = None
    outer_src_registered: bool | None = Field(None, description="Derived: outer_src is a registered node IP.")


class LinkStatus(Observation):
    """Operational state of an interface or the path (link failure)."""

    kind: Literal["link_status"]
    interface: IfName
    state: Literal["up", "down", "no_carrier"]
    errors: int | None = Field(None, ge=0)


class Sysctl(Observation):
    """A kernel setting that matters for forwarding (ip_forward, rp_filter, bridge-nf-call-iptables)."""

    kind: Literal["sysctl"]
    name: SysctlName
    value: ShortText


class PodStatus(Observation):
    """Status of a Pod (usually the destination's)."""

    kind: Literal["pod_status"]
    pod: K8sName | None = None
    phase: Literal["Running", "Pending", "Failed", "Succeeded", "Unknown", "CrashLoopBackOff"]
    ready: bool | None = None
    restarts: int | None = Field(None, ge=0)


AnyObservation = Annotated[
    Union[
        Ping,
        TcpConnect,
        DnsLookup,
        MtuProbe,
        InterfaceMtu,
        KubeProxy,
        ServiceRules,
        NodeAddresses,
        Route,
        Firewall,
        ListeningSockets,
        ResourcePressure,
        PodDnsConfig,
        DnsService,
        PodCidr,
        CniPods,
        Capture,
        LinkStatus,
        Sysctl,
        PodStatus,
    ],
    Field(discriminator="kind"),
]
"""Any observation, told apart by its ``kind``."""

OBSERVATION_TYPES: tuple[type[Observation], ...] = get_args(get_args(AnyObservation)[0])


OBSERVATION_MODELS: dict[str, type[Observation]] = {
    get_args(m.model_fields["kind"].annotation)[0]: m for m in OBSERVATION_TYPES
}
"""Observation kind name -> model."""
