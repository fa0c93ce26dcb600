"""Parsers from raw command output to records, one small module per command family.

Each parser is ``parse(run: CommandRun) -> ParseResult``. ``jc`` is used where it has a parser
that handles the forms customers paste (ping, dig, ip route, route, ss, netstat, resolv.conf,
sysctl); it is imported only inside those functions. The other modules say why they parse by hand.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import CommandRun, ParseResult
from . import (
    components,
    connect,
    describe,
    devtcp,
    dns,
    firewalld,
    ifcfg,
    ipaddr,
    iptables,
    ipvs,
    kernel,
    kubectl,
    load,
    netpol,
    lookup,
    ping,
    routes,
    sockets,
    softnet,
    ippool,
    ufw,
    tcpdump,
    wget,
)

Parser = Callable[[CommandRun], ParseResult]

RUNS: dict[str, Callable[[list[str]], list[list[str]]]] = {
    "nslookup": dns.nslookup_runs,
}
"""Families whose output of several runs, pasted without the command lines, can be told apart run
by run (the lines of each run): a question that prints ``nslookup NAME; nslookup -vc NAME`` is
answered by the two outputs one after the other (:func:`podnet.triage.paste.with_command`)."""

PARSERS: dict[str, Parser] = {
    "ping": ping.parse,
    "telnet": connect.parse_telnet,
    "nc": connect.parse_nc,
    "curl": connect.parse_curl,
    "wget": wget.parse,
    "devtcp": devtcp.parse,
    "host": lookup.parse_host,
    "getent": lookup.parse_getent,
    "nslookup": dns.parse_nslookup,
    "dig": dns.parse_dig,
    "kdig": dns.parse_kdig,
    "resolv_conf": dns.parse_resolv_conf,
    "ip_addr": ipaddr.parse_ip_addr,
    "ifconfig": ipaddr.parse_ifconfig,
    "ifcfg": ifcfg.parse,
    "ip_route": routes.parse_ip_route,
    "route": routes.parse_route,
    "iptables_save": iptables.parse_save,
    "iptables_backend": iptables.parse_backend,
    "iptables_list": iptables.parse_list,
    "nft": iptables.parse_nft,
    "ipvsadm": ipvs.parse,
    "ss": sockets.parse_ss,
    "netstat": sockets.parse_netstat,
    "netstat_i": sockets.parse_netstat_interfaces,
    "kubectl_pods": kubectl.parse_pods,
    "kubectl_listing": kubectl.parse_listing,
    "kubectl_nodes": kubectl.parse_nodes,
    "kubectl_endpoints": kubectl.parse_endpoints,
    "kubectl_services": kubectl.parse_services,
    "kubectl_netpol": netpol.parse,
    "kubectl_namespaces": netpol.parse_namespaces,
    "kubectl_events": describe.parse_events,
    "kubectl_describe": describe.parse_describe,
    "kubectl_logs": components.parse_logs,
    "tcpdump": tcpdump.parse,
    "tshark": tcpdump.parse_tshark,
    "sysctl": kernel.parse_sysctl,
    "proc_sys": kernel.parse_proc_sys,
    "hairpin_mode": kernel.parse_hairpin_mode,
    "conntrack": kernel.parse_conntrack,
    "getenforce": kernel.parse_getenforce,
    "firewalld": firewalld.parse,
    "ufw": ufw.parse,
    "ippool": ippool.parse,
    "ausearch": kernel.parse_ausearch,
    "uptime": load.parse_uptime,
    "nproc": load.parse_nproc,
    "ethtool": load.parse_ethtool,
    "dmesg": load.parse_dmesg,
    "softnet_stat": softnet.parse_softnet_stat,
    "interrupts": softnet.parse_interrupts,
}
"""Parser family -> parser."""

QUIET_WHEN_OK = frozenset(["devtcp", "getent", "dig"])
"""Families whose command prints nothing in some outcome (bash's /dev/tcp on success, getent for a
name not found, ``dig +short`` without an answer): their empty output is read when the next prompt
shows the command finished."""

__all__ = ["PARSERS", "QUIET_WHEN_OK", "Parser"]
