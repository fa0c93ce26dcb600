"""The case's flows at a vantage point, traced through that host's ruleset (``firewall.ruleset``).

Flows come from the endpoints: the source (Pod or node address) to the destination (protocol and
port, and a ping), to each Service backend, to the cluster DNS Service (at the source side), and,
on nodes of a VXLAN/IPIP cluster, the overlay packets between the two nodes' addresses. Which
hook a flow takes follows from the vantage point: sent from a Pod (output), delivered to it
(input), forwarded by a node for a Pod, or sent/received by the node itself.
"""

from __future__ import annotations

from functools import lru_cache

from ..netfilter import iptables_list, iptables_save, nft
from ..netfilter.model import Ruleset
from ..netfilter.routes import RouteEntry
from ..netfilter.trace import Flow, Hook, Trace, trace
from .firewall import FlowVerdict, RouteLine
from .model import FactFile
from .observations import Firewall, FirewallRule
from .values import iptables_name

_OVERLAY_PORT = {"calico": 4789, "cilium": 8472, "flannel": 8472}


@lru_cache(maxsize=16)
def parse_ruleset(text: str, fmt: str, first_line: int = 1) -> Ruleset:
    """The ruleset of a dump (parsed once per text)."""
    if fmt == "nft-json":
        return nft.parse(text, first_line=first_line)
    if fmt == "iptables-list":
        return iptables_list.parse(text)
    return iptables_save.parse(text, family="ip6" if fmt == "ip6tables-save" else None, first_line=first_line)


def _path(at: str, facts: FactFile, role: str) -> Hook:
    src_kind = facts.endpoints.source.kind
    dst_kind = facts.endpoints.destination.kind
    if role == "overlay":
        return "output" if at == "source_node" else "input"
    if at == "source_pod":
        return "output"
    if at == "destination_pod":
        return "input"
    if at == "source_node":
        return "output" if src_kind == "node" else "forward"
    if at == "destination_node":
        return "input" if dst_kind == "node" else "forward"
    return "forward"


def case_flows(facts: FactFile, at: str) -> list[tuple[str, Flow]]:
    """(role, flow) for each flow of the case that passes vantage point ``at``."""
    src, dst, cluster = facts.endpoints.source, facts.endpoints.destination, facts.cluster
    src_ip = src.ip or (src.node_ip if src.kind == "node" else None)
    out: list[tuple[str, Flow]] = []

    def add(role: str, ip: str | None, proto: str, port: int | None) -> None:
        if ip:
            out.append((role, Flow(src_ip, ip, proto, port, path=_path(at, facts, role))))  # type: ignore[arg-type]

    if dst.ip:
        add("destination", dst.ip, dst.protocol, dst.port)
        if dst.kind != "service":
            add("icmp", dst.ip, "icmp", None)
    for b in dst.backends:
        add("backend", b.ip, dst.protocol, b.port or dst.port)
        add("icmp", b.ip, "icmp", None)
    if cluster.dns_service_ip and at in ("source_pod", "source_node"):
        add("dns", cluster.dns_service_ip, "udp", 53)
    if at in ("source_node", "destination_node") and src.node_ip and cluster.mode in ("vxlan", "ipip"):
        peers = {n for n in [dst.node_ip, *(b.node_ip for b in dst.backends)] if n and n != src.node_ip}
        for peer in sorted(peers):
            if cluster.mode == "vxlan":
                port = _OVERLAY_PORT.get(cluster.cni, 8472)
                out.append(("overlay", Flow(src.node_ip, peer, "udp", port, sport=port, path=_path(at, facts, "overlay"))))
            else:
                out.append(("overlay", Flow(src.node_ip, peer, "ipip", None, path=_path(at, facts, "overlay"))))
    return out


def _verdict(role: str, flow: Flow, t: Trace) -> FlowVerdict:
    rule = t.rule
    return FlowVerdict(
        flow=flow.describe(), role=role, protocol=flow.proto, src=flow.src, dst=flow.dst, port=flow.dport,  # type: ignore[arg-type]
        verdict=t.verdict, reject_with=t.reject_with, table=rule.table if rule else None,
        chain=rule.chain if rule else None, rule=rule.text[:4000] if rule else None, line=rule.line if rule else None,
        reason=t.reason[:4000], dnat=t.dnat, service=t.service,
    )


def firewall_verdicts(fw: Firewall, facts: FactFile) -> list[FlowVerdict] | None:
    """Verdicts for the case's flows at ``fw``'s vantage point; None without a ruleset or flows."""
    if fw.ruleset is None or not fw.ruleset_format:
        return None  # an empty dump is a host without rules: every flow passes
    ruleset = parse_ruleset(fw.ruleset, fw.ruleset_format, fw.ruleset_line or 1)
    local = set(fw.local_addresses or ()) or None
    known, remote = _addresses(facts, fw.at)
    routes = [_entry(r) for r in fw.routes] if fw.routes is not None else None
    flows = case_flows(facts, fw.at)
    if not flows:
        return None
    out = []
    for role, flow in flows:
        if ruleset.source == "iptables-save" and (ruleset.family == "ip6") != (":" in flow.dst):
            continue  # an iptables dump holds one family's rules: ip6tables-save says nothing of IPv4
        t = trace(ruleset, flow, local=local or known, local_complete=local is not None, remote=remote, routes=routes,
                  service_cidr=facts.cluster.service_cidr)
        out.append(_verdict(role, flow, t))
    return out


def _addresses(facts: FactFile, at: str) -> tuple[set[str], set[str]]:
    """Addresses the endpoints say are this vantage point's own, and ones they say are not: a
    Pod's address (and an iptables-mode ClusterIP) is never a node's; a node's address is its
    own, not the other node's."""
    src, dst = facts.endpoints.source, facts.endpoints.destination
    backends = {b.ip for b in dst.backends}
    pods = set(backends)
    if src.kind == "pod" and src.ip:
        pods.add(src.ip)
    if dst.ip and (dst.kind == "pod" or dst.kind == "service" and facts.cluster.kube_proxy_mode != "ipvs"):
        pods.add(dst.ip)
    src_node = src.node_ip or (src.ip if src.kind == "node" else None)
    dst_node = dst.node_ip or (dst.ip if dst.kind == "node" else None)
    nodes = {ip for ip in [src_node, dst_node, *(b.node_ip for b in dst.backends)] if ip}
    if at == "source_node" and src_node:
        return {src_node}, pods | (nodes - {src_node})
    if at == "destination_node" and dst_node:
        return {dst_node}, pods | (nodes - {dst_node})
    if at == "source_pod" and src.ip:
        return {src.ip}, (pods | nodes) - {src.ip}
    if at == "destination_pod":
        return set(), (pods | nodes) - backends - ({dst.ip} if dst.ip else set())
    return set(), set()


def _entry(r: RouteLine) -> RouteEntry:
    return RouteEntry(r.destination, r.via, r.dev, r.kind, r.metric)


def blocking_rules(verdicts: list[FlowVerdict]) -> list[FirewallRule]:
    """The rules (or policies) that drop or reject a flow, once each, for reports that list rules."""
    out: list[FirewallRule] = []
    seen: set[tuple[str | None, str | None]] = set()
    for v in verdicts:
        if not v.blocked or (v.chain, v.rule) in seen:
            continue
        seen.add((v.chain, v.rule))
        try:
            chain = iptables_name(v.chain or "")
            table = iptables_name(v.table or "filter")
        except ValueError:
            continue
        proto = v.protocol if v.protocol in ("tcp", "udp", "icmp") and v.role != "overlay" else "all"
        out.append(FirewallRule(table=table, chain=chain, target="DROP" if v.verdict == "drop" else "REJECT",
                                protocol=proto, port=v.port if proto in ("tcp", "udp") else None, text=v.rule))  # type: ignore[arg-type]
    return out


def enrich_firewalls(facts: FactFile) -> None:
    """Trace the case's flows through each firewall observation's ruleset (when it has one and no
    verdicts yet); the rules list shows the deciding DROP/REJECT rules when it was not given."""
    for o in facts.observations:
        if isinstance(o, Firewall) and o.verdicts is None and o.ruleset is not None:
            verdicts = firewall_verdicts(o, facts)
            if verdicts is None:
                continue
            o.verdicts = verdicts
            blocking = blocking_rules(verdicts)
            if o.rules is None and (blocking or not o.undecided):
                # an undecided flow and nothing blocking: whether a rule matches is not known, which is
                # not "read, and no rule matches" (rules: []); a triage answer would say "none"
                o.rules = blocking


def retrace_firewalls(facts: FactFile) -> None:
    """Trace the case's flows again through every firewall observation that has a ruleset, for the
    case as it stands now: verdicts traced before a value of the case was known (the source Pod's
    address a ``-s`` match needs, the place a paste was moved to) are replaced, and the rules list
    with them when it was derived from them (a list that was given is kept). Observations are
    copied, never changed in place: the same observation may belong to another state of a case."""
    changed = False
    observations = []
    for o in facts.observations:
        if isinstance(o, Firewall) and o.ruleset is not None and o.verdicts is not None:
            update: dict[str, object] = {"verdicts": None}
            if o.rules == blocking_rules(o.verdicts):
                update["rules"] = None  # derived from the verdicts, not given
            o = o.model_copy(update=update)
            changed = True
        observations.append(o)
    if changed:
        facts.observations = observations  # type: ignore[assignment]
        enrich_firewalls(facts)
