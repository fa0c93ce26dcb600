"""DNS beyond the Pod's resolv.conf: the node's resolver and what kubelet hands Pods, the Pod's
dnsPolicy, CoreDNS's configuration and its log."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, computed_field, model_validator

from ..base import Observation
from ..values import DnsName, IPAddressStr, K8sName, Text

PodState = Literal["running", "crashloop", "pending", "error", "missing", "not_ready"]


def _path(value: str) -> str:
    if not re.fullmatch(r"/[A-Za-z0-9_./-]{0,255}", value) or ".." in value:
        raise ValueError("not an absolute file path (A-Z a-z 0-9 _ . / -)")
    return value


FilePath = Annotated[str, AfterValidator(_path)]
"""An absolute file path such as /run/systemd/resolve/resolv.conf."""


def _forward_target(value: str) -> str:
    """A CoreDNS forward target: an address with an optional :port or a scheme (dns://, tls://),
    or a resolv.conf-style file."""
    if value.startswith("/"):
        return _path(value)
    bare = re.sub(r"^(dns|tls|grpc|https)://", "", value)
    host, port = bare, None
    if bare.startswith("["):  # [v6]:port
        host, _, rest = bare[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else (None if not rest else "x")
    elif bare.count(":") == 1:
        host, port = bare.split(":")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError("not a forward target (an address[:port], dns://, tls://, or a file path)") from None
    if port is not None and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError("not a port number")
    return value


ForwardTarget = Annotated[str, AfterValidator(_forward_target)]


def _loopback(addresses: list[str] | None) -> bool | None:
    return None if addresses is None else any(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


class NodeResolver(Observation):
    """The node's resolver: /etc/resolv.conf, a local stub (systemd-resolved on 127.0.0.53, dnsmasq),
    what the stub forwards to, and the file kubelet hands Pods (``--resolv-conf`` / ``resolvConf``)."""

    kind: Literal["node_resolver"]
    nameservers: list[IPAddressStr] | None = Field(None, description="nameserver lines of the node's /etc/resolv.conf; absent: not listed.")
    search: list[DnsName] | None = None
    stub: Literal["systemd-resolved", "dnsmasq", "nscd", "unbound", "none", "other"] | None = Field(
        None, description="A local caching stub the node's resolv.conf points at."
    )
    upstream_nameservers: list[IPAddressStr] | None = Field(None, description="What the stub forwards to (e.g. /run/systemd/resolve/resolv.conf).")
    kubelet_resolv_conf: FilePath | None = Field(None, description="The file kubelet hands Pods with dnsPolicy Default (and CoreDNS).")
    kubelet_nameservers: list[IPAddressStr] | None = Field(None, description="nameserver lines of that file.")
    pods_get_loopback: bool | None = Field(
        None,
        description="The file kubelet hands Pods names a loopback address, which inside a Pod (or CoreDNS) points "
        "at the Pod itself: stated, or derived from kubelet_nameservers (or the node's nameservers when kubelet "
        "hands /etc/resolv.conf).",
    )

    @model_validator(mode="after")
    def _stated_matches_listed(self) -> "NodeResolver":
        derived = self.derived_pods_get_loopback()
        if derived is not None and self.pods_get_loopback not in (None, derived):
            raise ValueError("pods_get_loopback contradicts the nameservers listed")
        return self

    def derived_pods_get_loopback(self) -> bool | None:
        """From the listed nameservers; None when they do not decide."""
        if self.kubelet_nameservers is not None:
            return _loopback(self.kubelet_nameservers)
        if self.kubelet_resolv_conf == "/etc/resolv.conf":
            return _loopback(self.nameservers)
        return None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def loopback_nameserver(self) -> bool | None:
        """The node's resolv.conf names a loopback address (a local stub)."""
        return _loopback(self.nameservers)


class PodDnsPolicy(Observation):
    """A Pod's ``dnsPolicy`` and ``hostNetwork``: which resolver it is given."""

    kind: Literal["pod_dns_policy"]
    pod: K8sName | None = None
    dns_policy: Literal["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"] | None = Field(
        None, description="spec.dnsPolicy (Kubernetes fills in ClusterFirst when the manifest omits it)."
    )
    host_network: bool | None = Field(None, description="spec.hostNetwork.")
    dns_config_nameservers: list[IPAddressStr] | None = Field(None, description="spec.dnsConfig.nameservers (dnsPolicy None).")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def resolver(self) -> Literal["cluster_dns", "node", "custom"] | None:
        """What the Pod resolves with: a hostNetwork Pod with ClusterFirst gets the node's resolver."""
        if self.dns_policy == "Default":
            return "node"
        if self.dns_policy == "None":
            return "custom"
        if self.dns_policy == "ClusterFirstWithHostNet":
            return "cluster_dns"
        if self.dns_policy == "ClusterFirst":
            return None if self.host_network is None else ("node" if self.host_network else "cluster_dns")
        return None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def host_network_without_cluster_first(self) -> bool | None:
        """A hostNetwork Pod whose dnsPolicy is not ClusterFirstWithHostNet: no cluster names."""
        if self.host_network is None or self.dns_policy is None:
            return None
        return self.host_network and self.dns_policy != "ClusterFirstWithHostNet"


class CorednsConfig(Observation):
    """CoreDNS's Corefile: where it forwards, whether the loop plugin is on."""

    kind: Literal["coredns_config"]
    forward_to: list[ForwardTarget] | None = Field(
        None, description="forward (or proxy) targets of the root zone: addresses, or /etc/resolv.conf."
    )
    loop_plugin: bool | None = None
    cache: bool | None = None
    stub_domains: list[DnsName] | None = Field(None, description="Zones forwarded elsewhere (stubDomains, extra server blocks).")
    upstream_loopback: bool | None = Field(
        None,
        description="Derived: it forwards to a loopback address, or to /etc/resolv.conf while the file CoreDNS "
        "gets from the node (node_resolver) names one. May be stated ('it forwards to a loopback address').",
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def forwards_to_resolv_conf(self) -> bool | None:
        return None if self.forward_to is None else any(t.startswith("/") for t in self.forward_to)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def forwards_to_loopback(self) -> bool | None:
        """A forward target is itself a loopback address."""
        if self.forward_to is None:
            return None
        hosts = []
        for t in self.forward_to:
            if t.startswith("/"):
                continue
            bare = re.sub(r"^[a-z]+://", "", t)
            hosts.append(bare[1:].partition("]")[0] if bare.startswith("[") else bare.split(":")[0] if bare.count(":") == 1 else bare)
        return bool(_loopback(hosts))


_LOOP = re.compile(r"\bloop\b.*\bdetected\b|\[FATAL\] plugin/loop", re.I)
_UPSTREAM = re.compile(r"i/o timeout|connection refused|no route to host|read udp .*->.*:53", re.I)
_QUERY = re.compile(r'"(?:A|AAAA|CNAME|SRV|PTR|MX|TXT|ANY) IN (\S+?)\.? (?:udp|tcp) [^"]*" NXDOMAIN', re.I)
_HINFO = re.compile(r"\bHINFO\b")


def search_expanded(qname: str) -> bool:
    """A name the search list built from an outside (dotted) name: ``api.example.com.<ns>.svc.cluster.local``
    or ``api.example.com.cluster.local``; ``<svc>.<ns>.svc.cluster.local`` is a real cluster name."""
    q = qname.rstrip(".").lower()
    if q.endswith(".svc.cluster.local"):
        return q[: -len(".svc.cluster.local")].count(".") >= 2
    if q.endswith(".cluster.local"):
        prefix = q[: -len(".cluster.local")]
        return prefix not in ("svc", "pod") and not prefix.endswith((".svc", ".pod"))
    return False


class CorednsLog(Observation):
    """CoreDNS Pods: their state and what their log says (loop detected, upstream errors)."""

    kind: Literal["coredns_log"]
    pod_status: PodState | None = None
    restarts: int | None = Field(None, ge=0)
    lines: list[Text] | None = Field(None, description="Log lines quoted from the ticket; [] when the log was read and is clean.")
    loop_detected: bool | None = Field(None, description="'[FATAL] plugin/loop: Loop ... detected'; derived from lines when absent.")
    upstream_errors: bool | None = Field(None, description="Errors reaching the upstream (i/o timeout, refused); derived from lines when absent.")
    servfail: bool | None = Field(None, description="It answers SERVFAIL.")
    oom_killed: bool | None = None
    expanded_nxdomain: bool | None = Field(
        None,
        description="NXDOMAIN answers for names the search list built from an outside name "
        "(api.example.com.default.svc.cluster.local): the ndots expansion at work; derived from lines (log plugin) when absent.",
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def loop(self) -> bool | None:
        if self.loop_detected is not None:
            return self.loop_detected
        return None if self.lines is None else any(_LOOP.search(line) for line in self.lines)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def upstream_failing(self) -> bool | None:
        if self.upstream_errors is not None:
            return self.upstream_errors
        return None if self.lines is None else any(_UPSTREAM.search(line) for line in self.lines)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def upstream_query_errors(self) -> bool | None:
        """Upstream errors for real queries, not only for the loop plugin's HINFO probe at start-up
        (an upstream may ignore HINFO and still answer names); None when the lines do not tell."""
        if self.lines is None:
            return True if self.upstream_errors else None
        return any(_UPSTREAM.search(line) and not _HINFO.search(line) for line in self.lines)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def search_expansion_nxdomain(self) -> bool | None:
        if self.expanded_nxdomain is not None:
            return self.expanded_nxdomain
        if self.lines is None:
            return None
        return any((m := _QUERY.search(line)) is not None and search_expanded(m.group(1)) for line in self.lines)


