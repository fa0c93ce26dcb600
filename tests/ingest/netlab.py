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
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

LAB_NET = ipaddress.ip_network("198.18.200.0/23")
A_IP, A_IP2, B_IP, B_DROP, B_LOSSY = "198.18.200.1", "198.18.200.11", "198.18.200.2", "198.18.200.3", "198.18.200.4"
NO_HOST = "198.18.200.99"
"""On the link, but nobody answers ARP: "No route to host"."""
NO_NET = "198.18.201.5"
"""No route at all in namespace a (it has no default route): "Network is unreachable", never sent."""
WEB_PORT, REFUSED_PORT, DROPPED_PORT, LOOPBACK_PORT = 8080, 8081, 8082, 8083
NEEDED_TOOLS = ("ip", "ping", "busybox", "curl", "nc", "telnet", "dig", "nslookup", "ss", "netstat", "iptables", "iptables-save", "tcpdump", "dnsmasq")


class LabUnavailable(RuntimeError):
    """The lab cannot be built here (not root, a tool missing, no netns support)."""


@dataclass
class Lab:
    a: str
    b: str
    pids: list[int] = field(default_factory=list)

    def _check(self, ns: str, targets: tuple[str, ...]) -> None:
        # Safety: only our namespaces, only lab addresses.
        if ns not in (self.a, self.b):
            raise AssertionError(f"refusing to run outside the lab namespaces: {ns}")
        for t in targets:
            if ipaddress.ip_address(t) not in LAB_NET and not ipaddress.ip_address(t).is_loopback:
                raise AssertionError(f"refusing to probe a non-lab address {t}")

    def run(self, ns: str, cmd: list[str], *, targets: tuple[str, ...] = (), timeout: float = 20, stdin: str | None = None) -> str:
        """Run inside a lab namespace; stdout and stderr interleaved, as a terminal shows them."""
        self._check(ns, targets)
        proc = subprocess.run(
            ["ip", "netns", "exec", ns, *cmd], check=False, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, timeout=timeout, env={**os.environ, "LC_ALL": "C"},
        )
        return proc.stdout

    def start(self, ns: str, cmd: list[str]) -> subprocess.Popen[bytes]:
        self._check(ns, ())
        proc = subprocess.Popen(["ip", "netns", "exec", ns, *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.pids.append(proc.pid)
        return proc


def _sh(*cmd: str) -> None:
    subprocess.run(list(cmd), check=True, capture_output=True, timeout=20)


def build() -> Lab:
    if os.geteuid() != 0:
        raise LabUnavailable("the ingest lab needs root (network namespaces)")
    missing = [t for t in NEEDED_TOOLS if shutil.which(t) is None]
    if missing:
        raise LabUnavailable(f"tools missing: {', '.join(missing)} (see .ci/apt-packages.txt)")
    tag = f"podnet-ingest-{os.getpid()}"
    lab = Lab(f"{tag}-a", f"{tag}-b")
    try:
        _sh("ip", "netns", "add", lab.a)
        _sh("ip", "netns", "add", lab.b)
        # Created inside namespace a, peer moved to b: the root namespace never holds either end.
        _sh("ip", "-n", lab.a, "link", "add", "pi-a", "type", "veth", "peer", "name", "pi-b", "netns", lab.b)
        for ns in (lab.a, lab.b):
            _sh("ip", "-n", ns, "link", "set", "lo", "up")
        _sh("ip", "-n", lab.a, "addr", "add", f"{A_IP}/24", "dev", "pi-a")
        _sh("ip", "-n", lab.a, "addr", "add", f"{A_IP2}/24", "dev", "pi-a")
        _sh("ip", "-n", lab.a, "link", "set", "pi-a", "mtu", "1400", "up")
        for ip in (B_IP, B_DROP, B_LOSSY):
            _sh("ip", "-n", lab.b, "addr", "add", f"{ip}/24", "dev", "pi-b")
        _sh("ip", "-n", lab.b, "link", "set", "pi-b", "up")
        ipt = ["ip", "netns", "exec", lab.b, "iptables"]
        _sh(*ipt, "-A", "INPUT", "-d", f"{B_DROP}/32", "-j", "DROP")
        _sh(*ipt, "-A", "INPUT", "-d", f"{B_LOSSY}/32", "-p", "icmp", "-m", "statistic", "--mode", "nth", "--every", "2", "--packet", "1", "-j", "DROP")
        _sh(*ipt, "-A", "INPUT", "-p", "tcp", "--dport", str(DROPPED_PORT), "-j", "DROP")
        lab.start(lab.b, ["python3", "-m", "http.server", str(WEB_PORT), "--bind", B_IP])
        lab.start(lab.b, ["python3", "-m", "http.server", str(LOOPBACK_PORT), "--bind", "127.0.0.1"])
        lab.start(lab.b, ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", f"--listen-address={B_IP}", "--bind-interfaces",
                          "--address=/web.example/198.18.200.50", "--local=/example/", f"--pid-file=/run/{tag}-dnsmasq.pid",
                          "--log-facility=/dev/null"])
        _wait_port(lab, B_IP, WEB_PORT)
        _wait_port(lab, B_IP, 53)
    except BaseException:
        destroy(lab)
        raise
    return lab


def _wait_port(lab: Lab, ip: str, port: int) -> None:
    for _ in range(50):
        out = lab.run(lab.b, ["ss", "-ltn"])
        if f"{ip}:{port}" in out:
            return
        time.sleep(0.1)
    raise LabUnavailable(f"{ip}:{port} did not start listening in the lab")


def destroy(lab: Lab) -> None:
    for pid in lab.pids:
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for pid in lab.pids:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    for ns in (lab.a, lab.b):
        subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True, timeout=20)
    Path(f"/run/{lab.a.rsplit('-', 1)[0]}-dnsmasq.pid").unlink(missing_ok=True)
