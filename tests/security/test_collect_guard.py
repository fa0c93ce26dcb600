"""Issue 18 part 3: the collect guard holds.

Hidden IPv4 forms of lab addresses are refused like the plain ones; ``--netns`` takes names only
and ``--netns-path`` only a network namespace file (a FIFO never blocks); Ctrl-C and SIGTERM end a
run whose probes hang, at once, and leave no child behind. The namespace tests build their own
namespaces (unique names, 198.18.0.0/15 only) and remove them; they fail loudly without root.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from podnet.collect.safety import embedded_ipv4, in_lab_range, normalise
from podnet.collect.targets import parse_ip, parse_target
from podnet.errors import UsageError

from ..conftest import ROOT, run_podnet
from ..labpolicy import require_lab

HIDDEN_LAB_FORMS = [
    "::ffff:198.18.0.5",  # IPv4-mapped
    "::ffff:c612:5",  # the same, in hex
    "::198.18.0.5",  # IPv4-compatible
    "::ffff:0:198.18.0.5",  # IPv4-translated (SIIT)
    "2002:c612:0005::",  # 6to4
    "2002:c612:5:1::1",  # 6to4, another host of the same site
    "2001:0:4136:e378:8000:63bf:39ed:fffa",  # Teredo: client 198.18.0.5 (obfuscated)
    "64:ff9b::198.18.0.5",  # NAT64 well-known prefix
    "64:ff9b:1::c612:5",  # NAT64 local-use prefix
    "fe80::5efe:c612:5",  # ISATAP
]


def _one_line_error(proc: subprocess.CompletedProcess[str], code: int, location: str) -> str:
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("podnet: warning:")]
    assert proc.returncode == code, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"podnet: E-USAGE {location}:"), lines[0]
    assert "Traceback" not in proc.stderr and "BrokenThreadPool" not in proc.stderr
    return lines[0]


# -- addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HIDDEN_LAB_FORMS)
def test_every_hidden_ipv4_form_of_a_lab_address_is_in_the_lab_range(text: str) -> None:
    assert in_lab_range(text)
    assert "198.18.0.5" in {str(a) for a in embedded_ipv4(__import__("ipaddress").ip_address(text))}


@pytest.mark.parametrize("text", ["::1", "::", "fd00::1", "2001:db8::c612:5", "2002:0a00:0001::", "198.20.0.1", "10.0.0.1"])
def test_addresses_outside_the_lab_are_not_mistaken_for_it(text: str) -> None:
    assert not in_lab_range(text)


def test_a_mapped_address_becomes_its_ipv4_address_everywhere_it_is_parsed() -> None:
    assert normalise("::ffff:198.18.0.5") == "198.18.0.5"
    assert parse_target("[::ffff:198.18.0.5]:80") == parse_target("198.18.0.5:80")
    assert parse_ip(" ::FFFF:10.96.0.10 ", "--dns-server") == "10.96.0.10"
    assert str(parse_target("[fd00::1]:443")) == "[fd00::1]:443"


@pytest.mark.parametrize("text", ["fe80::1%$(touch x)", "fe80::1%eth0;id", "fe80::1%", "fe80::1%..", "fe80::1%a b"])
def test_a_zone_id_must_be_an_interface_name(text: str) -> None:
    with pytest.raises(UsageError, match="zone id"):
        parse_ip(text, "--dns-server")
    with pytest.raises(UsageError):
        parse_target(f"[{text}]:80")
    assert parse_ip("fe80::1%eth0", "--dns-server") == "fe80::1%eth0"


@pytest.mark.parametrize("target", ["198.18.0.5:80", "[::ffff:198.18.0.5]:80", "::198.18.0.5", "[2002:c612:0005::]:80",
                                    "64:ff9b::198.18.0.5", "[2001:0:4136:e378:8000:63bf:39ed:fffa]:443"])
def test_collect_refuses_a_lab_address_in_any_form_from_the_machines_own_namespace(target: str) -> None:
    proc = run_podnet("collect", "--to", target, "--timeout", "1")
    line = _one_line_error(proc, 2, "--to")
    assert "lab range" in line


@pytest.mark.parametrize("option", ["--dns-server", "--cluster-dns"])
def test_collect_refuses_a_hidden_lab_dns_server(option: str) -> None:
    proc = run_podnet("collect", "--name", "web.default.svc.cluster.local", option, "::ffff:198.18.0.53", "--timeout", "1")
    assert "lab range" in _one_line_error(proc, 2, option)


def test_a_dns_server_with_a_port_or_a_payload_is_refused() -> None:
    _one_line_error(run_podnet("collect", "--name", "x", "--dns-server", "10.0.0.1:53"), 2, "--dns-server")
    _one_line_error(run_podnet("collect", "--name", "x", "--dns-server", "fe80::1%$(id)"), 2, "--dns-server")


# -- namespaces: names and files ---------------------------------------------------------------


def _require_root() -> None:
    """Namespace tests: fail as root (CI), skipped otherwise (tests/labpolicy.py)."""
    require_lab()


@pytest.mark.parametrize("name", ["", ".", "..", "../../proc/1/ns/net", "/proc/self/ns/net", "a/b", "a\nb", "x" * 256])
def test_netns_takes_names_only(name: str) -> None:
    _require_root()
    proc = run_podnet("collect", "--netns", name, "--to", "198.18.0.5:80", "--timeout", "1")
    _one_line_error(proc, 2, "--netns")


@pytest.mark.parametrize("kind", ["fifo", "regular"])
def test_a_name_under_run_netns_that_is_not_a_namespace_is_refused_without_blocking(kind: str) -> None:
    _require_root()
    name = f"podnet-sec-{kind}-{uuid.uuid4().hex[:8]}"
    path = Path("/run/netns") / name
    path.parent.mkdir(exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.write_text("")
    try:
        proc = run_podnet("collect", "--netns", name, "--to", "198.18.0.5:80", "--timeout", "1")
    finally:
        path.unlink()
    _one_line_error(proc, 2, "--netns")


@pytest.fixture
def odd_files(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    regular = tmp_path / "regular"
    regular.write_text("not a namespace\n")
    link = tmp_path / "link-to-fifo"
    link.symlink_to(fifo)
    return {"fifo": fifo, "regular": regular, "directory": tmp_path, "link": link, "missing": tmp_path / "missing"}


@pytest.mark.parametrize("which", ["fifo", "regular", "directory", "link", "missing"])
def test_netns_path_must_be_a_namespace_file_and_a_fifo_never_blocks(odd_files: dict[str, Path], which: str) -> None:
    _require_root()
    proc = run_podnet("collect", "--netns-path", str(odd_files[which]), "--to", "198.18.0.5:80", "--timeout", "1")
    _one_line_error(proc, 2, "--netns-path")  # run_podnet's own 120 s timeout is the hang guard


@pytest.mark.parametrize("path,message", [("", "empty"), ("/proc/self/ns/mnt", "not a network namespace"), ("/proc/self/ns/uts", "not a network namespace")])
def test_netns_path_refuses_other_namespace_kinds(path: str, message: str) -> None:
    _require_root()
    proc = run_podnet("collect", "--netns-path", path, "--to", "198.18.0.5:80", "--timeout", "1")
    assert message in _one_line_error(proc, 2, "--netns-path")


def test_netns_path_to_the_machines_own_namespace_is_still_guarded() -> None:
    _require_root()
    proc = run_podnet("collect", "--netns-path", "/proc/self/ns/net", "--to", "[::ffff:198.18.0.5]:80", "--timeout", "1")
    assert "lab range" in _one_line_error(proc, 2, "--to")


def _ns(*cmd: str) -> None:
    subprocess.run(list(cmd), check=True, capture_output=True, timeout=30)


@pytest.fixture
def lab_pair() -> Iterator[tuple[str, str]]:
    """Two namespaces joined by a veth pair: client 198.18.0.2, server 198.18.0.5 (which drops all input)."""
    _require_root()
    tag = uuid.uuid4().hex[:8]
    client, server = f"podnet-sec-c-{tag}", f"podnet-sec-s-{tag}"
    try:
        _ns("ip", "netns", "add", client)
        _ns("ip", "netns", "add", server)
        _ns("ip", "-n", client, "link", "set", "lo", "up")
        _ns("ip", "-n", client, "link", "add", "e0", "type", "veth", "peer", "name", "e1", "netns", server)
        _ns("ip", "-n", client, "addr", "add", "198.18.0.2/24", "dev", "e0")
        _ns("ip", "-n", client, "link", "set", "e0", "up")
        _ns("ip", "-n", server, "addr", "add", "198.18.0.5/24", "dev", "e1")
        _ns("ip", "-n", server, "link", "set", "e1", "up")
        yield client, server
    finally:
        for name in (client, server):
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)


def test_netns_path_enters_a_real_namespace(lab_pair: tuple[str, str]) -> None:
    client, _server = lab_pair
    proc = run_podnet("collect", "--netns-path", f"/run/netns/{client}", "--as", "source_pod", "--to", "198.18.0.5:80", "--timeout", "2")
    assert proc.returncode == 0, proc.stderr
    import json

    facts = json.loads(proc.stdout)
    tcp = [o for o in facts["observations"] if o["kind"] == "tcp_connect"]
    assert [(o["target"], o["port"], o["result"]) for o in tcp] == [("198.18.0.5", 80, "refused")]
    assert {o["host"] for o in tcp} == {client}  # the namespace file's name, a DNS-1123 host


def test_netns_name_and_mapped_target_reach_the_lab_from_inside(lab_pair: tuple[str, str]) -> None:
    client, _server = lab_pair
    proc = run_podnet("collect", "--netns", client, "--as", "source_pod", "--to", "[::ffff:198.18.0.5]:80", "--timeout", "2")
    assert proc.returncode == 0, proc.stderr
    assert '"target": "198.18.0.5"' in proc.stdout


# -- interrupts ----------------------------------------------------------------------------


def _children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.add(int(entry.name))
    return out


@pytest.fixture
def hanging_ping(tmp_path: Path) -> Path:
    """A ``ping`` that hangs like one waiting on a dead path (a child to be killed)."""
    stub = tmp_path / "bin"
    stub.mkdir()
    (stub / "ping").write_text("#!/bin/sh\nexec sleep 60\n")
    (stub / "ping").chmod(0o755)
    return stub


@pytest.mark.parametrize("sig,code,word", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_an_interrupt_ends_hanging_probes_at_once_and_kills_every_child(
    lab_pair: tuple[str, str], hanging_ping: Path, sig: int, code: int, word: str
) -> None:
    client, server = lab_pair
    _ns("ip", "netns", "exec", server, "iptables", "-A", "INPUT", "-j", "DROP")  # TCP connect hangs for --timeout
    env = dict(os.environ, PATH=f"{hanging_ping}:{os.environ['PATH']}", PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "podnet", "collect", "--netns", client, "--as", "source_pod", "--to", "198.18.0.5:80", "--timeout", "20"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env,
        # a child inherits an ignored SIGINT (Python then keeps it ignored): give it the default, as a shell does
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        kids: set[int] = set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(kids) < 2:  # the ping and DF-sweep stubs
            time.sleep(0.1)
            kids |= _children(proc.pid)
        assert kids, "no probe child started"
        time.sleep(0.3)
        started = time.monotonic()
        proc.send_signal(sig)
        _out, err = proc.communicate(timeout=10)  # the hang guard: the probes would take 20 s
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    print(f"{signal.Signals(sig).name}: exit after {took:.2f} s, {len(kids)} children")
    assert proc.returncode == code, err
    assert err.strip().splitlines()[-1] == f"podnet: {word}"
    assert "Traceback" not in err
    left = [k for k in kids if Path(f"/proc/{k}").exists()]
    assert left == [], f"children left behind: {left}"
