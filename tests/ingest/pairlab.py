"""Two network namespaces joined by a veth pair (a client and a server): the one lab machinery behind
the ingest tests (``netlab.py``), the corpus captures (``corpus/capture.py``) and the tests/realworld
captures (``tests/realworld/captured/capture_lab.py``); each of those only describes its layout and
its servers.

Lab rules (DEVELOPERS.md): namespaces ``<tag>-<pid>-<suffix>`` only, addresses only in the layout's
network (checked before any probe), the veth pair created inside the client namespace with its peer
moved to the server one (the root namespace never holds either end), every command run *inside* a
lab namespace with a timeout, servers stopped by PID, and namespaces, the resolver file under
``/etc/netns/<client>`` and the scratch folder removed by :meth:`PairLab.destroy`.

Commands run two ways: :meth:`PairLab.run` (a subprocess, stdout and stderr interleaved) and
:meth:`PairLab.session` (typed into an interactive bash on a pseudo-terminal, every byte a person
would copy: prompts, ``^C``, progress meters, CR LF).
"""

from __future__ import annotations

import io
import ipaddress
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class LabUnavailable(RuntimeError):
    """The lab cannot be built here (not root, a tool missing, no netns support)."""


@dataclass(frozen=True)
class Layout:
    """Names and addresses of a pair lab."""

    tag: str  # namespace prefix ("podnet-ingest")
    network: str  # every address the lab uses or probes ("198.18.200.0/23")
    client: str  # namespace suffixes ("a", "b")
    server: str
    client_dev: str  # veth ends ("pi-a", "pi-b")
    server_dev: str
    client_ips: tuple[str, ...]  # /24 addresses on the client end, the first is primary
    server_ips: tuple[str, ...]
    client_mtu: int | None = None


@dataclass
class Step:
    """What a :meth:`PairLab.session` does once the command is typed: wait for the prompt, or
    interrupt after ``interrupt_after`` seconds (``^C``), or send ``keys`` once ``expect`` shows
    (telnet's escape to quit)."""

    interrupt_after: float | None = None
    expect: str | None = None
    keys: str | None = None


def sh(*cmd: str) -> None:
    subprocess.run(list(cmd), check=True, capture_output=True, timeout=20)


BASH_DEFAULT_PROMPT = "bash-5.2# "
"""What bash --norc shows as root without PS1 (Debian 12's bash 5.2)."""


class PairLab:
    """A client and a server namespace; see the module docstring for the rules it keeps."""

    def __init__(self, layout: Layout) -> None:
        tag = f"{layout.tag}-{os.getpid()}"
        self.layout = layout
        self.network = ipaddress.ip_network(layout.network)
        self.client, self.server = f"{tag}-{layout.client}", f"{tag}-{layout.server}"
        self.netns_dir = Path("/etc/netns") / self.client
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{layout.tag}-"))
        self.pids: list[int] = []
        # no bracketed-paste escapes around each prompt: a transcript then matches what a person copies
        (self.tmp / "inputrc").write_text("set enable-bracketed-paste off\n")

    # -- building ----------------------------------------------------------------------------------

    def build(self) -> None:
        """The namespaces, the veth pair and the addresses (servers and rules are the caller's)."""
        lay = self.layout
        for ip in lay.client_ips + lay.server_ips:
            self._check_address(ip)
        sh("ip", "netns", "add", self.client)
        sh("ip", "netns", "add", self.server)
        sh("ip", "-n", self.client, "link", "add", lay.client_dev, "type", "veth", "peer", "name", lay.server_dev, "netns", self.server)
        for ns in (self.client, self.server):
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        for ip in lay.client_ips:
            sh("ip", "-n", self.client, "addr", "add", f"{ip}/24", "dev", lay.client_dev)
        up = ["mtu", str(lay.client_mtu), "up"] if lay.client_mtu else ["up"]
        sh("ip", "-n", self.client, "link", "set", lay.client_dev, *up)
        for ip in lay.server_ips:
            sh("ip", "-n", self.server, "addr", "add", f"{ip}/24", "dev", lay.server_dev)
        sh("ip", "-n", self.server, "link", "set", lay.server_dev, "up")

    def iptables(self, *rule: str) -> None:
        """One iptables rule in the server namespace."""
        sh("ip", "netns", "exec", self.server, "iptables", *rule)

    def start(self, ns: str, cmd: list[str]) -> subprocess.Popen[bytes]:
        """A server process inside a lab namespace, in its own session (stopped by PID)."""
        self._check_namespace(ns)
        proc = subprocess.Popen(["ip", "netns", "exec", ns, *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.pids.append(proc.pid)
        return proc

    def dnsmasq(self, listen: str, *options: str) -> None:
        """dnsmasq in the server namespace, never forwarding (``--no-resolv``), plus ``options``."""
        self.start(self.server, ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", f"--listen-address={listen}", "--bind-interfaces",
                                 *options, f"--pid-file={self.tmp}/dnsmasq.pid", "--log-facility=-"])
        # never a log file outside the lab folder: dnsmasq chowns its log file to the user it drops to
        # (nobody), and --log-facility=/dev/null did exactly that to the machine's /dev/null

    def wait_listening(self, endpoints: list[str], tries: int = 80) -> None:
        """Wait until every ``ip:port`` listens (TCP or UDP) in the server namespace."""
        for _ in range(tries):
            out = self.run(self.server, ["ss", "-ltnu"])
            if all(e in out for e in endpoints):
                return
            time.sleep(0.1)
        raise LabUnavailable(f"{', '.join(endpoints)} did not start listening in the lab")

    def set_resolver(self, server: str) -> None:
        """The client namespace's /etc/resolv.conf (``ip netns exec`` mounts /etc/netns/<ns>/)."""
        self._check_address(server)
        self.netns_dir.mkdir(parents=True, exist_ok=True)
        (self.netns_dir / "resolv.conf").write_text(f"nameserver {server}\noptions timeout:2 attempts:1\n")

    # -- running -----------------------------------------------------------------------------------

    def _check_namespace(self, ns: str) -> None:
        if ns not in (self.client, self.server):
            raise AssertionError(f"refusing to run outside the lab namespaces: {ns}")

    def _check_address(self, ip: str) -> None:
        address = ipaddress.ip_address(ip)
        if address not in self.network and not address.is_loopback:
            raise AssertionError(f"refusing to use a non-lab address {ip}")

    def run(self, ns: str, cmd: list[str], *, targets: tuple[str, ...] = (), timeout: float = 20, stdin: str | None = None) -> str:
        """Run inside a lab namespace; stdout and stderr interleaved, as a terminal shows them."""
        self._check_namespace(ns)
        for t in targets:
            self._check_address(t)
        proc = subprocess.run(["ip", "netns", "exec", ns, *cmd], check=False, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=timeout, env={**os.environ, "LC_ALL": "C"})
        return proc.stdout

    def session(self, prompt: str | None, command: str, step: Step | None = None, timeout: float = 30) -> bytes:
        """Type ``command`` into an interactive bash in the client namespace; every byte shown, from
        the first prompt to the next. ``prompt`` is PS1 (None: bash's own default prompt; "": no
        prompt at all, the session then ends after a fixed wait)."""
        import pexpect  # type: ignore[import-untyped]

        step = step or Step()
        for word in command.replace("/", " ").replace(":", " ").replace("@", " ").split():
            try:
                self._check_address(word)
            except ValueError:
                pass
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TERM": "xterm", "LC_ALL": "C", "HOME": "/root", "INPUTRC": str(self.tmp / "inputrc")}
        if prompt is not None:
            env["PS1"] = prompt
        shown = prompt if prompt is not None else BASH_DEFAULT_PROMPT
        child = pexpect.spawn("ip", ["netns", "exec", self.client, "bash", "--norc", "--noprofile", "-i"], env=env, dimensions=(40, 160),
                              timeout=timeout)
        log = io.BytesIO()
        child.logfile_read = log
        try:
            if shown:
                child.expect_exact(shown)
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
            if shown:
                child.expect_exact(shown, timeout=timeout)
            else:
                time.sleep(1 if step.interrupt_after is not None else 12)
        finally:
            child.sendline("exit")
            child.expect(pexpect.EOF, timeout=15)
            child.close()
        raw: bytes = log.getvalue()
        if shown:
            return raw[: raw.rfind(shown.encode()) + len(shown)]
        cut = raw.find(b"\nexit\r", raw.find(command.encode()[-20:])) + 1
        return raw[:cut] if cut > 0 else raw

    # -- cleaning up -------------------------------------------------------------------------------

    def destroy(self) -> None:
        """Stop the servers by PID, delete the namespaces, the resolver file and the scratch folder."""
        for pid in self.pids:
            try:
                os.killpg(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid in self.pids:
            _reap(pid)
        for ns in (self.client, self.server):
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True, timeout=20)
        shutil.rmtree(self.netns_dir, ignore_errors=True)
        shutil.rmtree(self.tmp, ignore_errors=True)


def _reap(pid: int, wait: float = 10) -> None:
    """Wait for a stopped server (its whole session is killed if it outlives ``wait`` seconds)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done:
            return
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            deadline = float("inf")
        time.sleep(0.05)
