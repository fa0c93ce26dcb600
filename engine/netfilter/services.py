"""A Service's ClusterIP through kube-proxy's iptables chains: KUBE-SERVICES -> KUBE-SVC/KUBE-SVL/
KUBE-EXT -> KUBE-SEP -> DNAT, with the backends found by tracing the nat table (every
``-m statistic`` way is one backend)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from .model import Rule, Ruleset
from .trace import Flow, dnat_from

_SERVICE_CHAINS = ("KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-", "KUBE-FW-")


@dataclass
class ServiceRules:
    """What kube-proxy's rules say about one ClusterIP (and port)."""

    entry: Rule | None
    """The KUBE-SERVICES rule that sends the ClusterIP to its Service chain."""
    svc_chain: str | None
    svc_chain_present: bool
    backends: list[str] = field(default_factory=list)
    """DNAT destinations (``ip:port``) the Service chain leads to."""
    reject: Rule | None = None
    """A ``has no endpoints`` REJECT/DROP for the ClusterIP (filter or nat KUBE-SERVICES)."""


def _for_service(rule: Rule, vip: str, port: int | None, proto: str) -> bool:
    ip = ipaddress.ip_address(vip)
    dst = [m for m in rule.matches if m.kind == "dst" and not m.negated]
    if not dst or not any(ip.version == n.version and ip in n and n.prefixlen == n.max_prefixlen for m in dst for n in m.value):
        return False
    for m in rule.matches:
        if m.kind == "proto" and not m.negated and m.value not in ("all", proto):
            return False
        if m.kind == "dport" and not m.negated and port is not None and not any(lo <= port <= hi for lo, hi in m.value):
            return False
    return True


def service_rules(ruleset: Ruleset, vip: str, port: int | None, proto: str = "tcp") -> ServiceRules | None:
    """kube-proxy's rules for ``vip`` (``port``), or None when the dump has no nat table."""
    nat = ruleset.table("nat")
    if nat is None:
        return None
    entries = [r for r in nat.chain("KUBE-SERVICES") if _for_service(r, vip, port, proto)]
    entry = next((r for r in entries if r.target and r.target.name.startswith(_SERVICE_CHAINS)), None)
    rejects = [r for t in ("filter", "nat") if (tb := ruleset.table(t)) for r in tb.chain("KUBE-SERVICES")
               if r.target and r.target.name in ("REJECT", "DROP") and _for_service(r, vip, port, proto)]
    svc = entry.target.name if entry and entry.target else None
    present = bool(svc and nat.chain(svc))
    backends: list[str] = []
    if present:
        backends = dnat_from(ruleset, "nat", "KUBE-SERVICES", Flow(None, vip, proto, port))
    return ServiceRules(entry, svc, present, backends, rejects[0] if rejects else None)


def kube_services(ruleset: Ruleset) -> dict[str, tuple[str, int | None]]:
    """ClusterIPs kube-proxy programs, with the Service's ``namespace/name`` (from the rule's
    comment) and port: KUBE-SERVICES rules that send an address to a Service chain, and the
    ``has no endpoints`` REJECTs."""
    out: dict[str, tuple[str, int | None]] = {}
    for table in ("nat", "filter"):
        t = ruleset.table(table)
        for r in t.chain("KUBE-SERVICES") if t else []:
            name = r.target.name if r.target else ""
            comment = next((m.value for m in r.matches if m.kind == "comment"), "")
            if not (name.startswith(_SERVICE_CHAINS) or (name == "REJECT" and "has no endpoints" in comment)):
                continue
            dst = [n for m in r.matches if m.kind == "dst" and not m.negated for n in m.value if n.prefixlen == n.max_prefixlen]
            ports = [lo for m in r.matches if m.kind == "dport" and not m.negated for lo, hi in m.value if lo == hi]
            for n in dst:
                out.setdefault(str(n.network_address), (comment.split(" ")[0].rstrip(":"), ports[0] if ports else None))
    return out
