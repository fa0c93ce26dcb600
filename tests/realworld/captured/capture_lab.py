"""Make real tool output for tests/realworld/captured: run wget, busybox wget, host, getent, bash
/dev/tcp and curl on a pseudo-terminal in two lab network namespaces, in every failure mode.

Run as root from the repository root:  .venv/bin/python tests/realworld/captured/capture_lab.py
(not a test: it rewrites the transcripts, which the structural test then checks).

Lab (addresses only in 198.18.210.0/23, nothing in the root namespace; namespaces, the resolver file
under /etc/netns and the server processes are removed by name/PID in ``finally``):

    rwcap-<pid>-pod   rwc-pod 198.18.210.1/24, no default route   (the client, a "Pod")
    rwcap-<pid>-srv   rwc-srv 198.18.210.2/24 and .3/24
        198.18.210.2:8080  python http.server (ok)
        198.18.210.2:8081  nothing listening (refused)
        198.18.210.2:8082  iptables DROP (timeout)
        198.18.210.2:8084  iptables REJECT --reject-with icmp-host-prohibited
        198.18.210.2:8085  iptables REJECT --reject-with tcp-reset
        198.18.210.2:53    dnsmasq --no-resolv: web.example -> 198.18.210.50, other *.example NXDOMAIN
        198.18.210.3:53    iptables DROP (DNS server down / UDP 53 dropped)
    198.18.210.99  on the link, nobody answers ARP (no route to host after ARP fails)
    198.18.211.5   no route at all in the pod namespace (network is unreachable)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))  # run as a script: the repository root

from tests.ingest.pairlab import Layout, PairLab  # noqa: E402

POD_IP, SRV_IP, DNS_DOWN_IP, NO_ARP_IP, NO_NET_IP = "198.18.210.1", "198.18.210.2", "198.18.210.3", "198.18.210.99", "198.18.211.5"
LAYOUT = Layout(tag="rwcap", network="198.18.210.0/23", client="pod", server="srv", client_dev="rwc-pod", server_dev="rwc-srv",
                client_ips=(POD_IP,), server_ips=(SRV_IP, DNS_DOWN_IP))
WAIT = 5  # every client timeout, seconds

# (mode, destination, port): what the lab does. What a person reads from each transcript is written by
# hand in the transcript's .yaml (``expected``), never here: this script holds no expected readings
# (the holdout items among them are judged by those files alone).
TCP_MODES = [
    ("ok", SRV_IP, 8080),
    ("refused", SRV_IP, 8081),
    ("timeout-drop", SRV_IP, 8082),
    ("no-route-arp", NO_ARP_IP, 8080),
    ("net-unreachable", NO_NET_IP, 8080),
    ("reject-host-prohibited", SRV_IP, 8084),
    ("reject-tcp-reset", SRV_IP, 8085),
]
LAB_MODES = {
    "ok": "an HTTP server listens",
    "refused": "nothing listens on the port",
    "timeout-drop": "iptables DROP on the server",
    "no-route-arp": "an address on the link that nobody answers ARP for",
    "net-unreachable": "no route to the address in the client namespace",
    "reject-host-prohibited": "iptables REJECT --reject-with icmp-host-prohibited on the server",
    "reject-tcp-reset": "iptables REJECT --reject-with tcp-reset on the server",
}


@dataclass(frozen=True)
class Tool:
    name: str
    prompt: str | None  # None: bash's own default prompt
    template: str       # command as typed; {ip} {port} {wait}


TCP_TOOLS = [
    Tool("curl", "root@web-0:/# ", "curl --connect-timeout {wait} http://{ip}:{port}/"),
    Tool("curl-v", "root@web-0:/# ", "curl -v --connect-timeout {wait} http://{ip}:{port}/"),
    Tool("wget", "[root@node-a ~]# ", "wget -T {wait} -t 1 -O- http://{ip}:{port}/"),
    # Debian's busybox 1.35 wget segfaults when given -T, so the wait is bounded with timeout(1) instead.
    Tool("busybox-wget", "/ # ", "timeout {wait} busybox wget -O- http://{ip}:{port}/; echo exit=$?"),
    Tool("bash-dev-tcp", None, "timeout {wait} bash -c 'echo > /dev/tcp/{ip}/{port}'; echo exit=$?"),
]
# (slug, resolver, command, what the lab does)
DNS_CASES = [
    ("host-ok", SRV_IP, "host -W 2 web.example", "dnsmasq knows the name"),
    ("host-nxdomain", SRV_IP, "host -W 2 nope.example", "dnsmasq --local: the name does not exist"),
    ("host-timeout", DNS_DOWN_IP, "host -W 2 web.example", "UDP/TCP 53 dropped at the server"),
    ("getent-hosts-ok", SRV_IP, "getent hosts web.example; echo exit=$?", "dnsmasq knows the name"),
    ("getent-hosts-nxdomain", SRV_IP, "getent hosts nope.example; echo exit=$?", "dnsmasq --local: the name does not exist"),
    ("getent-hosts-timeout", DNS_DOWN_IP, "getent hosts web.example; echo exit=$?", "UDP/TCP 53 dropped at the server"),
    ("curl-could-not-resolve", SRV_IP, "curl --connect-timeout 5 http://nope.example:8080/", "dnsmasq --local: the name does not exist"),
    ("busybox-nslookup-nxdomain", SRV_IP, "busybox nslookup nope.example", "dnsmasq --local: the name does not exist"),
    ("busybox-nslookup-timeout", DNS_DOWN_IP, "busybox nslookup -timeout=2 web.example", "UDP/TCP 53 dropped at the server"),
]


def split_for(slug: str) -> str:
    """The corpus split rule (README): sha256(slug)[:8] as an integer, mod 5 < 2 is holdout."""
    return "holdout" if int(hashlib.sha256(slug.encode()).hexdigest()[:8], 16) % 5 < 2 else "tune"


class Lab(PairLab):
    """Two namespaces (tests/ingest/pairlab.py), a web server and dnsmasq in the server one."""

    def __init__(self) -> None:
        super().__init__(LAYOUT)

    @property
    def pod(self) -> str:
        return self.client

    def build(self) -> None:
        super().build()
        self.iptables("-A", "INPUT", "-p", "tcp", "--dport", "8082", "-j", "DROP")
        self.iptables("-A", "INPUT", "-p", "tcp", "--dport", "8084", "-j", "REJECT", "--reject-with", "icmp-host-prohibited")
        self.iptables("-A", "INPUT", "-p", "tcp", "--dport", "8085", "-j", "REJECT", "--reject-with", "tcp-reset")
        self.iptables("-A", "INPUT", "-d", f"{DNS_DOWN_IP}/32", "-p", "udp", "--dport", "53", "-j", "DROP")
        self.iptables("-A", "INPUT", "-d", f"{DNS_DOWN_IP}/32", "-p", "tcp", "--dport", "53", "-j", "DROP")
        web = self.tmp / "web"
        web.mkdir()
        (web / "index.html").write_text("<html><body>web-0 ok</body></html>\n")
        self.start(self.server, [sys.executable, "-m", "http.server", "8080", "--bind", SRV_IP, "--directory", str(web)])
        self.dnsmasq(SRV_IP, "--address=/web.example/198.18.210.50", "--local=/example/")
        self.wait_listening([f"{SRV_IP}:8080", f"{SRV_IP}:53"], tries=50)


def version(cmd: list[str]) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    return (out.stdout or out.stderr).splitlines()[0].strip()


def write(slug: str, raw: bytes, command: str, tool_version: str, mode: str, lab: str) -> None:
    """Write the transcript and its metadata. The ``expected`` block of an existing .yaml (written by
    hand from the transcript, before any podnet run) is kept as it is; a new transcript gets none and
    is reported until a person writes it."""
    (HERE / f"{slug}.txt").write_bytes(raw)
    meta = HERE / f"{slug}.yaml"
    old = yaml.safe_load(meta.read_text()) if meta.exists() else {}
    doc = {
        "source": "made here: tests/realworld/captured/capture_lab.py (lab namespaces, pseudo-terminal, bytes as shown)",
        "transcript": f"{slug}.txt",
        "command": command,
        "tool_version": tool_version,
        "lab_mode": mode,
        "lab": lab,
        "expected": old.get("expected"),
        "split": split_for(slug),
    }
    if doc["expected"] is None:
        print(f"{slug}: write its expected reading by hand (from {slug}.txt, before running podnet)", file=sys.stderr)
    meta.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110))


def main() -> int:
    if os.geteuid() != 0:
        print("needs root (network namespaces)", file=sys.stderr)
        return 2
    versions = {
        "curl": version(["curl", "--version"]), "curl-v": version(["curl", "--version"]), "wget": version(["wget", "--version"]),
        "busybox-wget": version(["busybox"]), "bash-dev-tcp": version(["bash", "--version"]),
        "host": version(["host", "-V"]), "getent": "getent (glibc " + version(["ldd", "--version"]).split()[-1] + ")",
    }
    lab = Lab()
    made = 0
    try:
        lab.build()
        lab.set_resolver(SRV_IP)
        for tool in TCP_TOOLS:
            for mode, ip, port in TCP_MODES:
                command = tool.template.format(ip=ip, port=port, wait=WAIT)
                raw = lab.session(tool.prompt, command, timeout=WAIT + 15)
                write(f"{tool.name}-{mode}", raw, command, versions[tool.name], mode, LAB_MODES[mode])
                made += 1
        for slug, server, command, what in DNS_CASES:
            lab.set_resolver(server)
            name = command.split()[0]
            raw = lab.session("root@dnsutils:/# ", command, timeout=20)
            write(slug, raw, command, versions.get(name, versions["busybox-wget"] if name == "busybox" else versions["getent"]), slug,
                  f"resolver {server}: {what}")
            made += 1
    finally:
        lab.destroy()
    print(f"{made} transcripts written to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
