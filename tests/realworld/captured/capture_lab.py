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
import io
import ipaddress
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pexpect  # type: ignore[import-untyped]
import yaml

HERE = Path(__file__).resolve().parent
LAB = ipaddress.ip_network("198.18.210.0/23")
POD_IP, SRV_IP, DNS_DOWN_IP, NO_ARP_IP, NO_NET_IP = "198.18.210.1", "198.18.210.2", "198.18.210.3", "198.18.210.99", "198.18.211.5"
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


def sh(*cmd: str) -> None:
    subprocess.run(list(cmd), check=True, capture_output=True, timeout=20)


class Lab:
    """Two namespaces, a veth pair created inside them, a web server and dnsmasq in the server one."""

    def __init__(self) -> None:
        tag = f"rwcap-{os.getpid()}"
        self.pod, self.srv = f"{tag}-pod", f"{tag}-srv"
        self.netns_dir = Path("/etc/netns") / self.pod
        self.webroot = Path(tempfile.mkdtemp(prefix="rwcap-web-"))
        self.procs: list[subprocess.Popen[bytes]] = []
        # No bracketed-paste escapes around each prompt: the transcript then matches what a person copies.
        self.inputrc = self.webroot / "inputrc"
        self.inputrc.write_text("set enable-bracketed-paste off\n")

    def build(self) -> None:
        sh("ip", "netns", "add", self.pod)
        sh("ip", "netns", "add", self.srv)
        sh("ip", "-n", self.pod, "link", "add", "rwc-pod", "type", "veth", "peer", "name", "rwc-srv", "netns", self.srv)
        for ns in (self.pod, self.srv):
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", self.pod, "addr", "add", f"{POD_IP}/24", "dev", "rwc-pod")
        sh("ip", "-n", self.pod, "link", "set", "rwc-pod", "up")
        for ip in (SRV_IP, DNS_DOWN_IP):
            sh("ip", "-n", self.srv, "addr", "add", f"{ip}/24", "dev", "rwc-srv")
        sh("ip", "-n", self.srv, "link", "set", "rwc-srv", "up")
        ipt = ["ip", "netns", "exec", self.srv, "iptables"]
        sh(*ipt, "-A", "INPUT", "-p", "tcp", "--dport", "8082", "-j", "DROP")
        sh(*ipt, "-A", "INPUT", "-p", "tcp", "--dport", "8084", "-j", "REJECT", "--reject-with", "icmp-host-prohibited")
        sh(*ipt, "-A", "INPUT", "-p", "tcp", "--dport", "8085", "-j", "REJECT", "--reject-with", "tcp-reset")
        sh(*ipt, "-A", "INPUT", "-d", f"{DNS_DOWN_IP}/32", "-p", "udp", "--dport", "53", "-j", "DROP")
        sh(*ipt, "-A", "INPUT", "-d", f"{DNS_DOWN_IP}/32", "-p", "tcp", "--dport", "53", "-j", "DROP")
        (self.webroot / "index.html").write_text("<html><body>web-0 ok</body></html>\n")
        self._start([sys.executable, "-m", "http.server", "8080", "--bind", SRV_IP, "--directory", str(self.webroot)])
        self._start(["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", f"--listen-address={SRV_IP}", "--bind-interfaces",
                     "--address=/web.example/198.18.210.50", "--local=/example/", f"--pid-file=/run/{self.srv}-dnsmasq.pid",
                     "--log-facility=/dev/null"])
        for _ in range(50):
            out = subprocess.run(["ip", "netns", "exec", self.srv, "ss", "-ltnu"], capture_output=True, text=True, timeout=10).stdout
            if f"{SRV_IP}:8080" in out and f"{SRV_IP}:53" in out:
                return
            time.sleep(0.1)
        raise RuntimeError("lab servers did not start")

    def _start(self, cmd: list[str]) -> None:
        self.procs.append(subprocess.Popen(["ip", "netns", "exec", self.srv, *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                           start_new_session=True))

    def set_resolver(self, server: str) -> None:
        self.netns_dir.mkdir(parents=True, exist_ok=True)
        (self.netns_dir / "resolv.conf").write_text(f"nameserver {server}\noptions timeout:2 attempts:1\n")

    def session(self, prompt: str | None, command: str, timeout: float) -> bytes:
        """Type one command into an interactive bash on a pty inside the pod namespace; return every byte shown."""
        for word in command.replace("/", " ").replace(":", " ").split():
            try:
                if ipaddress.ip_address(word) not in LAB:
                    raise AssertionError(f"non-lab address in {command!r}")
            except ValueError:
                pass
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TERM": "xterm", "LC_ALL": "C", "HOME": "/root", "INPUTRC": str(self.inputrc)}
        if prompt is not None:
            env["PS1"] = prompt
        child = pexpect.spawn("ip", ["netns", "exec", self.pod, "bash", "--norc", "--noprofile", "-i"], env=env, dimensions=(40, 160), timeout=timeout)
        log = io.BytesIO()
        child.logfile_read = log
        shown = prompt if prompt is not None else "bash-5.2# "
        try:
            child.expect_exact(shown)
            child.sendline(command)
            child.expect_exact(command.encode()[-20:])
            child.expect_exact(shown, timeout=timeout)
        finally:
            child.sendline("exit")
            child.expect(pexpect.EOF, timeout=10)
            child.close()
        raw = log.getvalue()
        return raw[: raw.rfind(shown.encode()) + len(shown)]

    def destroy(self) -> None:
        for proc in self.procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
        for ns in (self.pod, self.srv):
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True, timeout=20)
        shutil.rmtree(self.netns_dir, ignore_errors=True)
        shutil.rmtree(self.webroot, ignore_errors=True)
        Path(f"/run/{self.srv}-dnsmasq.pid").unlink(missing_ok=True)


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
