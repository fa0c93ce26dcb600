"""kube-proxy's Service chains, the firewall and IPVS, read with ``iptables-save``/``ipvsadm``.

The text is parsed by :mod:`podnet.netfilter`, the same code ``podnet ingest`` uses for pasted
dumps. The firewall observation carries the whole dump, the vantage point's own addresses and
its routes; the case's flows are traced through it when the facts are read
(:mod:`podnet.facts.verdicts`), so a collected and a pasted dump give the same verdicts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from ..cidr import ip_in
from ..facts.firewall import max_ruleset
from ..netfilter import iptables_save as save_parser
from ..netfilter import ipvs, model
from ..netfilter import nft as nft_parser
from ..netfilter.model import Ruleset
from ..netfilter.services import service_rules as kube_service_rules
from .base import Context, Obs, Unobservable, read_output, run_tool, tool

if TYPE_CHECKING:
    from ..inputs.model import IngestWarning

KINDS = ("service_rules", "firewall")


@dataclass
class Table(model.Table):
    """One table of an ``iptables-save`` dump, with the whole dump and the host's addresses and
    routes (read in the vantage point's namespace, where the dump was taken)."""

    dump: str = ""
    format: str = "iptables-save"
    ruleset: Ruleset | None = None
    local: list[str] = field(default_factory=list)
    routes: list[dict[str, object]] = field(default_factory=list)
    warnings: list[IngestWarning] = field(default_factory=list)
    """What the parser could not read or the tracer cannot evaluate, located in the dump."""


def read_save(text: str, origin: str = "iptables-save") -> tuple[dict[str, Table], list[IngestWarning]]:
    """Every table of an ``iptables-save`` dump, by name, read by the parser a pasted dump goes
    through (:func:`podnet.inputs.raw.iptables.parse_save`), and its located warnings (``origin:LINE``):
    a dump cut off (no COMMIT), lines that are no rule, matches the tracer does not evaluate."""
    res = read_output("iptables_save", "iptables-save", text, origin)
    rs = next((r.data["ruleset"] for r in res.records if r.type == "iptables"), None)
    if rs is None:  # no rule at all (the parser says so; an nftables-only host is tried next)
        rs = save_parser.parse(text)
        res.warnings = []
    return {t.name: Table(t.name, t.family, t.chains, dump=text, ruleset=rs) for t in rs.tables}, res.warnings


def parse_save(text: str) -> dict[str, Table]:
    """Every table of an ``iptables-save`` dump, by name."""
    return read_save(text)[0]


def _addresses_and_routes() -> tuple[list[str], list[dict[str, object]]]:
    """The calling thread's namespace: its addresses and main-table routes (empty when unreadable)."""
    from .local import read_local

    try:
        view = read_local()
    except Unobservable:
        return [], []
    local = [a.split("/")[0] for link in view.links for a in link.addresses]
    routes = [{k: v for k, v in asdict(r).items() if v is not None} for r in view.route_entries()]
    return local, routes


def iptables_save(table: str, timeout: float) -> Table:
    """``table`` of the vantage point's dump (``iptables-save``, every table, so the firewall
    observation can trace nat and filter together)."""
    proc = run_tool([tool("iptables-save", KINDS)], KINDS, timeout=timeout)
    if proc.returncode != 0:
        msg = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
        raise Unobservable(KINDS, "iptables_save_failed", table=table, error=msg)
    tables, warnings = read_save(proc.stdout)
    local, routes = _addresses_and_routes()
    found = tables.get(table) or Table(table, dump=proc.stdout, ruleset=save_parser.parse(proc.stdout))
    if not any(t.rules for t in tables.values()):
        found = _native_nft(table, timeout) or found  # no iptables rules: maybe nftables ones (kube-proxy nftables mode)
    else:
        found.warnings = warnings
    found.local, found.routes = local, routes
    return found


def _native_nft(table: str, timeout: float) -> Table | None:
    """The nftables ruleset (``nft -j list ruleset``) when it has rules; None without nft or rules."""
    try:
        proc = run_tool([tool("nft", KINDS), "-j", "list", "ruleset"], KINDS, timeout=timeout)
    except Unobservable:
        return None
    rs = nft_parser.parse(proc.stdout) if proc.returncode == 0 else None
    if rs is None or not rs.rules:
        return None
    t = rs.table(table)
    return Table(table, t.family if t else "ip", t.chains if t else {}, dump=proc.stdout, format="nft-json", ruleset=rs)


def ip_matches(value: str | None, negated: bool, ip: str | None) -> bool:
    if value is None or ip is None:
        return True
    return ip_in(ip, value) != negated


def service_rules(ctx: Context, nat: Table, vip: str, port: int | None, proto: str = "tcp") -> Obs:
    """Follow KUBE-SERVICES -> KUBE-SVC-* -> KUBE-SEP-* DNAT for one ClusterIP and port."""
    found = kube_service_rules(nat.ruleset or Ruleset("iptables-save", tables=[nat]), vip, port, proto)
    entry = found is not None and found.entry is not None
    svc_ok = bool(found and found.svc_chain_present)
    note = f"iptables-save -t nat | grep -e KUBE-SERVICES -e {vip}"
    return ctx.obs("service_rules", mode="iptables", service_ip=vip, port=port, kube_services_entry=entry,
                   svc_chain=svc_ok, sep_dnat=found.backends if found else [], note=note)


def firewall(ctx: Context, flt: Table) -> Obs:
    """The firewall observation: the whole dump with the host's addresses and routes (the verdicts
    are traced from the fact file's endpoints when it is read: :mod:`podnet.facts.verdicts`)."""
    if len(flt.dump) > max_ruleset():
        raise Unobservable(("firewall",), "ruleset_too_large", size=str(len(flt.dump)), limit=str(max_ruleset()))
    fmt = flt.format
    if fmt == "iptables-save" and flt.ruleset is not None and flt.ruleset.family == "ip6":
        fmt = "ip6tables-save"
    return ctx.obs("firewall", ruleset=flt.dump, ruleset_format=fmt, local_addresses=flt.local or None,
                   routes=flt.routes or None, note="iptables-save")


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
    """(virtual server listed, its real servers that take connections) from ``ipvsadm -Ln -t VIP:PORT``."""
    table = ipvs.parse(text)
    return bool(table.services), [b for s in table.services for b in s.backends]
