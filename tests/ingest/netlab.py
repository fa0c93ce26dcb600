"""Two network namespaces joined by a veth pair, to produce real command output for the parsers.

Lab rules (DEVELOPERS.md): namespaces named ``podnet-ingest-*``, addresses only in
198.18.200.0/23 (198.18.201.0/24 is never routed: it only provokes "Network is unreachable"), nothing touched in the root namespace, every probe run *inside* a lab namespace
(``ip netns exec``) with a timeout, processes stopped by PID and namespaces deleted in ``finally``.

    podnet-ingest-<pid>-a   pi-a 198.18.200.1/24 + 198.18.200.11/24 (secondary), MTU 1400
    podnet-ingest-<pid>-b   pi-b 198.18.200.2/24, .3/24 (all traffic dropped), .4/24 (every 2nd
                            ICMP echo dropped); http.server on .2:8080 and 127.0.0.1:8083;
                            dnsmasq on .2:53 (web.example -> 198.18.200.50, *.example NXDOMAIN);
                            iptables: DROP tcp dport 8082 (a timeout), nothing on 8081 (refused)
"""

from __future__ import annotations

import ipaddress
import os
import shutil

from .pairlab import Layout, LabUnavailable, PairLab

LAB_NET = ipaddress.ip_network("198.18.200.0/23")
A_IP, A_IP2, B_IP, B_DROP, B_LOSSY = "198.18.200.1", "198.18.200.11", "198.18.200.2", "198.18.200.3", "198.18.200.4"
NO_HOST = "198.18.200.99"
"""On the link, but nobody answers ARP: "No route to host"."""
NO_NET = "198.18.201.5"
"""No route at all in namespace a (it has no default route): "Network is unreachable", never sent."""
WEB_PORT, REFUSED_PORT, DROPPED_PORT, LOOPBACK_PORT = 8080, 8081, 8082, 8083
NEEDED_TOOLS = ("ip", "ping", "busybox", "curl", "nc", "telnet", "dig", "nslookup", "ss", "netstat", "iptables", "iptables-save", "tcpdump", "dnsmasq")

LAYOUT = Layout(tag="podnet-ingest", network=str(LAB_NET), client="a", server="b", client_dev="pi-a", server_dev="pi-b",
                client_ips=(A_IP, A_IP2), server_ips=(B_IP, B_DROP, B_LOSSY), client_mtu=1400)

__all__ = ["LabUnavailable", "Lab", "build", "destroy"]


class Lab(PairLab):
    """The ingest lab: namespace ``a`` is the client (a node or a Pod), ``b`` the server."""

    @property
    def a(self) -> str:
        return self.client

    @property
    def b(self) -> str:
        return self.server


def build() -> Lab:
    if os.geteuid() != 0:
        raise LabUnavailable("the ingest lab needs root (network namespaces)")
    missing = [t for t in NEEDED_TOOLS if shutil.which(t) is None]
    if missing:
        raise LabUnavailable(f"tools missing: {', '.join(missing)} (see .ci/apt-packages.txt)")
    lab = Lab(LAYOUT)
    try:
        lab.build()
        lab.iptables("-A", "INPUT", "-d", f"{B_DROP}/32", "-j", "DROP")
        lab.iptables("-A", "INPUT", "-d", f"{B_LOSSY}/32", "-p", "icmp", "-m", "statistic", "--mode", "nth", "--every", "2", "--packet", "1", "-j", "DROP")
        lab.iptables("-A", "INPUT", "-p", "tcp", "--dport", str(DROPPED_PORT), "-j", "DROP")
        lab.start(lab.b, ["python3", "-m", "http.server", str(WEB_PORT), "--bind", B_IP])
        lab.start(lab.b, ["python3", "-m", "http.server", str(LOOPBACK_PORT), "--bind", "127.0.0.1"])
        lab.dnsmasq(B_IP, "--address=/web.example/198.18.200.50", "--local=/example/")
        lab.wait_listening([f"{B_IP}:{WEB_PORT}", f"{B_IP}:53"])
    except BaseException:
        lab.destroy()
        raise
    return lab


def destroy(lab: Lab) -> None:
    lab.destroy()
