"""Fill in derived observation fields from the case, so that rules can stay simple.

Nothing here is a diagnosis: it only says what an address is in this case (the destination,
a backend Pod, the DNS Service...), which role an interface plays (from the name patterns in
``kb/interfaces.yaml``), and what two observations say together, possibly taken at different
vantage points:

* the MTUs next to an interface: a Pod's eth0 (seen inside the Pod) against the tunnel and host NIC
  of its node, with the encapsulation overhead of the case's CNI mode from its path profile
  (``kb/paths``: VXLAN 50, IPIP 20, Geneve 50, WireGuard 60);
* whether a VXLAN outer source is a registered node address;
* a Service's targetPort against what listens in the destination Pod;
* a Service's DNAT targets (or ipvs real servers) against the endpoints its service_spec lists;
* the destination Service's DNAT targets against the address of the Pod named as its destination;
* the address the CNI chose for a node against its registered InternalIP and NIC addresses;
* CoreDNS forwarding to ``/etc/resolv.conf`` against the node's resolver that file comes from;
* a cloud firewall's allowances against the encapsulation of the case's CNI mode;
* a CNI log line saying a node has no PodCIDR (flannel's ``node "X" pod cidr not assigned``) as that
  node's ``pod_cidr`` reading, as ``podnet ingest`` reads the same line in a pasted log (located at
  the CNI observation it comes from).

Fields the input already set are kept. This is the reasoning's first step (it reads the knowledge:
interface roles, path profiles), not part of the fact model.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable

from ..facts.kinds import CloudFirewall, CniNodeAddress, CorednsConfig, Latency, NicOffload, NodeResolver, PayloadSize, Reachability, ServiceSpec
from ..facts.model import FactFile
from ..facts.nodes import registered_node_ips
from ..facts.observations import (
    Capture,
    CniPods,
    DnsLookup,
    InterfaceMtu,
    KubeProxy,
    ListeningSockets,
    MtuProbe,
    NodeAddresses,
    Ping,
    PodCidr,
    PodDnsConfig,
    ServiceRules,
    TcpConnect,
)
from ..facts.values import k8s_name

_TARGETED = (Ping, TcpConnect, MtuProbe, Reachability, PayloadSize, Latency)
"""Kinds whose ``target_role`` says what their ``target`` address is in this case."""


def _roles(facts: FactFile) -> dict[str, str]:
    dst = facts.endpoints.destination
    src = facts.endpoints.source
    roles: dict[str, str] = {}
    for b in dst.backends:
        roles.setdefault(b.ip, "backend")
    if dst.ip:
        roles[dst.ip] = "destination"
    if dst.node_ip:
        roles.setdefault(dst.node_ip, "destination_node")
    for b in dst.backends:
        if b.node_ip:
            roles.setdefault(b.node_ip, "destination_node")
    if src.node_ip:
        roles.setdefault(src.node_ip, "source_node")
    if facts.cluster.dns_service_ip:
        roles.setdefault(facts.cluster.dns_service_ip, "dns_service")
    return roles


def encapsulation(facts: FactFile) -> Any:
    """The path profile's encapsulation of the case's CNI mode (None for a routed mode), or
    ``...`` when the case does not say which mode it runs (:mod:`podnet.path.profiles`)."""
    from ..path.profiles import profiles

    cni, mode = facts.cluster.cni, facts.cluster.mode
    table = profiles()
    exact = table.get(f"{cni}-{mode}")
    if exact is not None:
        return exact.encapsulation
    known_mode = mode not in ("unknown", "other")
    same_mode = [p for p in table.values() if p.mode == mode] if known_mode else []
    if same_mode and len({(p.encapsulation.overhead if p.encapsulation else 0) for p in same_mode}) == 1:
        return same_mode[0].encapsulation
    if not known_mode:
        default = next((p for p in table.values() if p.cni == cni and p.default_for_cni), None)
        if default is not None:
            return default.encapsulation
    return ...


def _tunnel_overhead(name: str | None) -> int | None:
    """The overhead of the profile whose tunnel device has this name (flannel.1, tunl0...)."""
    import re

    from ..path.profiles import profiles

    if not name:
        return None
    found = {
        p.encapsulation.overhead
        for p in profiles().values()
        if p.encapsulation is not None and "tunnel" in p.devices and re.search(p.devices["tunnel"].match, name)
    }
    return found.pop() if len(found) == 1 else None


def _pod_node(facts: FactFile, at: str) -> str | None:
    """The node of the Pod at a ``*_pod`` vantage point, when the case names it."""
    if at == "source_pod":
        return facts.endpoints.source.node
    if at == "destination_pod":
        dst = facts.endpoints.destination
        return dst.node or next((b.node for b in dst.backends if b.node), None)
    return None


def _node_name(facts: FactFile, at: str, host: str | None) -> str | None:
    """The node a ``*_node`` observation was taken on, when the case names it (the node of the
    Pod at the same end)."""
    return host or (_pod_node(facts, at.replace("_node", "_pod")) if at in ("source_node", "destination_node") else None)


def _node_slot(slots: dict[tuple[str, str | None], dict[str, int]], facts: FactFile, o: InterfaceMtu) -> dict[str, int]:
    """The host NIC and tunnel MTUs that bound an interface: at its own vantage point, or for a
    Pod's interface (seen inside the Pod) those of the Pod's node."""
    own = {role: mtu for role, mtu in slots.get((o.at, o.host), {}).items() if role != "pod"}  # a Pod's own eth0 bounds only a bridge inside it
    if own or o.at not in ("source_pod", "destination_pod"):
        return own
    node_at = o.at.replace("_pod", "_node")
    node = _pod_node(facts, o.at)
    candidates = [key for key in slots if key[0] == node_at]
    for key in ((node_at, node), (node_at, None)):
        if key in slots:
            return slots[key]
    return slots[candidates[0]] if len(candidates) == 1 else {}


def _mtus(facts: FactFile, interface_role: Callable[[str, str | None], str]) -> None:
    slots: dict[tuple[str, str | None], dict[str, int]] = defaultdict(dict)
    mtus = [o for o in facts.observations if isinstance(o, InterfaceMtu)]
    if not mtus:
        return
    encap = encapsulation(facts)
    for o in mtus:
        if o.role is None and o.interface:
            o.role = interface_role(o.interface, o.at)  # type: ignore[assignment]
        slot = slots[(o.at, o.host)]
        if o.role in ("host_nic", "tunnel", "pod") and o.mtu is not None:  # a stated comparison has no MTU
            slot[o.role] = min(o.mtu, slot.get(o.role, o.mtu))
    tunnel_names = [o.interface for o in mtus if o.role == "tunnel"]
    if encap is not ... and encap is not None and facts.cluster.mode in ("unknown", "other") and not tunnel_names and any(
        at.endswith("_node") and "host_nic" in slot and any(o.role == "bridge" and (o.at, o.host) == (at, host) for o in mtus)
        for (at, host), slot in slots.items()
    ):
        # The mode was not given, so the CNI's default (flannel: vxlan) was assumed; but a node's
        # devices were read and show its bridge and NIC without the default's tunnel (host-gw, BGP):
        # the encapsulation is not known, and no overhead is assumed.
        encap = ...
    if encap is ...:
        found = {_tunnel_overhead(n) for n in tunnel_names} - {None}
        overhead = found.pop() if len(found) == 1 else None
    else:
        overhead = 0 if encap is None else encap.overhead
    for o in mtus:
        inner = slots.get((o.at, o.host), {}).get("pod") if o.role == "bridge" and o.at in ("source_pod", "destination_pod") else None
        if inner is not None:  # a bridge inside a Pod (Docker in Docker): it sends through the Pod's own eth0, unencapsulated
            o.underlay_mtu = o.underlay_mtu if o.underlay_mtu is not None else inner
            o.encap_overhead = o.encap_overhead if o.encap_overhead is not None else 0
            continue
        slot = _node_slot(slots, facts, o)
        if o.underlay_mtu is None:
            o.underlay_mtu = slot.get("host_nic")
        if o.tunnel_mtu is None:
            o.tunnel_mtu = slot.get("tunnel")
        if o.encap_overhead is None:
            o.encap_overhead = overhead
        if o.role == "tunnel" and o.other_nodes_nic_mtu is None:
            here = _node_name(facts, o.at, o.host)
            others = [
                sl["host_nic"]
                for (at, host), sl in slots.items()
                if "host_nic" in sl and at.endswith("_node") and at != o.at and not (here and _node_name(facts, at, host) == here)
            ]
            o.other_nodes_nic_mtu = max(others) if others else None


def _service_ports(facts: FactFile) -> None:
    specs = [o for o in facts.observations if isinstance(o, ServiceSpec)]
    if not specs:
        return
    sockets = [o for o in facts.observations if isinstance(o, ListeningSockets) and o.at in ("destination_pod", "destination_node")]
    in_pod = [s for s in sockets if s.at == "destination_pod" and s.listening]
    for spec in specs:
        if spec.container_port is None and len({s.port for s in in_pod}) == 1:
            spec.container_port = in_pod[0].port
        if spec.target_port_listening is None and spec.target_port is not None:
            on_port = [s for s in sockets if s.port == spec.target_port]
            pod_first = sorted(on_port, key=lambda s: s.at != "destination_pod")
            if pod_first:
                spec.target_port_listening = pod_first[0].listening
        if spec.target_port_matches_container is None:
            spec.target_port_matches_container = spec.derived_target_port_matches()


def _service_rule_endpoints(facts: FactFile) -> None:
    """Give a Service's rules the endpoints a service_spec of the same Service lists (the same ClusterIP,
    or a spec without one when the rules are the case's Service's), to compare the DNAT targets with."""
    dst = facts.endpoints.destination
    dst_service_ip = dst.ip if dst.kind == "service" else None
    specs = [o for o in facts.observations if isinstance(o, ServiceSpec) and o.endpoints is not None]
    for rules in facts.observations:
        if not isinstance(rules, ServiceRules) or rules.service_endpoints is not None:
            continue
        same = [s for s in specs if s.cluster_ip is not None and s.cluster_ip == rules.service_ip]
        if not same and rules.service_ip is not None and rules.service_ip == dst_service_ip:
            same = [s for s in specs if s.cluster_ip is None]
        if len(same) == 1:
            rules.service_endpoints = list(same[0].endpoints or [])


def _service_rule_destination_pod(facts: FactFile) -> None:
    """Give the destination Service's rules the address of the Pod named as its destination, to
    compare the DNAT targets with (:attr:`ServiceRules.targets_miss_destination_pod`)."""
    dst = facts.endpoints.destination
    if dst.kind != "service" or dst.ip is None or dst.pod_ip is None:
        return
    for rules in facts.observations:
        if isinstance(rules, ServiceRules) and rules.destination_pod_ip is None and rules.service_ip == dst.ip:
            rules.destination_pod_ip = dst.pod_ip


def _node_internal_ip(facts: FactFile, o: CniNodeAddress) -> str | None:
    if o.node:
        found = next((n.internal_ip for n in facts.cluster.nodes if n.name == o.node and n.internal_ip), None)
        if found:
            return found
    same_place = [a for a in facts.observations if isinstance(a, NodeAddresses) and a.at == o.at and a.registered_ip]
    if same_place:
        return same_place[0].registered_ip
    src, dst = facts.endpoints.source, facts.endpoints.destination
    if o.at == "source_node" and (o.node is None or o.node == src.node):
        return src.node_ip
    if o.at == "destination_node" and (o.node is None or o.node == dst.node):
        return dst.node_ip
    return None


def _cni_addresses(facts: FactFile) -> None:
    for o in facts.observations:
        if not isinstance(o, CniNodeAddress):
            continue
        if o.internal_ip is None:
            o.internal_ip = _node_internal_ip(facts, o)
        if o.nic_addresses is None:
            nic = next((a for a in facts.observations if isinstance(a, NodeAddresses) and a.at == o.at and a.addresses is not None), None)
            if nic is not None:
                o.nic_addresses = list(nic.addresses or [])
        if o.matches_internal_ip is None:
            o.matches_internal_ip = o.derived_matches_internal_ip()


def _coredns_upstream(facts: FactFile) -> None:
    for r in facts.observations:
        if isinstance(r, NodeResolver) and r.pods_get_loopback is None:
            r.pods_get_loopback = r.derived_pods_get_loopback()
    resolvers = [o.pods_get_loopback for o in facts.observations if isinstance(o, NodeResolver)]
    for o in facts.observations:
        if not isinstance(o, CorednsConfig) or o.upstream_loopback is not None or o.forward_to is None:
            continue
        if o.forwards_to_loopback:
            o.upstream_loopback = True
        elif o.forwards_to_resolv_conf:
            if True in resolvers:
                o.upstream_loopback = True
            elif resolvers and all(r is False for r in resolvers):
                o.upstream_loopback = False
        else:
            o.upstream_loopback = False


def _cloud_firewalls(facts: FactFile) -> None:
    walls = [o for o in facts.observations if isinstance(o, CloudFirewall) and o.overlay_allowed is None and o.allows is not None]
    if not walls:
        return
    encap = encapsulation(facts)
    if encap is ... or encap is None:
        return
    for o in walls:
        o.overlay_allowed = o.allows_port(encap.protocol, encap.port)


_PLUGIN_COMPONENT = {"calico": "calico-node", "canal": "calico-node"}
"""The component of ``kb/component_messages.yaml`` whose messages a CNI plugin's Pods print."""


def _cni_errors(facts: FactFile, message_findings: Callable[[str | None, str], list[Any]]) -> None:
    """A CNI plugin's error lines (typed into the fact file or read from its log) against the known
    messages of that plugin: ``cni_pods.error_findings``."""
    for o in facts.observations:
        if isinstance(o, CniPods) and o.error_findings is None and o.errors:
            plugin = (o.plugin or "").lower() or None
            component = _PLUGIN_COMPONENT.get(plugin or "", plugin)
            found = [f for e in o.errors for _, f, _ in message_findings(component, str(e))]
            o.error_findings = list(dict.fromkeys(found))
        elif isinstance(o, KubeProxy) and o.error_findings is None and o.log_errors:
            o.error_findings = list(dict.fromkeys(f for e in o.log_errors for _, f, _ in message_findings("kube-proxy", str(e))))


def _is_k8s_name(value: str) -> bool:
    try:
        k8s_name(value)
    except ValueError:
        return False
    return True


def _pod_cidrs_from_cni_errors(facts: FactFile, message_findings: Callable[[str | None, str], list[Any]]) -> None:
    """A CNI error naming a node without PodCIDR becomes that node's ``pod_cidr`` reading (unless
    the case already has one for that node), pointing at the observation it was read from."""
    known = {o.node for o in facts.observations if isinstance(o, PodCidr)}
    derived: list[PodCidr] = []
    for i, o in enumerate(facts.observations):
        if not isinstance(o, CniPods) or not o.errors:
            continue
        component = _PLUGIN_COMPONENT.get((o.plugin or "").lower(), (o.plugin or "").lower() or None)
        for e in o.errors:
            for _, finding, hit in message_findings(component, str(e)):
                node = hit.group(1) if finding == "pod_cidr_unassigned" and hit.re.groups else None
                if node is None or node in known or not _is_k8s_name(node):
                    continue
                known.add(node)
                derived.append(PodCidr(kind="pod_cidr", at="control_plane", node=node, has_pod_cidr=False,
                                       note=str(e)[:200],  # the log line it was read from
                                       source_line=o.source_line or f"$.observations[{i}]"))
    facts.observations.extend(derived)


def enrich(facts: FactFile, interface_role: Callable[[str, str | None], str],
           message_findings: Callable[[str | None, str], list[Any]] | None = None) -> FactFile:
    """Set derived fields of the observations in place (callers pass copies) and return the fact file."""
    roles = _roles(facts)
    dns_ip = facts.cluster.dns_service_ip
    dst = facts.endpoints.destination
    dst_service_ip = dst.ip if dst.kind == "service" else None
    for o in facts.observations:
        if isinstance(o, _TARGETED):
            if o.target_role is None and o.target is not None:
                o.target_role = roles.get(o.target, "other")  # type: ignore[assignment]
        elif isinstance(o, ServiceRules) and o.service_ip is None and dst_service_ip:
            o.service_ip = dst_service_ip  # rules looked up without an address are the case's Service's
        elif isinstance(o, PodDnsConfig):
            if o.cluster_dns_ip is None and dns_ip:
                o.cluster_dns_ip = dns_ip
            if o.nameserver_is_cluster_dns is None:
                o.nameserver_is_cluster_dns = o.derived_nameserver_is_cluster_dns()
        elif isinstance(o, DnsLookup) and o.server_role is None:
            if o.server is None:
                o.server_role = "resolv_conf"
            else:
                o.server_role = "cluster_dns" if o.server == dns_ip else "other"
        elif isinstance(o, NicOffload) and o.role is None:
            o.role = interface_role(o.interface, o.at)  # type: ignore[assignment]
        elif isinstance(o, Capture):
            if o.hop is None:
                o.hop = interface_role(o.interface, o.at)  # type: ignore[assignment]
            if o.flow_role is None and o.flow_target:
                o.flow_role = roles.get(o.flow_target, "other")  # type: ignore[assignment]
    _mtus(facts, interface_role)
    _service_rule_endpoints(facts)
    _service_rule_destination_pod(facts)
    _service_ports(facts)
    _cni_addresses(facts)
    _coredns_upstream(facts)
    _cloud_firewalls(facts)
    if message_findings is not None:
        _cni_errors(facts, message_findings)
        _pod_cidrs_from_cni_errors(facts, message_findings)
    if any(o.kind == "firewall" and getattr(o, "ruleset", None) is not None for o in facts.observations):
        from ..facts.verdicts import enrich_firewalls  # the netfilter tracer: only for a case with a ruleset (start-up)

        enrich_firewalls(facts)
    registered = registered_node_ips(facts)
    for o in facts.observations:
        if isinstance(o, Capture) and o.outer_src and o.outer_src_registered is None and registered:
            o.outer_src_registered = o.outer_src in registered
    return facts
