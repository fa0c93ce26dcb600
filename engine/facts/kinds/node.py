"""The node under the Pod network: iptables backends, kernel modules, connection tracking, NIC
offloads and checksum errors, node conditions, PodCIDR allocation, the address the CNI chose,
egress SNAT ports."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, computed_field, model_validator

from ..base import HopRole, Observation
from ..values import IfName, IPAddressStr, IPInterfaceStr, IPNetworkStr, K8sName, ShortText, Text

IptablesMode = Literal["legacy", "nf_tables"]


class IptablesBackend(Observation):
    """Which iptables backend each component programs: the host's ``iptables -V`` against the one
    inside kube-proxy and the CNI's containers, and how many rules each backend holds."""

    kind: Literal["iptables_backend"]
    host_backend: IptablesMode | None = Field(None, description="`iptables -V` on the node: (legacy) or (nf_tables).")
    kube_proxy_backend: IptablesMode | None = Field(None, description="`iptables -V` inside the kube-proxy container.")
    cni_backend: IptablesMode | None = Field(None, description="`iptables -V` inside the CNI's container (flannel, calico-node...).")
    legacy_rules: int | None = Field(None, ge=0, description="Rules in the legacy tables (`iptables-legacy-save | grep -c '^-A'`).")
    nft_rules: int | None = Field(None, ge=0, description="Rules in the nf_tables tables (`iptables-nft-save | grep -c '^-A'`).")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mismatch(self) -> bool | None:
        """Two components program different backends; None with fewer than two known."""
        known = {b for b in (self.host_backend, self.kube_proxy_backend, self.cni_backend) if b}
        count = sum(1 for b in (self.host_backend, self.kube_proxy_backend, self.cni_backend) if b)
        return None if count < 2 else len(known) > 1

    @computed_field  # type: ignore[prop-decorator]
    @property
    def both_populated(self) -> bool | None:
        """Both backends hold rules: some component writes to the other one."""
        if self.legacy_rules is None or self.nft_rules is None:
            return None
        return self.legacy_rules > 0 and self.nft_rules > 0


def _module(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}", value):
        raise ValueError("not a kernel module name")
    return value


ModuleName = Annotated[str, AfterValidator(_module)]


class KernelModules(Observation):
    """Kernel modules on a node (``lsmod``): br_netfilter, vxlan, ipip, nf_conntrack, wireguard."""

    kind: Literal["kernel_modules"]
    loaded: list[ModuleName] | None = Field(None, description="Modules seen loaded.")
    missing: list[ModuleName] | None = Field(None, description="Modules seen not loaded.")
    complete: bool | None = Field(None, description="`loaded` is the full lsmod list, so a module not in it is not loaded.")

    def state(self, name: str) -> bool | None:
        """Loaded (True), not loaded (False), or not known."""
        norm = name.replace("-", "_")
        if self.loaded is not None and norm in {m.replace("-", "_") for m in self.loaded}:
            return True
        if self.missing is not None and norm in {m.replace("-", "_") for m in self.missing}:
            return False
        return False if self.complete and self.loaded is not None else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def br_netfilter_loaded(self) -> bool | None:
        return self.state("br_netfilter")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def vxlan_loaded(self) -> bool | None:
        return self.state("vxlan")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ipip_loaded(self) -> bool | None:
        return self.state("ipip")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def nf_conntrack_loaded(self) -> bool | None:
        return self.state("nf_conntrack")


class ConntrackStats(Observation):
    """Connection tracking counters (``conntrack -S``, ``/proc/sys/net/netfilter``)."""

    kind: Literal["conntrack_stats"]
    count: int | None = Field(None, ge=0, description="nf_conntrack_count.")
    max: int | None = Field(None, ge=1, description="nf_conntrack_max.")
    insert_failed: int | None = Field(None, ge=0, description="Summed over CPUs: the insertion race of parallel UDP packets (DNS A/AAAA).")
    drop: int | None = Field(None, ge=0)
    early_drop: int | None = Field(None, ge=0, description="Entries evicted because the table was full.")
    search_restart: int | None = Field(None, ge=0)
    insert_failed_growing: bool | None = Field(None, description="insert_failed grows while the failure is reproduced.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def usage(self) -> float | None:
        if self.count is None or self.max is None:
            return None
        return round(self.count / self.max, 4)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def insert_failures(self) -> bool | None:
        """insert_failed is above 0 or grows; False when it was read as 0 and not seen growing."""
        if self.insert_failed_growing or (self.insert_failed or 0) > 0:
            return True
        return False if self.insert_failed == 0 or self.insert_failed_growing is False else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def drops(self) -> bool | None:
        """Packets dropped or entries evicted by conntrack."""
        counts = [c for c in (self.drop, self.early_drop) if c is not None]
        return None if not counts else any(c > 0 for c in counts)


class NicOffload(Observation):
    """Offload features of one interface (``ethtool -k``): checksum and segmentation offloads,
    which some kernels and NICs get wrong for VXLAN."""

    kind: Literal["nic_offload"]
    interface: IfName
    role: HopRole | None = Field(None, description="Derived from the name when absent.")
    tx_checksumming: bool | None = Field(None, description="tx-checksumming.")
    tx_checksum_ip_generic: bool | None = Field(None, description="tx-checksum-ip-generic.")
    rx_checksumming: bool | None = Field(None, description="rx-checksumming.")
    tso: bool | None = Field(None, description="tcp-segmentation-offload.")
    gso: bool | None = Field(None, description="generic-segmentation-offload.")
    gro: bool | None = Field(None, description="generic-receive-offload.")
    tx_udp_tnl_segmentation: bool | None = Field(None, description="tx-udp_tnl-segmentation.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def tx_checksum_offload(self) -> bool | None:
        """Transmit checksums left to the device (tx-checksum-ip-generic, else tx-checksumming)."""
        return self.tx_checksum_ip_generic if self.tx_checksum_ip_generic is not None else self.tx_checksumming


class BridgePort(Observation):
    """A Pod's port on the node's bridge (``/sys/class/net/BRIDGE/brif/PORT/hairpin_mode``,
    ``bridge -d link show``): whether hairpin mode lets a packet leave by the port it came in on,
    which a Pod reaching itself through its own Service needs."""

    kind: Literal["bridge_port"]
    bridge: IfName | None = Field(None, description="cni0, cbr0, docker0...")
    interface: IfName | None = Field(None, description="The Pod's veth on the bridge; absent: the bridge's ports as a whole.")
    hairpin: bool | None = Field(None, description="hairpin_mode is 1 (true) or 0 (false).")
    promiscuous_bridge: bool | None = Field(
        None, description="The bridge is promiscuous (kubelet --hairpin-mode=promiscuous-bridge): hairpin traffic passes without per-port hairpin."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hairpin_works(self) -> bool | None:
        """A packet can come back out of the port it entered by: hairpin on, or a promiscuous bridge."""
        if self.hairpin or self.promiscuous_bridge:
            return True
        if self.hairpin is False and self.promiscuous_bridge is not True:
            return False
        return None


class ChecksumErrors(Observation):
    """Checksum errors a node counts: UDP InCsumErrors (``netstat -s``, ``nstat``), a NIC's
    ``rx_csum`` errors (``ethtool -S``), "UDP: bad checksum" in dmesg."""

    kind: Literal["checksum_errors"]
    interface: IfName | None = None
    udp_in_csum_errors: int | None = Field(None, ge=0, description="Udp InCsumErrors.")
    rx_csum_errors: int | None = Field(None, ge=0, description="The NIC's receive checksum error counter.")
    bad_checksum_logged: bool | None = Field(None, description="'UDP: bad checksum' in dmesg.")
    increasing: bool | None = Field(None, description="The counters grow while the failure is reproduced.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_errors(self) -> bool | None:
        """Some counter is above 0 or dmesg logs bad checksums; False when all were read as clean."""
        signs = [
            None if self.udp_in_csum_errors is None else self.udp_in_csum_errors > 0,
            None if self.rx_csum_errors is None else self.rx_csum_errors > 0,
            self.bad_checksum_logged,
            self.increasing,
        ]
        if any(s is True for s in signs):
            return True
        known = [s for s in signs if s is not None]
        return False if known else None


_CNI_NOT_READY = re.compile(
    r"network ?plugin ?(is )?not ?ready|NetworkPluginNotReady|cni (config|plugin) (uninitialized|not initialized)|NetworkUnavailable",
    re.I,
)


class NodeConditions(Observation):
    """A node's conditions and recent events (``kubectl describe node``)."""

    kind: Literal["node_conditions"]
    node: K8sName | None = None
    ready: bool | None = None
    network_unavailable: bool | None = Field(None, description="The NetworkUnavailable condition is True.")
    memory_pressure: bool | None = None
    disk_pressure: bool | None = None
    pid_pressure: bool | None = None
    messages: list[Text] | None = Field(None, description="Condition messages and events quoted from the ticket.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cni_not_ready(self) -> bool | None:
        """The kubelet says the network plugin is not ready (or NetworkUnavailable is True)."""
        if self.network_unavailable:
            return True
        if self.messages is None:
            return None
        return any(_CNI_NOT_READY.search(m) for m in self.messages)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def under_pressure(self) -> bool | None:
        flags = (self.memory_pressure, self.disk_pressure, self.pid_pressure)
        if any(flags):
            return True
        return None if all(f is None for f in flags) else False


class NodeCidrAllocation(Observation):
    """How node PodCIDRs are allocated: kube-controller-manager's ``--allocate-node-cidrs``,
    ``--cluster-cidr`` and ``--node-cidr-mask-size``, against the number of nodes."""

    kind: Literal["node_cidr_allocation"]
    allocate_node_cidrs: bool | None = None
    cluster_cidr: IPNetworkStr | None = None
    node_cidr_mask_size: int | None = Field(None, ge=1, le=128)
    node_count: int | None = Field(None, ge=0)
    nodes_without_pod_cidr: int | None = Field(None, ge=0)
    some_nodes_without_pod_cidr: bool | None = Field(
        None, description="Stated without a count: some nodes got no PodCIDR (true) or every node has one (false); no count implied."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def capacity(self) -> int | None:
        """How many node PodCIDRs the cluster CIDR holds (0 when the node mask is wider)."""
        if self.cluster_cidr is None or self.node_cidr_mask_size is None:
            return None
        prefix = ipaddress.ip_network(self.cluster_cidr, strict=False).prefixlen
        return 0 if self.node_cidr_mask_size < prefix else 2 ** (self.node_cidr_mask_size - prefix)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def exhausted(self) -> bool | None:
        """More nodes than PodCIDRs."""
        cap = self.capacity
        return None if cap is None or self.node_count is None else self.node_count > cap

    @computed_field  # type: ignore[prop-decorator]
    @property
    def allocation_off(self) -> bool | None:
        return None if self.allocate_node_cidrs is None else not self.allocate_node_cidrs


class CniNodeAddress(Observation):
    """The address the CNI picked for a node (flannel's public-ip, Calico's autodetected IPv4, a
    VTEP address) next to the node's registered InternalIP and its NIC addresses."""

    kind: Literal["cni_node_address"]
    node: K8sName | None = None
    cni_address: IPAddressStr | None = Field(None, description="The address the CNI uses for this node.")
    source: Literal["flannel_public_ip", "calico_autodetect", "vtep", "cilium", "other"] | None = None
    interface: IfName | None = Field(None, description="The interface the CNI chose.")
    autodetection: ShortText | None = Field(None, description="e.g. first-found, interface=eth1, can-reach=..., --iface.")
    same_on_other_nodes: bool | None = Field(None, description="Other nodes report the same address (a NAT interface every VM has).")
    nic_addresses: list[IPInterfaceStr] | None = Field(None, description="Addresses on the node's NICs; absent: not listed.")
    internal_ip: IPAddressStr | None = Field(None, description="The node's registered InternalIP; derived from the case when absent.")
    matches_internal_ip: bool | None = Field(
        None, description="The CNI uses the registered InternalIP: stated, or derived from cni_address and internal_ip."
    )

    @model_validator(mode="after")
    def _stated_matches_addresses(self) -> "CniNodeAddress":
        derived = self.derived_matches_internal_ip()
        if derived is not None and self.matches_internal_ip not in (None, derived):
            raise ValueError("matches_internal_ip contradicts cni_address and internal_ip")
        return self

    def derived_matches_internal_ip(self) -> bool | None:
        if self.internal_ip is None or self.cni_address is None:
            return None
        return self.cni_address == self.internal_ip

    @computed_field  # type: ignore[prop-decorator]
    @property
    def on_nic(self) -> bool | None:
        """The CNI address is one of the node's NIC addresses."""
        if self.nic_addresses is None or self.cni_address is None:
            return None
        return self.cni_address in {a.split("/")[0] for a in self.nic_addresses}


class SnatPorts(Observation):
    """Egress source-NAT ports (node masquerade, cloud NAT gateway, load balancer outbound rules)."""

    kind: Literal["snat_ports"]
    gateway: Literal["node_masquerade", "cloud_nat", "load_balancer", "nat_gateway", "other"] | None = None
    egress_ip: IPAddressStr | None = None
    ports_in_use: int | None = Field(None, ge=0)
    ports_allocated: int | None = Field(None, ge=1)
    allocation_errors: int | None = Field(
        None, ge=0, description="Connections dropped for lack of a port (AWS ErrorPortAllocation, Azure SNAT exhaustion, GCP OUT_OF_RESOURCES)."
    )
    connections_dropped: bool | None = Field(None, description="Stated: outbound connections fail for lack of SNAT ports.")

    @model_validator(mode="after")
    def _counts(self) -> "SnatPorts":
        if self.ports_in_use is not None and self.ports_allocated is not None and self.ports_in_use > self.ports_allocated:
            raise ValueError("ports_in_use is larger than ports_allocated")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def usage(self) -> float | None:
        if self.ports_in_use is None or self.ports_allocated is None:
            return None
        return round(self.ports_in_use / self.ports_allocated, 4)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def exhausted(self) -> bool | None:
        """Connections are dropped for lack of ports, or at least 95 % are in use."""
        if self.allocation_errors or self.connections_dropped:
            return True
        usage = self.usage
        if usage is not None:
            return usage >= 0.95
        return False if self.allocation_errors == 0 or self.connections_dropped is False else None


class EgressNat(Observation):
    """Whether Pod traffic to addresses outside the cluster leaves source-NATed (masqueraded) to the
    node's address: a Calico IP pool's ``natOutgoing`` (``calicoctl get ippool -o wide``, column NAT),
    flannel's ``--ip-masq``, ip-masq-agent's ``nonMasqueradeCIDRs``, a MASQUERADE rule for the Pod
    range, or a capture on the node's NIC showing the Pod address leaving. Without it, replies from
    outside are addressed to a Pod range nobody outside routes back."""

    kind: Literal["egress_nat"]
    masqueraded: bool = Field(description="true: Pod traffic to outside is source-NATed; false: it leaves with the Pod's address.")
    how: Literal["ip_pool", "flannel_ip_masq", "ip_masq_agent", "iptables", "capture", "stated"] | None = Field(
        None, description="What showed it: the Calico IP pool, flannel's flag, ip-masq-agent, the nat table, a capture, or a statement."
    )
    pool: K8sName | None = Field(None, description="The IP pool's name (Calico).")
    pool_cidr: IPNetworkStr | None = Field(None, description="The Pod range the setting applies to.")
    disabled: bool = Field(False, description="The pool is disabled: no Pod draws a new address from it (Calico's default: false).")
