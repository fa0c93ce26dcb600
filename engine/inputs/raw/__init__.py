"""Parsers from raw command output to records, one small module per command family.

Each parser is ``parse(run: CommandRun) -> ParseResult``. ``jc`` is used where it has a parser
that handles the forms customers paste (ping, dig, ip route, route, ss, netstat, resolv.conf,
sysctl); it is imported only inside those functions. The other modules say why they parse by hand.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import CommandRun, ParseResult
from . import (
    connect,
    dns,
    ifcfg,
    ipaddr,
    iptables,
    ipvs,
    kernel,
    kubectl,
    load,
    ping,
    routes,
    sockets,
    tcpdump,
)

Parser = Callable[[CommandRun], ParseResult]

PARSERS: dict[str, Parser] = {
    "ping": ping.parse,
    "telnet": connect.parse_telnet,
    "nc": connect.parse_nc,
    "curl": connect.parse_curl,
    "nslookup": dns.parse_nslookup,
    "dig": dns.parse_dig,
    "resolv_conf": dns.parse_resolv_conf,
    "ip_addr": ipaddr.parse_ip_addr,
    "ifconfig": ipaddr.parse_ifconfig,
    "ifcfg": ifcfg.parse,
    "ip_route": routes.parse_ip_route,
    "route": routes.parse_route,
    "iptables_save": iptables.parse_save,
    "iptables_list": iptables.parse_list,
    "nft": iptables.parse_nft,
    "ipvsadm": ipvs.parse,
    "ss": sockets.parse_ss,
    "netstat": sockets.parse_netstat,
    "kubectl_pods": kubectl.parse_pods,
    "kubectl_nodes": kubectl.parse_nodes,
    "kubectl_endpoints": kubectl.parse_endpoints,
    "kubectl_logs": kubectl.parse_logs,
    "tcpdump": tcpdump.parse,
    "sysctl": kernel.parse_sysctl,
    "proc_sys": kernel.parse_proc_sys,
    "conntrack": kernel.parse_conntrack,
    "getenforce": kernel.parse_getenforce,
    "uptime": load.parse_uptime,
    "nproc": load.parse_nproc,
    "ethtool": load.parse_ethtool,
    "dmesg": load.parse_dmesg,
}
"""Parser family -> parser."""
