"""Observation kinds: what someone saw, where they saw it.

Each kind is a pydantic model tagged by ``kind``. An observation that was not made is simply
absent: "not observed" never means "failed". Derived values that rules need (for example
``loopback_only`` of listening sockets, or ``target_role`` of a ping) are computed here or by
:mod:`podnet.reasoning.enrich`, never guessed.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Callable, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from . import names
from .firewall import FlowVerdict, RouteLine, RulesetFormat, RulesetText
from .names import NameScope
from .outcome import SUCCESS_RATIO_DOC, Outcome, check_success_ratio, outcome_of
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

from .base import HopRole, Observation, TargetRole, Vantage  # noqa: F401 - re-exported
from .kinds import KINDS as _MORE_KINDS
from .kinds.service import same_endpoint


class Ping(Observation):
    """``ping`` (optionally ``-s SIZE -M do``) towards an address."""

    kind: Literal["ping"]
    target: IPAddressStr
    size: int = Field(56, ge=0, le=65507, description="ICMP payload bytes, as in `ping -s`.")
    dont_fragment: bool = False
    result: Literal["ok", "partial_loss", "lost", "error", "failed", "intermittent"] = Field(
        description="failed: did not work, how not stated; intermittent: works sometimes (across runs)."
    )
    success_ratio: float | None = Field(None, ge=0, le=1, description=SUCCESS_RATIO_DOC)
    loss_percent: float | None = Field(None, ge=0, le=100)
    packets_sent: int | None = Field(None, ge=0, description="Packets transmitted, as ping's statistics line counts them.")
    error: Text | None = Field(None, description="e.g. 'message too long', 'Frag needed'.")
    target_role: TargetRole | None = None

    @model_validator(mode="after")
    def _loss_matches_result(self) -> "Ping":
        check_success_ratio(self.result, self.success_ratio)
        if self.loss_percent is None:
            return self
        expected = {"ok": (0, 0), "lost": (100, 100), "partial_loss": (0.0001, 99.9999), "failed": (0.0001, 100)}.get(self.result)
        if expected and not expected[0] <= self.loss_percent <= expected[1]:
            raise ValueError(f"result {self.result!r} contradicts loss_percent {self.loss_percent}")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outcome(self) -> Outcome | None:
        """ok, failed (lost, error, failed) or intermittent (partial_loss, intermittent)."""
        return outcome_of(self.result, ("ok",), ("partial_loss", "intermittent"))

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
    result: Literal[
        "connected", "refused", "timeout", "reset", "no_route", "unreachable", "no_local_port", "failed", "intermittent"
    ] = Field(
        description="no_local_port: connect() failed before any packet left (EADDRNOTAVAIL, 'Cannot assign requested "
        "address'); failed: did not connect, how not stated; intermittent: connects sometimes."
    )
    success_ratio: float | None = Field(None, ge=0, le=1, description=SUCCESS_RATIO_DOC)
    tool: ShortText | None = None
    target_role: TargetRole | None = None

    @model_validator(mode="after")
    def _ratio(self) -> "TcpConnect":
        check_success_ratio(self.result, self.success_ratio)
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outcome(self) -> Outcome | None:
        """ok (connected), intermittent, or failed (every other result)."""
        return outcome_of(self.result, ("connected",))


class DnsLookup(Observation):
    """A name lookup (nslookup, dig, getent)."""

    kind: Literal["dns_lookup"]
    name: DnsName = Field(min_length=1)
    server: IPAddressStr | None = Field(None, description="Server asked; absent means the resolv.conf one.")
    result: Literal["ok", "nxdomain", "servfail", "timeout", "refused", "failed", "intermittent"] = Field(
        description="failed: did not resolve, how not stated; intermittent: resolves sometimes."
    )
    success_ratio: float | None = Field(None, ge=0, le=1, description=SUCCESS_RATIO_DOC)
    answers: list[Text] | None = Field(None, description="Addresses or records returned; absent: not listed.")
    server_role: Literal["cluster_dns", "other", "resolv_conf"] | None = None
    transport: Literal["udp", "tcp"] | None = Field(
        None,
        description="How the query went: tcp for `dig +tcp` / `dig +vc` / `nslookup -vc`; udp when stated; absent: not "
        "stated, which is the resolvers' default, UDP (TCP only after a truncated answer).",
    )
    unexpected_reply: bool | None = Field(
        None,
        description="The tool reported a reply from another address than the server asked (dig/nslookup: `;; reply from "
        "unexpected source: A#53, expected B#53`) and dropped it: true; false: stated that none came; absent: not stated.",
    )
    reply_from: IPAddressStr | None = Field(None, description="The address that unexpected reply came from (A above).")

    @model_validator(mode="after")
    def _ratio(self) -> "DnsLookup":
        check_success_ratio(self.result, self.success_ratio)
        if self.reply_from is not None:
            if self.unexpected_reply is False:
                raise ValueError("reply_from names an unexpected reply, and unexpected_reply is false")
            if self.server is not None and self.reply_from == self.server:
                raise ValueError("reply_from is the server asked: a reply from it is not unexpected")
            self.unexpected_reply = True
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outcome(self) -> Outcome | None:
        """ok, intermittent, or failed (nxdomain, servfail, timeout, refused, failed)."""
        return outcome_of(self.result, ("ok",))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def over_tcp(self) -> bool:
        """The query was sent over TCP (stated); an answer over TCP says nothing about UDP 53."""
        return self.transport == "tcp"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def name_scope(self) -> NameScope:
        """cluster (*.cluster.local, <svc>.<ns>.svc), short (one label, completed by the search list) or external."""
        return names.name_scope(self.name)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def name_dots(self) -> int:
        """Dots in the name, a final dot not counted (search domains are tried first while it is below ndots)."""
        return names.name_dots(self.name)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def fully_qualified(self) -> bool:
        """Written with a final dot: the search list is never tried."""
        return self.name.endswith(".")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def name_key(self) -> str:
        """The name without its final dot, lower case: the same name written either way."""
        return names.name_key(self.name)


class MtuProbe(Observation):
    """A don't-fragment ping sweep: the largest payload that passed and the first that failed."""

    kind: Literal["mtu_probe"]
    target: IPAddressStr
    largest_ok_size: int | None = Field(None, ge=0, description="ICMP payload bytes (`ping -s`).")
    first_failed_size: int | None = Field(None, ge=0, description="ICMP payload bytes (`ping -s`).")
    result: Literal["ok", "failed", "intermittent"] | None = Field(
        None,
        description="Whether full-size (1472-byte payload) DF pings pass, when the sizes are not known: "
        "failed: large DF pings fail; intermittent: they pass sometimes. Derived from the sizes when absent.",
    )
    success_ratio: float | None = Field(None, ge=0, le=1, description=SUCCESS_RATIO_DOC)
    small_ok: bool | None = Field(
        None, description="Stated without sizes: small DF pings pass (true) or not even they do (false); no size implied."
    )
    target_role: TargetRole | None = None
    path_device_mtu: int | None = Field(
        None, ge=68, le=65536,
        description="The smallest MTU the devices along the probe's path are set to, for the packet as sent "
        "(Pod eth0, veth, bridge, tunnel; a host NIC less the encapsulation overhead), as the vantage points showed.",
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def below_path_devices(self) -> bool | None:
        """True when packets the devices on the path are set to carry fail: something between them
        (the underlay network, a VPN, a cloud link) carries less. None when the devices are unknown."""
        if self.path_device_mtu is None or self.first_failed_size is None or self.largest_ok_size is None:
            return None
        return self.first_failed_size + 28 <= self.path_device_mtu

    @model_validator(mode="after")
    def _ordered(self) -> "MtuProbe":
        if (
            self.largest_ok_size is not None
            and self.first_failed_size is not None
            and self.first_failed_size <= self.largest_ok_size
        ):
            raise ValueError("first_failed_size must be larger than largest_ok_size")
        check_success_ratio(self.result, self.success_ratio)
        sizes = self.full_size_fails
        if sizes is not None and self.result in ("ok", "failed") and sizes != (self.result == "failed"):
            raise ValueError(f"result {self.result!r} contradicts the sizes (full size {'fails' if sizes else 'passes'})")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outcome(self) -> Outcome | None:
        """The result, else failed / ok from whether a full-size packet passes; None when unknown."""
        if self.result is not None:
            return self.result
        fails = self.full_size_fails
        return None if fails is None else ("failed" if fails else "ok")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def small_passes(self) -> bool | None:
        """Some payload passes (a size was measured, or small pings are stated to pass): the path works
        at all, so failing sizes are about size. None when unknown."""
        return True if self.largest_ok_size is not None else self.small_ok

    @computed_field  # type: ignore[prop-decorator]
    @property
    def overlay_size_fails(self) -> bool | None:
        """A 1400-byte payload, which every overlay carries over a 1500 underlay, does not pass: the
        largest passing payload is below 1400, or one of 1400 or less failed. False when 1400 passes."""
        if self.largest_ok_size is not None and self.largest_ok_size >= 1400:
            return False
        if self.first_failed_size is not None and self.first_failed_size <= 1400:
            return True
        return None if self.largest_ok_size is None else True

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
    interface: IfName | None = Field(None, description="Absent when the ticket gives only the role ('the Pod MTU is 1500').")
    mtu: int | None = Field(None, ge=68, le=65536, description="Absent when only a comparison was stated (oversized_stated...).")
    oversized_stated: bool | None = Field(
        None, description="Stated without values: the device is larger than the next device allows (true) or fits (false)."
    )
    nic_standard_stated: bool | None = Field(
        None, description="Stated without values: the host NIC (this one, or this device's node's) is 1500 or more (true) or below (false)."
    )
    fits_other_nodes_stated: bool | None = Field(
        None, description="Stated without values, of a tunnel: it fits the other nodes' (larger) NICs (true) or not (false)."
    )
    role: HopRole | None = Field(None, description="Derived from the name when absent.")
    underlay_mtu: int | None = Field(
        None, description="Derived: host NIC MTU at the same vantage (for a Pod's interface: on its node)."
    )
    tunnel_mtu: int | None = Field(
        None, description="Derived: tunnel device MTU at the same vantage (for a Pod's interface: on its node)."
    )
    encap_overhead: int | None = Field(
        None,
        description="Derived: bytes the case's encapsulation adds (path profile of its CNI mode, kb/paths: "
        "VXLAN 50, IPIP 20, Geneve 50, WireGuard 60; 0 without encapsulation).",
    )
    other_nodes_nic_mtu: int | None = Field(
        None, description="Derived: the largest host NIC MTU recorded on another node of the case (for a tunnel device)."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def oversized(self) -> bool | None:
        """Too large for the next device: a tunnel must leave the encapsulation overhead free on the
        host NIC; a bridge, veth or Pod interface must not exceed the tunnel (or, without one, the
        host NIC less the overhead). As stated when no MTU was given; None when the devices or the
        overhead are not known."""
        if self.mtu is None:
            return self.oversized_stated
        if self.role == "tunnel":
            if self.underlay_mtu is None or self.encap_overhead is None:
                return None
            return self.mtu + self.encap_overhead > self.underlay_mtu
        if self.role in ("bridge", "veth", "pod"):
            if self.tunnel_mtu is not None:
                return self.mtu > self.tunnel_mtu
            if self.underlay_mtu is None or self.encap_overhead is None:
                return None
            return self.mtu > self.underlay_mtu - self.encap_overhead
        return None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def fits_other_nodes(self) -> bool | None:
        """A tunnel whose MTU plus the encapsulation fits the host NIC of another node: the CNI is sized
        for the rest of the cluster, so when it is oversized here this node's NIC is the odd one out
        and either side may be what is wrong. As stated when no MTU was given; None when no other
        node's NIC is known."""
        if self.role == "tunnel" and self.mtu is None:
            return self.fits_other_nodes_stated
        if self.role != "tunnel" or self.mtu is None or self.other_nodes_nic_mtu is None or self.encap_overhead is None:
            return None
        return self.mtu + self.encap_overhead <= self.other_nodes_nic_mtu

    @computed_field  # type: ignore[prop-decorator]
    @property
    def below_standard(self) -> bool | None:
        """A host NIC with an MTU under the usual 1500 (as stated when no MTU was given)."""
        if self.role != "host_nic":
            return None
        if self.mtu is None:
            return None if self.nic_standard_stated is None else not self.nic_standard_stated
        return self.mtu < 1500

    @computed_field  # type: ignore[prop-decorator]
    @property
    def underlay_standard(self) -> bool | None:
        """The host NIC under this device carries 1500 or more: from its MTU, else as stated."""
        if self.underlay_mtu is not None:
            return self.underlay_mtu >= 1500
        return self.nic_standard_stated


class KubeProxy(Observation):
    """The kube-proxy Pod of a node: status, mode, sync errors in its log."""

    kind: Literal["kube_proxy"]
    node: K8sName | None = None
    pod_status: Literal["running", "crashloop", "pending", "error", "missing", "not_ready"] | None = None
    mode: Literal["iptables", "ipvs", "nftables", "unknown"] | None = None
    log_errors: list[Text] | None = Field(None, description="Error lines of its log; [] when the log was read and is clean.")
    log_errors_stated: bool | None = Field(
        None,
        description="Stated without quoting the lines: its log shows errors (true) or is clean (false); "
        "a triage answer records this, not an invented line.",
    )
    error_findings: list[ShortText] | None = Field(
        None, description="Known messages among the log errors, as finding ids of kb/component_messages.yaml "
        "(e.g. br_netfilter_missing); derived from log_errors when absent.",
    )

    @model_validator(mode="after")
    def _stated_matches_lines(self) -> "KubeProxy":
        if self.log_errors is not None and self.log_errors_stated is not None and self.log_errors_stated != bool(self.log_errors):
            raise ValueError("log_errors_stated contradicts log_errors")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_log_errors(self) -> bool | None:
        """From the lines when listed, else as stated; None when the log was not read."""
        return self.log_errors_stated if self.log_errors is None else bool(self.log_errors)


class ServiceRules(Observation):
    """The Service's rules on a node: KUBE-SERVICES -> KUBE-SVC-* -> KUBE-SEP-* DNAT, or an ipvs virtual server."""

    kind: Literal["service_rules"]
    mode: Literal["iptables", "ipvs", "nftables"]
    service_ip: IPAddressStr | None = None
    port: int | None = Field(None, ge=1, le=65535)
    kube_services_entry: bool | None = None
    svc_chain: bool | None = None
    sep_dnat: list[ShortText] | None = Field(None, description="DNAT targets ip:port of KUBE-SEP chains; absent: not listed.")
    sep_dnat_present: bool | None = Field(
        None, description="Stated without the targets: KUBE-SEP DNAT rules to a backend exist (true) or not (false)."
    )
    ipvs_virtual_server: bool | None = None
    ipvs_real_servers: list[ShortText] | None = Field(None, description="Absent: not listed.")
    service_endpoints: list[ShortText] | None = Field(
        None,
        description="The Service's current endpoints (ip:port) to compare the targets with: derived from a service_spec "
        "of the same Service that lists them; [] when it has none; absent: not known.",
    )
    destination_pod_ip: IPAddressStr | None = Field(
        None,
        description="The address of the Pod named as the destination of this Service (derived from the case's "
        "destination pod_ip when the rules are the destination Service's); absent: none named.",
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def targets_miss_destination_pod(self) -> bool | None:
        """The DNAT targets (or ipvs real servers) are listed, there is at least one, and none is the
        named destination Pod's address; False when one is; None when either is not known."""
        targets = self.ipvs_real_servers if self.mode == "ipvs" else self.sep_dnat
        if not targets or self.destination_pod_ip is None:
            return None
        return not any(same_endpoint(t, self.destination_pod_ip) for t in targets)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def targets_not_endpoints(self) -> list[str] | None:
        """DNAT targets (or ipvs real servers) that are none of the Service's current endpoints: rules
        kube-proxy still holds for backends the Service no longer has. None unless both are listed."""
        targets = self.ipvs_real_servers if self.mode == "ipvs" else self.sep_dnat
        if targets is None or self.service_endpoints is None:
            return None
        return [t for t in targets if not any(same_endpoint(t, e) for e in self.service_endpoints)]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def stale_targets(self) -> bool | None:
        """Some target is no current endpoint (see :attr:`targets_not_endpoints`); None when not compared."""
        found = self.targets_not_endpoints
        return None if found is None else bool(found)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def complete(self) -> bool | None:
        """True when the full chain to at least one backend exists, False when a link is known to be
        missing, None when what was looked at does not decide."""
        if self.mode == "ipvs":
            links = [self.ipvs_virtual_server, None if self.ipvs_real_servers is None else bool(self.ipvs_real_servers)]
        else:
            links = [self.kube_services_entry, self.svc_chain, self.sep_dnat_present if self.sep_dnat is None else bool(self.sep_dnat)]
        if False in links:
            return False
        return True if all(links) else None


class NodeAddresses(Observation):
    """IPv4 addresses of a node NIC, how they are configured, and the node's registered address."""

    kind: Literal["node_addresses"]
    interface: IfName
    addresses: list[IPInterfaceStr] | None = Field(None, description="CIDR form, e.g. 10.153.204.15/24; absent: not listed.")
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
    def address_count(self) -> int | None:
        return None if self.addresses is None else len(self.addresses)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unregistered_addresses(self) -> list[str] | None:
        """Addresses on the NIC that are neither the InternalIP nor the flannel public-ip (None
        when the addresses are not listed or no known address compares)."""
        known = {ip for ip in (self.registered_ip, self.flannel_public_ip) if ip}
        if not known or self.addresses is None:
            return None
        return [a.split("/")[0] for a in self.addresses if a.split("/")[0] not in known]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_unregistered_address(self) -> bool | None:
        found = self.unregistered_addresses
        return None if found is None else bool(found)

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
    route_to_pod_cidr: Literal["specific", "covering", "default", "none"] | None = Field(
        None, description="What the longest-prefix match chose: a route of the Pod network's own (specific), a wider "
        "route that only covers it such as the underlay's 198.18.0.0/15 (covering), the default route, or none.")

    @model_validator(mode="after")
    def _route_kind(self) -> "Route":
        if self.route_to_pod_cidr is not None and self.present != (self.route_to_pod_cidr == "specific"):
            raise ValueError(f"present={self.present} contradicts route_to_pod_cidr={self.route_to_pod_cidr!r} "
                             "(only a specific route is a route of the Pod network's own)")
        return self


class FirewallRule(BaseModel):
    """One DROP/REJECT rule that matches the failing flow."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    table: IptablesName = "filter"
    chain: IptablesName
    target: Literal["DROP", "REJECT"]
    protocol: Literal["all", "tcp", "udp", "icmp"] = "all"
    port: int | None = Field(None, ge=1, le=65535)
    text: Text | None = None


class Firewall(Observation):
    """The firewall at a vantage point: the verdict for each of the case's flows (traced through the
    ruleset by :mod:`podnet.netfilter`) or the DROP/REJECT rules someone found matching, and SELinux."""

    kind: Literal["firewall"]
    rules: list[FirewallRule] | None = Field(
        None, description="DROP/REJECT rules matching the flow; [] when the rules were read and none matches; absent: not looked at."
    )
    selinux: Literal["enforcing", "permissive", "disabled"] | None = None
    selinux_denials: int | None = Field(None, ge=0, description="AVC denials seen for the flow.")
    selinux_denials_stated: bool | None = Field(
        None, description="Stated without a count: AVC denials are logged for the flow (true) or none (false); no count implied."
    )
    firewalld_running: bool | None = Field(
        None,
        description="`firewall-cmd --state` (or `systemctl is-active firewalld`) on this node: running (true) or not "
        "(false). Its zones end in REJECT --reject-with icmp-host-prohibited, which clients report as 'No route to host'.",
    )
    ufw_active: bool | None = Field(None, description="`ufw status` on this node: Status active (true) or inactive (false).")
    ufw_routed_policy: Literal["allow", "deny", "reject", "disabled"] | None = Field(
        None, description="ufw's default for routed (forwarded) traffic, from `ufw status verbose` ('deny (routed)'); absent: not shown."
    )
    ruleset: RulesetText | None = Field(
        None, description="The whole dump (iptables-save text or nft -j list ruleset JSON); the case's flows are traced through it."
    )
    ruleset_format: RulesetFormat | None = None
    ruleset_line: int | None = Field(None, ge=1, description="Line of the input file where the dump starts (rule lines count from it).")
    local_addresses: list[IPAddressStr] | None = Field(
        None, description="The host's own addresses (addrtype LOCAL; whether a flow is delivered or forwarded); absent: not known."
    )
    routes: list[RouteLine] | None = Field(None, description="The host's main routing table: the interfaces a flow crosses.")
    verdicts: list[FlowVerdict] | None = Field(
        None, description="Derived from the ruleset: per flow of the case, accept/drop/reject/undecided and the deciding rule."
    )

    @model_validator(mode="after")
    def _denials_consistent(self) -> "Firewall":
        if self.selinux_denials is not None and self.selinux_denials_stated is not None:
            if (self.selinux_denials > 0) != self.selinux_denials_stated:
                raise ValueError("selinux_denials_stated contradicts selinux_denials")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def selinux_denied(self) -> bool | None:
        """AVC denials are logged for the flow: from the count, else as stated; None when neither was given."""
        return self.selinux_denials_stated if self.selinux_denials is None else self.selinux_denials > 0

    def _any(self, test: Callable[[FirewallRule], bool]) -> bool | None:
        """Whether a listed rule passes ``test``; None when the rules were not looked at."""
        return None if self.rules is None else any(test(r) for r in self.rules)

    def _traced(self, roles: tuple[str, ...], protocols: tuple[str, ...] = ("tcp", "udp", "icmp", "ipip"),
                overlay: bool = True) -> bool:
        """A flow of ``roles`` and ``protocols`` is dropped or rejected (or an overlay flow is)."""
        vs = self.verdicts or []
        return any(v.blocked and v.role in roles and v.protocol in protocols for v in vs) or (
            overlay and any(v.blocked and v.role == "overlay" for v in vs))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def blocks_all(self) -> bool | None:
        if self.verdicts is not None:
            main = [v for v in self.verdicts if v.role in ("destination", "backend", "icmp")]
            return self._traced((), overlay=True) or (bool(main) and all(v.blocked for v in main))
        return self._any(lambda r: r.protocol == "all" and r.port is None)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def blocks_tcp(self) -> bool | None:
        if self.verdicts is not None:
            return self._traced(("destination", "backend"), ("tcp",))
        return self._any(lambda r: r.protocol in ("all", "tcp"))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def blocks_udp(self) -> bool | None:
        if self.verdicts is not None:
            return self._traced(("destination", "backend", "dns"), ("udp",))
        return self._any(lambda r: r.protocol in ("all", "udp"))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def blocks_icmp(self) -> bool | None:
        if self.verdicts is not None:
            return self._traced(("icmp",), ("icmp",))
        return self._any(lambda r: r.protocol in ("all", "icmp"))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rejects(self) -> bool | None:
        if self.verdicts is not None:
            return any(v.verdict == "reject" and v.role != "dns" for v in self.verdicts)
        return self._any(lambda r: r.target == "REJECT")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def blocks_dns(self) -> bool | None:
        """A rule drops DNS: UDP or any protocol, on port 53 or on every port."""
        if self.verdicts is not None:
            return self._traced(("dns",), ("udp", "tcp"), overlay=False)
        return self._any(lambda r: r.protocol in ("all", "udp") and r.port in (None, 53))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def drops(self) -> bool | None:
        """A DROP rule matches: the client sees a timeout (a REJECT gives refused / no route)."""
        if self.verdicts is not None:
            return any(v.verdict == "drop" and v.role != "dns" for v in self.verdicts)
        return self._any(lambda r: r.target == "DROP")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def verdict(self) -> Literal["accept", "drop", "reject", "undecided"] | None:
        """For the case's connection (its destination, backends and the overlay between the nodes):
        drop or reject when a flow is blocked, undecided when a rule could not be evaluated, else accept."""
        if self.verdicts is not None:
            seen = {v.verdict for v in self.verdicts if v.role in ("destination", "backend", "overlay")}
            return next((x for x in ("drop", "reject", "undecided", "accept") if x in seen), None)  # type: ignore[return-value]
        if self.rules is None:
            return None
        tcp = [r for r in self.rules if r.protocol in ("all", "tcp")]
        return "drop" if any(r.target == "DROP" for r in tcp) else ("reject" if tcp else "accept")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def undecided(self) -> bool | None:
        """A rule on the way of the case's flows could not be evaluated (an ipset, physdev or unknown
        match), so it is not known whether it blocks them."""
        if self.verdicts is not None:
            return any(v.verdict == "undecided" and v.role != "dns" for v in self.verdicts)
        return None if self.rules is None else False

    @computed_field  # type: ignore[prop-decorator]
    @property
    def undecided_rule(self) -> str | None:
        """The rule the first undecided flow depends on (as the dump prints it), for explanations."""
        v = next((v for v in self.verdicts or [] if v.verdict == "undecided" and v.role != "dns"), None)
        return v.rule if v is not None else None


class ListeningSockets(Observation):
    """What listens on the destination port (``ss -ltnp`` / ``netstat -ltnp``)."""

    kind: Literal["listening_sockets"]
    port: int = Field(ge=1, le=65535)
    listening: bool
    addresses: list[IPAddressStr] | None = Field(None, description="Bind addresses for that port; absent: not listed.")
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
    neighbor_table_overflow_logged: bool | None = Field(
        None, description="'neighbour: arp_cache: neighbor table overflow!' (or ndisc_cache) in dmesg."
    )
    nic_drops: int | None = Field(None, ge=0)
    nic_queue_overflows: int | None = Field(None, ge=0)
    ephemeral_ports_in_use: int | None = Field(None, ge=0)
    ephemeral_port_range: int | None = Field(None, ge=1, description="Size of ip_local_port_range.")
    looks_normal: bool | None = Field(
        None,
        description="Stated without values: the person looked (load, conntrack use, NIC counters, ports in use) "
        "and saw nothing unusual (true) or something unusual (false). No number is implied.",
    )
    softirq_percent: float | None = Field(
        None, ge=0, le=100, description="%soft of the busiest CPU (`mpstat -P ALL 1`), or the CPU share of its ksoftirqd thread."
    )
    softnet_dropped: int | None = Field(
        None, ge=0, description="Packets dropped because a CPU's input backlog was full (/proc/net/softnet_stat, 2nd column, summed over CPUs)."
    )
    softnet_time_squeeze: int | None = Field(
        None, ge=0, description="Times receive processing ran out of its budget with packets left (/proc/net/softnet_stat, 3rd column, summed)."
    )
    time_squeeze_by_cpu: dict[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]] | None = Field(
        None,
        description="time_squeeze per CPU (/proc/net/softnet_stat, one row per CPU, 3rd column), CPU number -> count; "
        "only the CPUs read. The sum fills softnet_time_squeeze when that is absent.",
    )
    nic_irq_cpus: list[Annotated[int, Field(ge=0)]] | None = Field(
        None,
        description="CPUs that serve the node NIC's receive interrupts (/proc/interrupts: the CPU columns holding "
        "the NIC queues' counts).",
    )
    # Stated without values (a triage answer): what the person saw, never turned into invented numbers.
    overloaded: bool | None = Field(None, description="Stated: the load is far above the CPU count (true) or not (false); no value implied.")
    conntrack_full: bool | None = Field(None, description="Stated: the conntrack count is at its maximum (true) or far from it (false); no value implied.")
    nic_overflowing: bool | None = Field(
        None, description="Stated: the NIC counts many queue overflows or drops (true) or none (false); no value implied."
    )
    ports_exhausted: bool | None = Field(
        None, description="Stated: nearly all ephemeral ports are in use (true) or far from it (false); no value implied."
    )
    time_squeeze_growing: bool | None = Field(
        None, description="Stated: softnet_stat's time_squeeze column grows (true) or not (false); no value implied."
    )
    squeeze_on_nic_cpus: bool | None = Field(
        None,
        description="Stated: softnet_stat's time_squeeze piles up on the one or few CPUs that serve the NIC's interrupts "
        "(true), or is spread over the CPUs (false); no value implied.",
    )
    softirq_pinned: bool | None = Field(
        None,
        description="Stated: a CPU is pinned in softirq and softnet_stat counts backlog drops (true), or neither (false); "
        "no value implied.",
    )

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

    @model_validator(mode="after")
    def _squeeze_total(self) -> "ResourcePressure":
        """The per-CPU counts stand for the total when no total was given."""
        if self.softnet_time_squeeze is None and self.time_squeeze_by_cpu:
            self.softnet_time_squeeze = sum(self.time_squeeze_by_cpu.values())
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def nic_cpus_squeeze_share(self) -> float | None:
        """The share of the per-CPU time_squeeze counted on the CPUs serving the NIC's interrupts
        (receive processing runs where the interrupt was taken); None without both readings or
        without any squeeze."""
        if not self.time_squeeze_by_cpu or not self.nic_irq_cpus:
            return None
        total = sum(self.time_squeeze_by_cpu.values())
        if total == 0:
            return None
        on_nic = sum(v for cpu, v in self.time_squeeze_by_cpu.items() if cpu in set(self.nic_irq_cpus))
        return round(on_nic / total, 4)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def nic_cpus_fraction(self) -> float | None:
        """The CPUs serving the NIC's interrupts, as a share of the node's CPUs (``cpus``, else
        the CPUs softnet_stat listed): small when one or a few CPUs take all receive work."""
        count = self.cpus or (len(self.time_squeeze_by_cpu) if self.time_squeeze_by_cpu else None)
        if not self.nic_irq_cpus or not count:
            return None
        return round(min(1.0, len(set(self.nic_irq_cpus)) / count), 4)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def softirq_reported(self) -> bool | None:
        """Stated, without values: receive processing cannot keep up, in either form the person saw
        (a CPU pinned in softirq with backlog drops, or time_squeeze piling up on the NIC's CPUs);
        one reading, so the two statements never count as two pieces of evidence."""
        if self.softirq_pinned or self.squeeze_on_nic_cpus:
            return True
        if self.softirq_pinned is False or self.squeeze_on_nic_cpus is False:
            return False
        return None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def softirq_saturated(self) -> bool | None:
        """Receive processing (softirq) cannot keep up: the backlog drops packets, or a CPU spends
        90 % or more in softirq. False when both were read and show neither; None otherwise."""
        if (self.softnet_dropped or 0) > 0 or (self.softirq_percent or 0) >= 90:
            return True
        if self.softnet_dropped == 0 and self.softirq_percent is not None:
            return False
        return None


class PodDnsConfig(Observation):
    """The Pod's /etc/resolv.conf and the cluster DNS Service address."""

    kind: Literal["pod_dns_config"]
    nameservers: list[IPAddressStr] | None = Field(None, description="Absent: not listed.")
    search: list[DnsName] | None = Field(None, description="Absent: not listed; [] when resolv.conf has no search line.")
    search_domains: int | None = Field(
        None,
        ge=0,
        le=32,
        description="Stated without listing them: how many search domains resolv.conf has (a triage answer's "
        "'four or more' records its lower bound, 4).",
    )
    ndots: int | None = Field(None, ge=0, le=15)
    cluster_dns_ip: IPAddressStr | None = None
    nameserver_is_cluster_dns: bool | None = Field(
        None,
        description="Whether the first nameserver is the cluster DNS: stated ('the Pod uses another server'), "
        "or derived from nameservers and the cluster DNS address.",
    )

    @model_validator(mode="after")
    def _stated_matches_listed(self) -> "PodDnsConfig":
        derived = self.derived_nameserver_is_cluster_dns()
        if derived is not None and self.nameserver_is_cluster_dns not in (None, derived):
            raise ValueError("nameserver_is_cluster_dns contradicts nameservers and cluster_dns_ip")
        if self.search is not None and self.search_domains is not None and self.search_domains != len(self.search):
            raise ValueError("search_domains contradicts the search list")
        return self

    def derived_nameserver_is_cluster_dns(self) -> bool | None:
        """From the listed nameservers and the cluster DNS address; None when either is unknown."""
        if self.cluster_dns_ip is None or self.nameservers is None:
            return None
        return bool(self.nameservers) and self.nameservers[0] == self.cluster_dns_ip

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_cluster_search(self) -> bool | None:
        if self.search is None:
            return None
        return any(s.endswith("svc.cluster.local") or ".svc." in s for s in self.search)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def search_count(self) -> int | None:
        """Search domains listed, else as stated (a long list with a high ndots multiplies the queries per name)."""
        return self.search_domains if self.search is None else len(self.search)


class DnsService(Observation):
    """Health of the cluster DNS (CoreDNS / kube-dns): ready Pods and Service endpoints."""

    kind: Literal["dns_service"]
    pods_ready: int | None = Field(None, ge=0)
    pods_total: int | None = Field(None, ge=0)
    endpoints: list[ShortText] | None = Field(None, description="Endpoints of the DNS Service; [] when it has none; absent: not listed.")
    service_ip: IPAddressStr | None = None
    all_ready: bool | None = Field(None, description="Stated without counts: every CoreDNS Pod is Ready (true) or not (false).")
    has_endpoints: bool | None = Field(None, description="Stated without listing them: the DNS Service has endpoints (true) or none (false).")

    @model_validator(mode="after")
    def _counts(self) -> "DnsService":
        if self.pods_ready is not None and self.pods_total is not None and self.pods_ready > self.pods_total:
            raise ValueError("pods_ready is larger than pods_total")
        if self.has_endpoints is not None and self.endpoints is not None and self.has_endpoints != bool(self.endpoints):
            raise ValueError("has_endpoints contradicts endpoints")
        if self.all_ready is not None and self.pods_ready is not None and self.pods_total is not None and self.all_ready != (self.pods_ready == self.pods_total):
            raise ValueError("all_ready contradicts pods_ready and pods_total")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def healthy(self) -> bool | None:
        """False when no Pod is ready or the Service has no endpoints; True when Pods are ready and
        endpoints listed (counted, or stated); None when what was looked at does not decide."""
        if self.pods_ready == 0 or self.endpoints == [] or self.has_endpoints is False:
            return False
        ready = (self.pods_ready is not None and self.pods_ready > 0) or self.all_ready is True
        if ready and (self.endpoints or self.has_endpoints):
            return True
        return None


class PodCidr(Observation):
    """Whether a node has a PodCIDR, and whether the cluster CIDR is exhausted."""

    kind: Literal["pod_cidr"]
    node: K8sName | None = None
    pod_cidr: IPNetworkStr | None = None
    cluster_cidr_exhausted: bool | None = None
    events: list[Text] | None = Field(None, description="e.g. CIDRNotAvailable events; absent: not looked at.")
    has_pod_cidr: bool | None = Field(None, description="Stated without the range: the node has a PodCIDR (true) or none (false).")

    @model_validator(mode="after")
    def _stated_matches_range(self) -> "PodCidr":
        if self.has_pod_cidr is False and self.pod_cidr is not None:
            raise ValueError("has_pod_cidr is false but pod_cidr is given")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def assigned(self) -> bool:
        """A PodCIDR is given or stated; False otherwise."""
        return self.pod_cidr is not None or self.has_pod_cidr is True

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cidr_not_available(self) -> bool | None:
        """An event says CIDRNotAvailable (the allocator found no free range: the cluster CIDR is
        exhausted); None when no events were read."""
        if self.events is None:
            return None
        return any("cidrnotavailable" in e.replace(" ", "").lower() for e in self.events)


class CniPods(Observation):
    """The CNI plugin's Pods (flannel, calico-node...) and its configuration on a node."""

    kind: Literal["cni_pods"]
    plugin: ShortText | None = None
    ready: int | None = Field(None, ge=0)
    total: int | None = Field(None, ge=0)
    node_pod_status: Literal["running", "crashloop", "pending", "error", "missing", "not_ready"] | None = None
    errors: list[Text] | None = Field(None, description="Error lines of its log or events; absent: not read.")
    error_findings: list[ShortText] | None = Field(
        None, description="Known messages among the errors, as finding ids of kb/component_messages.yaml "
        "(e.g. pod_cidr_overlaps_host_route); derived from errors when absent.",
    )
    config_present: bool | None = Field(None, description="/etc/cni/net.d has a config on the node.")
    ready_stated: bool | None = Field(
        None, description="Stated without counts: every CNI Pod is Ready (true) or some are not (false); no count implied."
    )

    @model_validator(mode="after")
    def _counts(self) -> "CniPods":
        if self.ready is not None and self.total is not None and self.ready > self.total:
            raise ValueError("ready is larger than total")
        counted = self._counted_all_ready()
        if counted is not None and self.ready_stated is not None and counted != self.ready_stated:
            raise ValueError("ready_stated contradicts ready and total")
        return self

    def _counted_all_ready(self) -> bool | None:
        if self.ready is None or self.total is None:
            return None
        return self.total > 0 and self.ready == self.total

    @computed_field  # type: ignore[prop-decorator]
    @property
    def all_ready(self) -> bool | None:
        """From the counts, else as stated; None when neither was given."""
        counted = self._counted_all_ready()
        return self.ready_stated if counted is None else counted


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
    errors_reported: bool | None = Field(
        None, description="Stated without counts: the interface counts many RX/TX errors (true) or none (false); no count implied."
    )


class Sysctl(Observation):
    """A kernel setting that matters for forwarding (ip_forward, rp_filter, bridge-nf-call-iptables)."""

    kind: Literal["sysctl"]
    name: SysctlName
    value: ShortText
    martians_logged: bool | None = Field(
        None,
        description="'martian source' lines in dmesg for the flow's addresses (seen with log_martians=1): the kernel's "
        "reverse-path filter dropped them.",
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def key(self) -> str:
        """The setting without its path: ``rp_filter``, ``ip_forward``, ``bridge-nf-call-iptables``."""
        return self.name.replace("/", ".").rsplit(".", 1)[-1]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def interface(self) -> str | None:
        """For a per-interface setting (``net.ipv4.conf.<if>.<key>``; ``/`` in the dotted form stands
        for a dot of the interface name): the interface, ``all`` or ``default``."""
        slashed = "/" in self.name.split(".", 1)[0]  # net/ipv4/conf/flannel.1/rp_filter
        parts = self.name.split("/" if slashed else ".")
        if len(parts) != 5 or parts[1:3] not in (["ipv4", "conf"], ["ipv6", "conf"]):
            return None
        return parts[3] if slashed else parts[3].replace("/", ".")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def number(self) -> int | None:
        """The value as an integer, when it is one."""
        text = self.value.strip()
        return int(text) if text.lstrip("-").isdigit() else None


class PodStatus(Observation):
    """Status of a Pod (usually the destination's)."""

    kind: Literal["pod_status"]
    pod: K8sName | None = None
    phase: Literal["Running", "Pending", "Failed", "Succeeded", "Unknown", "CrashLoopBackOff"]
    ready: bool | None = None
    restarts: int | None = Field(None, ge=0)



AnyObservation = Annotated[
    Union[(  # a tuple display: `*` in a subscript needs Python 3.11
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
        *_MORE_KINDS,  # type: ignore[valid-type]  # mypy reads the kinds listed above; these are Any to it
    )],
    Field(discriminator="kind"),
]
"""Any observation, told apart by its ``kind``."""

OBSERVATION_TYPES: tuple[type[Observation], ...] = get_args(get_args(AnyObservation)[0])


OBSERVATION_MODELS: dict[str, type[Observation]] = {
    get_args(m.model_fields["kind"].annotation)[0]: m for m in OBSERVATION_TYPES
}
"""Observation kind name -> model."""
