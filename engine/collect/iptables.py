"""kube-proxy's Service chain and DROP/REJECT rules, read from ``iptables-save``.

No maintained library parses iptables-save text (jc parses ``iptables -L`` only, which loses
the chain structure kube-proxy's KUBE-SERVICES -> KUBE-SVC -> KUBE-SEP walk needs), so the few
options that matter here are read from shlex-split rule lines.
"""

from __future__ import annotations

import ipaddress
import shlex
from dataclasses import dataclass, field

from .base import Context, Obs, Unobservable, run_tool, tool

KINDS = ("service_rules", "firewall")


@dataclass
class IptRule:
    chain: str
    args: list[str]
    text: str

    def opt(self, *names: str) -> tuple[str | None, bool]:
        """Value of the first option in ``names`` and whether it was negated with ``!``."""
        for i, word in enumerate(self.args):
            if word in names and i + 1 < len(self.args):
                return self.args[i + 1], i > 0 and self.args[i - 1] == "!"
        return None, False

    @property
    def target(self) -> str | None:
        return self.opt("-j", "--jump")[0]


@dataclass
class Table:
    name: str
    chains: dict[str, str] = field(default_factory=dict)  # chain -> policy ("-" for user chains)
    rules: list[IptRule] = field(default_factory=list)

    def chain(self, name: str) -> list[IptRule]:
        return [r for r in self.rules if r.chain == name]


def parse_save(text: str) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    current: Table | None = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("*"):
            current = tables.setdefault(line[1:], Table(line[1:]))
        elif current is None or not line or line.startswith("#") or line == "COMMIT":
            continue
        elif line.startswith(":"):
            name, policy, *_ = line[1:].split()
            current.chains[name] = policy
        elif line.startswith("-A "):
            try:
                words = shlex.split(line)
            except ValueError:
                words = line.split()
            current.rules.append(IptRule(words[1], words[2:], line))
    return tables


def iptables_save(table: str, timeout: float) -> Table:
    proc = run_tool([tool("iptables-save", KINDS), "-t", table], KINDS, timeout=timeout)
    if proc.returncode != 0:
        msg = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
        raise Unobservable(KINDS, "iptables_save_failed", table=table, error=msg)
    return parse_save(proc.stdout).get(table, Table(table))


def ip_matches(value: str | None, negated: bool, ip: str | None) -> bool:
    if value is None or ip is None:
        return True
    inside = ipaddress.ip_address(ip) in ipaddress.ip_network(value, strict=False)
    return inside != negated


def service_rules(ctx: Context, nat: Table, vip: str, port: int | None, proto: str = "tcp") -> Obs:
    """Follow KUBE-SERVICES -> KUBE-SVC-* -> KUBE-SEP-* DNAT for one ClusterIP and port."""
    entry = False
    svc_chains: list[str] = []
    for r in nat.chain("KUBE-SERVICES"):
        dst, neg = r.opt("-d", "--destination")
        if dst is None or neg or not ip_matches(dst, False, vip):
            continue
        rport = r.opt("--dport")[0]
        rproto = r.opt("-p", "--protocol")[0]
        if port is not None and rport is not None and int(rport) != port:
            continue
        if rproto is not None and rproto != proto:
            continue
        target = r.target or ""
        if target.startswith(("KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-")):
            entry = True
            svc_chains.append(target)
    sep_chains = [t for c in svc_chains for r in nat.chain(c) if (t := r.target or "").startswith("KUBE-SEP-")]
    dnat = []
    for sep in sep_chains:
        for r in nat.chain(sep):
            if r.target == "DNAT":
                to = r.opt("--to-destination")[0]
                if to:
                    dnat.append(to)
    svc_ok = bool(svc_chains) and any(nat.chain(c) for c in svc_chains)
    note = f"iptables-save -t nat | grep -e KUBE-SERVICES -e {vip}"
    return ctx.obs("service_rules", mode="iptables", service_ip=vip, port=port, kube_services_entry=entry,
                   svc_chain=svc_ok, sep_dnat=sorted(set(dnat)), note=note)


@dataclass(frozen=True)
class Flow:
    dst: str
    proto: str  # tcp | udp | icmp
    port: int | None
    src: str | None = None


def firewall(ctx: Context, flt: Table, flows: list[Flow]) -> Obs:
    """DROP/REJECT rules of the filter table that match at least one flow of the case."""
    found = []
    for r in flt.rules:
        if r.target not in ("DROP", "REJECT"):
            continue
        dst, dneg = r.opt("-d", "--destination")
        src, sneg = r.opt("-s", "--source")
        proto, pneg = r.opt("-p", "--protocol")
        dport, portneg = r.opt("--dport", "--destination-port")
        if pneg or portneg or (dport is not None and not dport.isdigit()):
            continue  # negated or ranged matches are not judged here
        for f in flows:
            if not ip_matches(dst, dneg, f.dst) or not ip_matches(src, sneg, f.src):
                continue
            if proto not in (None, "all") and proto != f.proto:
                continue
            if dport is not None and (f.port is None or int(dport) != f.port):
                continue
            found.append({
                "table": "filter",
                "chain": r.chain,
                "target": r.target,
                "protocol": proto if proto in ("tcp", "udp", "icmp") else "all",
                "port": int(dport) if dport else None,
                "text": r.text,
            })
            break
    rules = [{k: v for k, v in item.items() if v is not None} for item in found]
    return ctx.obs("firewall", rules=rules, note="iptables-save -t filter")


def ipvs_rules(ctx: Context, vip: str, port: int | None, proto: str, timeout: float) -> Obs:
    """kube-proxy's ipvs mode: the virtual server for the ClusterIP and its real servers (``ipvsadm -Ln``)."""
    if port is None:
        raise Unobservable("service_rules", "ipvs_needs_port")
    flag = "-u" if proto == "udp" else "-t"
    service = f"[{vip}]:{port}" if ":" in vip else f"{vip}:{port}"
    proc = run_tool([tool("ipvsadm", "service_rules"), "-Ln", flag, service], "service_rules", timeout=timeout)
    if proc.returncode != 0 and "No such service" not in proc.stderr:
        raise Unobservable("service_rules", "ipvsadm_failed", error=str(proc.stderr.strip() or proc.returncode))
    present, real = parse_ipvsadm(proc.stdout if proc.returncode == 0 else "")
    return ctx.obs("service_rules", mode="ipvs", service_ip=vip, port=port, ipvs_virtual_server=present,
                   ipvs_real_servers=real, note=f"ipvsadm -Ln {flag} {service}")


def parse_ipvsadm(text: str) -> tuple[bool, list[str]]:
    """(virtual server listed, its real servers) from ``ipvsadm -Ln -t VIP:PORT`` output."""
    present = any(line.split()[:1] in (["TCP"], ["UDP"], ["SCTP"]) for line in text.splitlines() if line.strip())
    real = [line.split()[1] for line in text.splitlines() if line.strip().startswith("->") and ":" in line.split()[1]
            and not line.split()[1].startswith("RemoteAddress")]
    return present, real
