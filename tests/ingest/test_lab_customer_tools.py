"""The tools customers paste, run for real in the namespace lab (netlab.py) in every outcome the lab
can produce, and read back: GNU and busybox wget, bash /dev/tcp, host, getent hosts, dig +short,
busybox nc with an HTTP request, curl printing only a body (issue 13).

Pseudo-terminal transcripts of the same tools (with ^C, prompts and CR LF) are in
tests/ingest/corpus/captured and checked by the corpus test; here the output is produced by the
test itself, so a tool upgrade that changes a phrasing shows up.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from podnet.inputs.ingest import parse_runs

from . import netlab
from .netlab import B_DROP, B_IP, DROPPED_PORT, NO_HOST, NO_NET, REFUSED_PORT, WEB_PORT

PROMPT = "[root@lab-a ~]# "


def shell(lab: netlab.Lab, steps: list[tuple[str, tuple[str, ...]]], timeout: float = 30) -> str:
    """Each command line run by bash in namespace a, written as a customer pastes it; a final prompt
    shows the last command finished."""
    parts = [f"{PROMPT}{line}\n{lab.run(lab.a, ['bash', '-c', line], targets=targets, timeout=timeout)}" for line, targets in steps]
    return "".join(parts) + PROMPT + "\n"


def read(tmp_path: Path, text: str) -> tuple[list, list]:
    path = tmp_path / "paste.txt"
    path.write_text(text)
    warnings: list = []
    return parse_runs(path, warnings), warnings


def results(recs: list, kind: str) -> list[tuple]:
    if kind == "tcp_connect":
        return [(r.data["target"] or r.data.get("target_name"), r.data["port"], r.data["result"]) for r in recs if r.type == kind]
    return [(r.data["name"], r.data["result"], r.data["answers"]) for r in recs if r.type == kind]


@pytest.fixture
def resolver(lab: netlab.Lab) -> Iterator[None]:
    """Namespace a resolves with lab-b's dnsmasq (getent reads /etc/resolv.conf): the file lives
    under /etc/netns/<namespace>, which `ip netns exec` mounts, and is removed after the test."""
    folder = Path("/etc/netns") / lab.a
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "resolv.conf").write_text(f"nameserver {B_IP}\noptions timeout:1 attempts:1\n")
    try:
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_gnu_wget_every_outcome(lab: netlab.Lab, tmp_path: Path) -> None:
    recs, _ = read(tmp_path, shell(lab, [
        (f"wget -T 2 -t 1 -O- http://{B_IP}:{WEB_PORT}/", (B_IP,)),
        (f"wget -T 2 -t 1 -O- http://{B_IP}:{WEB_PORT}/missing", (B_IP,)),
        (f"wget -T 2 -t 1 -O- http://{B_IP}:{REFUSED_PORT}/", (B_IP,)),
        (f"wget -T 2 -t 1 -O- http://{B_IP}:{DROPPED_PORT}/", (B_IP,)),
        (f"wget -T 6 -t 1 -O- http://{NO_HOST}:80/", (NO_HOST,)),
        (f"wget -T 2 -t 1 -O- http://{NO_NET}:80/", (NO_NET,)),
    ]))
    assert results(recs, "tcp_connect") == [
        (B_IP, WEB_PORT, "connected"), (B_IP, WEB_PORT, "connected"), (B_IP, REFUSED_PORT, "refused"),
        (B_IP, DROPPED_PORT, "timeout"), (NO_HOST, 80, "no_route"), (NO_NET, 80, "unreachable"),
    ]


def test_busybox_wget_every_outcome(lab: netlab.Lab, tmp_path: Path) -> None:
    # Debian's busybox wget segfaults with -T: timeout(1) bounds the hanging one, as customers do
    recs, warnings = read(tmp_path, shell(lab, [
        (f"busybox wget -O- http://{B_IP}:{WEB_PORT}/", (B_IP,)),
        (f"busybox wget -O- http://{B_IP}:{WEB_PORT}/missing", (B_IP,)),
        (f"busybox wget -O- http://{B_IP}:{REFUSED_PORT}/", (B_IP,)),
        (f"timeout 2 busybox wget -O- http://{B_IP}:{DROPPED_PORT}/; echo exit=$?", (B_IP,)),
        (f"busybox wget -O- http://{NO_HOST}:80/", (NO_HOST,)),
        (f"busybox wget -O- http://{NO_NET}:80/", (NO_NET,)),
    ]))
    assert results(recs, "tcp_connect") == [
        (B_IP, WEB_PORT, "connected"), (B_IP, WEB_PORT, "connected"), (B_IP, REFUSED_PORT, "refused"),
        (B_IP, DROPPED_PORT, "timeout"), (NO_HOST, 80, "no_route"), (NO_NET, 80, "unreachable"),
    ]
    assert "connect_hang_ambiguous" in [w.code for w in warnings]  # busybox says nothing once connected


def test_bash_dev_tcp_every_outcome(lab: netlab.Lab, tmp_path: Path) -> None:
    recs, _ = read(tmp_path, shell(lab, [
        (f"echo > /dev/tcp/{B_IP}/{WEB_PORT}", (B_IP,)),
        (f"echo > /dev/tcp/{B_IP}/{REFUSED_PORT}", (B_IP,)),
        (f"timeout 2 bash -c 'echo > /dev/tcp/{B_IP}/{DROPPED_PORT}'; echo exit=$?", (B_IP,)),
        (f"timeout 6 bash -c 'echo > /dev/tcp/{NO_HOST}/80'; echo exit=$?", (NO_HOST,)),
        (f"echo > /dev/tcp/{NO_NET}/80", (NO_NET,)),
        (f"(echo > /dev/tcp/{B_IP}/{WEB_PORT}) >/dev/null 2>&1 && echo open || echo closed", (B_IP,)),
    ]))
    assert results(recs, "tcp_connect") == [
        (B_IP, WEB_PORT, "connected"), (B_IP, REFUSED_PORT, "refused"), (B_IP, DROPPED_PORT, "timeout"),
        (NO_HOST, 80, "no_route"), (NO_NET, 80, "unreachable"), (B_IP, WEB_PORT, "connected"),
    ]


def test_host_dig_short_and_getent_every_outcome(lab: netlab.Lab, resolver: None, tmp_path: Path) -> None:
    recs, _ = read(tmp_path, shell(lab, [
        (f"host web.example {B_IP}", (B_IP,)),
        (f"host nope.example {B_IP}", (B_IP,)),
        (f"host -W 1 web.example {B_DROP}", (B_DROP,)),
        (f"dig +short @{B_IP} web.example", (B_IP,)),
        (f"dig +short @{B_IP} nope.example", (B_IP,)),
        (f"dig +short +tries=1 +time=1 @{B_DROP} web.example", (B_DROP,)),
        ("getent hosts web.example", (B_IP,)),
        ("getent hosts nope.example", (B_IP,)),
    ]))
    assert results(recs, "dns_lookup") == [
        ("web.example", "ok", ["198.18.200.50"]), ("nope.example", "nxdomain", []), ("web.example", "timeout", []),
        ("web.example", "ok", ["198.18.200.50"]), ("nope.example", "failed", []), ("web.example", "timeout", []),
        ("web.example", "ok", ["198.18.200.50"]), ("nope.example", "failed", []),
    ]
    # host NAME SERVER names its server ("Using domain server"), and so does 9.18's timeout line
    assert [r.data.get("server") for r in recs if r.type == "dns_lookup"][:3] == [B_IP, B_IP, B_DROP]


def test_http_answers_prove_the_connection(lab: netlab.Lab, tmp_path: Path) -> None:
    recs, _ = read(tmp_path, shell(lab, [
        (f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc {B_IP} {WEB_PORT}", (B_IP,)),
        (f"curl -s http://{B_IP}:{WEB_PORT}/", (B_IP,)),
        (f"curl -s -o /dev/null -w '%{{http_code}}\\n' http://{B_IP}:{REFUSED_PORT}/", (B_IP,)),
        (f"curl -sS http://{B_IP}:{REFUSED_PORT}/", (B_IP,)),
    ]))
    assert results(recs, "tcp_connect") == [
        (B_IP, WEB_PORT, "connected"), (B_IP, WEB_PORT, "connected"), (B_IP, REFUSED_PORT, "failed"), (B_IP, REFUSED_PORT, "failed"),
    ]
