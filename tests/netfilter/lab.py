"""A small routed lab for the netfilter model: rulesets loaded into a real kernel, printed back
by ``iptables-save`` / ``nft -j``, and flows sent through them to read the kernel's counters.

Namespaces ``podnet-nf-<pid>-{client,node,server,peer}``, addresses in 198.18.0.0/15 only, built
directly inside the namespaces (nothing in the root namespace); every probe has a timeout and
runs inside a lab namespace; listeners are killed by PID and the namespaces deleted at the end.

::

    client  c0 198.18.10.5/24   --  c1 198.18.10.1/24   node   s1 198.19.20.1/24  --  s0 198.19.20.7/24, .8/24  server
                                     p1 198.18.0.2/24   node                          (listens on TCP 8080)
    peer    p0 198.18.0.3/24, 198.18.0.9/24  --  p1

``python -m tests.netfilter.lab`` rewrites the captured dumps in ``tests/netfilter/data``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).parent / "data"
SERVICE_CIDR = "198.19.96.0/24"
LISTENER = ("import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            "s.bind(('0.0.0.0', 8080)); s.listen(64)\nwhile True:\n    c, _ = s.accept(); c.close()\n")
CONNECT = ("import errno, socket, sys\ns=socket.socket(); s.settimeout(float(sys.argv[3]))\n"
           "try:\n    s.connect((sys.argv[1], int(sys.argv[2]))); print('connected')\n"
           "except socket.timeout:\n    print('timeout')\n"
           "except OSError as e:\n    print({errno.ECONNREFUSED: 'refused', errno.EHOSTUNREACH: 'unreachable'}.get(e.errno, e.strerror))\n")
SEND_UDP = "import socket, sys\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 0)); s.sendto(b'x', (sys.argv[2], int(sys.argv[3])))\n"


class LabError(Exception):
    pass


def preflight() -> None:
    if os.geteuid() != 0:
        raise LabError("the netfilter lab needs root (network namespaces, iptables)")
    for tool in ("ip", "iptables-restore", "iptables-save", "nft", "ping"):
        if shutil.which(tool) is None:
            raise LabError(f"{tool} is missing")


@dataclass
class Lab:
    prefix: str = field(default_factory=lambda: f"podnet-nf-{os.getpid()}-")
    pids: list[int] = field(default_factory=list)
    made: list[str] = field(default_factory=list)

    def ns(self, role: str) -> str:
        return self.prefix + role

    def run(self, role: str, cmd: list[str], stdin: str | None = None, timeout: float = 10, check: bool = True) -> str:
        proc = subprocess.run(["ip", "netns", "exec", self.ns(role), *cmd], input=stdin, capture_output=True, text=True,
                              timeout=timeout, check=False)
        if check and proc.returncode != 0:
            raise LabError(f"{role}: {' '.join(cmd)}: {proc.stderr.strip()}")
        return proc.stdout

    def ip(self, role: str, *args: str) -> None:
        self.run(role, ["ip", *args])

    def build(self) -> None:
        for role in ("client", "node", "server", "peer"):
            subprocess.run(["ip", "netns", "add", self.ns(role)], check=True, timeout=10)
            self.made.append(self.ns(role))
            self.ip(role, "link", "set", "lo", "up")
        for here, there, peer_role, mine in (("c1", "c0", "client", "198.18.10.1/24"), ("s1", "s0", "server", "198.19.20.1/24"),
                                             ("p1", "p0", "peer", "198.18.0.2/24")):
            self.ip("node", "link", "add", here, "type", "veth", "peer", "name", there, "netns", self.ns(peer_role))
            self.ip("node", "addr", "add", mine, "dev", here)
            self.ip("node", "link", "set", here, "up")
            self.ip(peer_role, "link", "set", there, "up")
        self.ip("client", "addr", "add", "198.18.10.5/24", "dev", "c0")
        self.ip("client", "route", "add", "default", "via", "198.18.10.1")
        for a in ("198.19.20.7/24", "198.19.20.8/24"):
            self.ip("server", "addr", "add", a, "dev", "s0")
        self.ip("server", "route", "add", "default", "via", "198.19.20.1")
        for a in ("198.18.0.3/24", "198.18.0.9/24"):
            self.ip("peer", "addr", "add", a, "dev", "p0")
        self.ip("peer", "route", "add", "default", "via", "198.18.0.2")
        # The Service range is routed somewhere (as a node's default route would): to the server,
        # which does not forward, so only what DNAT rewrites reaches a listener.
        self.ip("node", "route", "add", SERVICE_CIDR, "via", "198.19.20.7")
        self.run("node", ["sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"])
        proc = subprocess.Popen(["ip", "netns", "exec", self.ns("server"), "timeout", "300", sys.executable, "-c", LISTENER],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.pids.append(proc.pid)
        for _ in range(50):  # wait until the listener is bound
            if ":1F90 " in self.run("server", ["cat", "/proc/net/tcp"]):
                break
            subprocess.run(["sleep", "0.1"], check=True)

    def teardown(self) -> None:
        for pid in self.pids:
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        for name in self.made:
            subprocess.run(["ip", "netns", "del", name], check=False, timeout=10)

    # -- rules -------------------------------------------------------------------------------------
    def load_iptables(self, text: str) -> None:
        self.run("node", ["nft", "flush", "ruleset"])
        self.run("node", ["iptables-restore"], stdin=text)

    def load_nft(self, text: str) -> None:
        self.run("node", ["nft", "flush", "ruleset"])
        self.run("node", ["nft", "-f", "-"], stdin=text)

    def iptables_save(self, counters: bool = False) -> str:
        return self.run("node", ["iptables-save", *(["-c"] if counters else [])])

    def nft_json(self) -> str:
        return self.run("node", ["nft", "-j", "list", "ruleset"])

    def zero(self) -> None:
        self.run("node", ["iptables", "-Z"], check=False)
        self.run("node", ["iptables", "-t", "nat", "-Z"], check=False)
        self.run("node", ["nft", "reset", "counters"], check=False)

    # -- probes (each from inside a lab namespace, bounded) ----------------------------------------
    def connect(self, role: str, ip: str, port: int, seconds: float = 1.5) -> str:
        assert ip.startswith(("198.18.", "198.19.")), ip
        return self.run(role, [sys.executable, "-c", CONNECT, ip, str(port), str(seconds)], timeout=seconds + 5).strip()

    def ping(self, role: str, ip: str) -> bool:
        assert ip.startswith(("198.18.", "198.19.")), ip
        return "1 received" in self.run(role, ["ping", "-c", "1", "-W", "1", ip], check=False, timeout=5)

    def udp(self, role: str, src: str, ip: str, port: int) -> None:
        assert ip.startswith(("198.18.", "198.19.")), ip
        self.run(role, [sys.executable, "-c", SEND_UDP, src, ip, str(port)], timeout=5)


def counters(dump: str) -> dict[int, int]:
    """Packet counter of each line of ``iptables-save -c`` (rules and chain policies), by line number."""
    out = {}
    for n, line in enumerate(dump.splitlines(), 1):
        m = re.match(r"^\[(\d+):\d+\] -A ", line) or re.match(r"^:\S+ \S+ \[(\d+):\d+\]", line)
        if m:
            out[n] = int(m.group(1))
    return out


def nft_counters(doc: str) -> dict[int, int]:
    """Packet counter of each nft rule that has one, by rule handle."""
    out = {}
    for item in json.loads(doc)["nftables"]:
        rule = item.get("rule")
        if rule:
            for e in rule.get("expr", []):
                if "counter" in e:
                    out[rule["handle"]] = e["counter"]["packets"]
    return out


def normalised(dump: str) -> str:
    """A dump without its timestamped comment lines."""
    return "\n".join(line for line in dump.splitlines() if not line.startswith("#")) + "\n"


def capture() -> None:
    """Load the lab rulesets into a fresh lab and store what the kernel tools print."""
    preflight()
    lab = Lab()
    try:
        lab.build()
        lab.load_iptables((DATA / "lab-node.rules").read_text())
        (DATA / "lab-node.iptables-save").write_text(lab.iptables_save())
        (DATA / "lab-node.nft.json").write_text(lab.nft_json())
        lab.load_nft((DATA / "lab-native.nft").read_text())
        (DATA / "lab-native.nft.json").write_text(lab.nft_json())
    finally:
        lab.teardown()


if __name__ == "__main__":
    capture()
