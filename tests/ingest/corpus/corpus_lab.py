"""The corpus lab: a layout and servers for :class:`tests.ingest.pairlab.PairLab`, which types
commands into an interactive shell on a pseudo-terminal, so the transcripts hold every byte a
person would copy (prompts, ``^C``, progress meters, CR LF).

Used by ``capture.py`` (run as root; not a test). Lab rules: namespaces ``podnet-corpus-<pid>-cli``
and ``-srv`` only, addresses only in 198.18.212.0/23 (198.18.213.0/24 is never routed: "Network is
unreachable"), nothing touched in the root namespace, server processes stopped by PID and
everything removed in :meth:`CorpusLab.destroy`.

    cli  pc-cli 198.18.212.1/24, no default route        (the client: a "Pod" or a node)
    srv  pc-srv 198.18.212.2/24, .3/24
         .2:8080 python http.server (index.html; other paths 404)
         .2:8081 nothing listening (refused)          .2:8082 iptables DROP (timeout)
         .2:8084 REJECT icmp-host-prohibited          .2:8085 REJECT tcp-reset
         .2:8086 accepts and never answers (silent)   .2:8087 accepts, then resets (RST)
         .2:53   dnsmasq: web.example -> 198.18.212.2, *.example NXDOMAIN,
                 fail.example -> SERVFAIL (forwarded to a server that is never there)
         .3:53   iptables DROP (DNS server down)
         .4:53   dnsmasq as .2, UDP 53 dropped by iptables, TCP 53 answers (a filter on UDP 53 only)
         .5:53   nothing listening (DNS server process gone: UDP port unreachable, TCP reset)
    198.18.212.99  on the link, nobody answers ARP (no route to host)
    198.18.213.5   no route at all (network unreachable)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # run as a script (capture.py): the repository root

from tests.ingest.pairlab import Layout, PairLab, Step  # noqa: E402

CLI_IP, SRV_IP, DNS_DOWN_IP, NO_ARP_IP, NO_NET_IP = "198.18.212.1", "198.18.212.2", "198.18.212.3", "198.18.212.99", "198.18.213.5"
UDP_DROP_IP, NO_DNS_IP = "198.18.212.4", "198.18.212.5"
LAYOUT = Layout(tag="podnet-corpus", network="198.18.212.0/23", client="cli", server="srv", client_dev="pc-cli", server_dev="pc-srv",
                client_ips=(CLI_IP,), server_ips=(SRV_IP, DNS_DOWN_IP, UDP_DROP_IP, NO_DNS_IP))

_SERVERS = r'''
import socket, struct, sys, threading, time
def silent(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1], port)); s.listen(16)
    keep = []
    while True:
        c, _ = s.accept(); keep.append(c)
def reset(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1], port)); s.listen(16)
    while True:
        c, _ = s.accept(); time.sleep(0.2)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
threading.Thread(target=silent, args=(8086,), daemon=True).start()
reset(8087)
'''



__all__ = ["CLI_IP", "DNS_DOWN_IP", "NO_ARP_IP", "NO_DNS_IP", "NO_NET_IP", "SRV_IP", "UDP_DROP_IP", "CorpusLab", "Step"]


class CorpusLab(PairLab):
    def __init__(self) -> None:
        super().__init__(LAYOUT)

    def build(self) -> None:
        super().build()
        self.iptables("-A", "INPUT", "-p", "tcp", "--dport", "8082", "-j", "DROP")
        self.iptables("-A", "INPUT", "-p", "tcp", "--dport", "8084", "-j", "REJECT", "--reject-with", "icmp-host-prohibited")
        self.iptables("-A", "INPUT", "-p", "tcp", "--dport", "8085", "-j", "REJECT", "--reject-with", "tcp-reset")
        self.iptables("-A", "INPUT", "-d", f"{DNS_DOWN_IP}/32", "-p", "udp", "--dport", "53", "-j", "DROP")
        self.iptables("-A", "INPUT", "-d", f"{DNS_DOWN_IP}/32", "-p", "tcp", "--dport", "53", "-j", "DROP")
        self.iptables("-A", "INPUT", "-d", f"{UDP_DROP_IP}/32", "-p", "udp", "--dport", "53", "-j", "DROP")
        web = self.tmp / "web"
        web.mkdir()
        (web / "index.html").write_text("<html><body>web ok</body></html>\n")
        (self.tmp / "servers.py").write_text(_SERVERS)
        self.start(self.server, [sys.executable, "-m", "http.server", "8080", "--bind", SRV_IP, "--directory", str(web)])
        self.start(self.server, [sys.executable, str(self.tmp / "servers.py"), SRV_IP])
        self.dnsmasq(SRV_IP, f"--address=/web.example/{SRV_IP}", "--server=/fail.example/198.18.212.77", "--local=/example/",
                     f"--listen-address={UDP_DROP_IP}")
        self.wait_listening([f"{SRV_IP}:{p}" for p in (8080, 8086, 8087, 53)] + [f"{UDP_DROP_IP}:53"])
