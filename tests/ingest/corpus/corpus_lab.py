"""A two-namespace lab that types commands into an interactive shell on a pseudo-terminal, so the
transcripts hold every byte a person would copy (prompts, ``^C``, progress meters, CR LF).

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
    198.18.212.99  on the link, nobody answers ARP (no route to host)
    198.18.213.5   no route at all (network unreachable)
"""

from __future__ import annotations

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

LAB = ipaddress.ip_network("198.18.212.0/23")
CLI_IP, SRV_IP, DNS_DOWN_IP, NO_ARP_IP, NO_NET_IP = "198.18.212.1", "198.18.212.2", "198.18.212.3", "198.18.212.99", "198.18.213.5"

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


@dataclass
class Step:
    """What to do once the command is typed: wait for the prompt, or interrupt after ``after`` s
    (``^C``), or send ``keys`` once ``expect`` shows (telnet's escape to quit)."""

    interrupt_after: float | None = None
    expect: str | None = None
    keys: str | None = None


class CorpusLab:
    def __init__(self) -> None:
        tag = f"podnet-corpus-{os.getpid()}"
        self.cli, self.srv = f"{tag}-cli", f"{tag}-srv"
        self.netns_dir = Path("/etc/netns") / self.cli
        self.tmp = Path(tempfile.mkdtemp(prefix="podnet-corpus-"))
        self.procs: list[subprocess.Popen[bytes]] = []
        (self.tmp / "inputrc").write_text("set enable-bracketed-paste off\n")

    @staticmethod
    def _sh(*cmd: str) -> None:
        subprocess.run(list(cmd), check=True, capture_output=True, timeout=20)

    def build(self) -> None:
        sh = self._sh
        sh("ip", "netns", "add", self.cli)
        sh("ip", "netns", "add", self.srv)
        # created inside the client namespace, the peer moved to the server one: the root namespace never holds either end
        sh("ip", "-n", self.cli, "link", "add", "pc-cli", "type", "veth", "peer", "name", "pc-srv", "netns", self.srv)
        for ns in (self.cli, self.srv):
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", self.cli, "addr", "add", f"{CLI_IP}/24", "dev", "pc-cli")
        sh("ip", "-n", self.cli, "link", "set", "pc-cli", "up")
        for ip in (SRV_IP, DNS_DOWN_IP):
            sh("ip", "-n", self.srv, "addr", "add", f"{ip}/24", "dev", "pc-srv")
        sh("ip", "-n", self.srv, "link", "set", "pc-srv", "up")
        ipt = ["ip", "netns", "exec", self.srv, "iptables"]
        sh(*ipt, "-A", "INPUT", "-p", "tcp", "--dport", "8082", "-j", "DROP")
        sh(*ipt, "-A", "INPUT", "-p", "tcp", "--dport", "8084", "-j", "REJECT", "--reject-with", "icmp-host-prohibited")
        sh(*ipt, "-A", "INPUT", "-p", "tcp", "--dport", "8085", "-j", "REJECT", "--reject-with", "tcp-reset")
        sh(*ipt, "-A", "INPUT", "-d", f"{DNS_DOWN_IP}/32", "-p", "udp", "--dport", "53", "-j", "DROP")
        sh(*ipt, "-A", "INPUT", "-d", f"{DNS_DOWN_IP}/32", "-p", "tcp", "--dport", "53", "-j", "DROP")
        web = self.tmp / "web"
        web.mkdir()
        (web / "index.html").write_text("<html><body>web ok</body></html>\n")
        (self.tmp / "servers.py").write_text(_SERVERS)
        self._start([sys.executable, "-m", "http.server", "8080", "--bind", SRV_IP, "--directory", str(web)])
        self._start([sys.executable, str(self.tmp / "servers.py"), SRV_IP])
        self._start(["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", f"--listen-address={SRV_IP}", "--bind-interfaces",
                     f"--address=/web.example/{SRV_IP}", "--server=/fail.example/198.18.212.77", "--local=/example/",
                     f"--pid-file={self.tmp}/dnsmasq.pid", "--log-facility=/dev/null"])
        for _ in range(80):
            out = subprocess.run(["ip", "netns", "exec", self.srv, "ss", "-ltnu"], capture_output=True, text=True, timeout=10).stdout
            if all(f"{SRV_IP}:{p}" in out for p in (8080, 8086, 8087, 53)):
                return
            time.sleep(0.1)
        raise RuntimeError("lab servers did not start")

    def _start(self, cmd: list[str]) -> None:
        self.procs.append(subprocess.Popen(["ip", "netns", "exec", self.srv, *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                           start_new_session=True))

    def set_resolver(self, server: str) -> None:
        self.netns_dir.mkdir(parents=True, exist_ok=True)
        (self.netns_dir / "resolv.conf").write_text(f"nameserver {server}\noptions timeout:2 attempts:1\n")

    def session(self, prompt: str, command: str, step: Step, timeout: float = 30) -> bytes:
        """Type ``command`` into an interactive bash (``PS1=prompt``) in the client namespace; every byte shown."""
        import pexpect

        for word in command.replace("/", " ").replace(":", " ").replace("@", " ").split():
            try:
                if ipaddress.ip_address(word) not in LAB:
                    raise AssertionError(f"non-lab address in {command!r}")
            except ValueError:
                pass
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TERM": "xterm", "LC_ALL": "C", "HOME": "/root",
               "INPUTRC": str(self.tmp / "inputrc"), "PS1": prompt}
        child = pexpect.spawn("ip", ["netns", "exec", self.cli, "bash", "--norc", "--noprofile", "-i"], env=env,
                              dimensions=(40, 160), timeout=timeout)
        log = io.BytesIO()
        child.logfile_read = log
        try:
            if prompt:
                child.expect_exact(prompt)
            else:
                time.sleep(0.5)
            child.sendline(command)
            child.expect_exact(command.encode()[-20:])
            if step.interrupt_after is not None:
                time.sleep(step.interrupt_after)
                child.sendintr()
            elif step.expect is not None:
                child.expect_exact(step.expect)
                time.sleep(0.3)
                child.send(step.keys or "")
            if prompt:
                child.expect_exact(prompt, timeout=timeout)
            else:
                time.sleep(1 if step.interrupt_after is not None else 12)
        finally:
            child.sendline("exit")
            child.expect(pexpect.EOF, timeout=15)
            child.close()
        raw = log.getvalue()
        if prompt:
            end = raw.rfind(prompt.encode())
            return raw[: end + len(prompt)]
        cut = raw.find(b"\nexit\r", raw.find(command.encode()[-20:])) + 1
        return raw[:cut] if cut > 0 else raw

    def destroy(self) -> None:
        for proc in self.procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        for ns in (self.cli, self.srv):
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True, timeout=20)
        shutil.rmtree(self.netns_dir, ignore_errors=True)
        shutil.rmtree(self.tmp, ignore_errors=True)
