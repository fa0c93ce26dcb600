"""Bridge ports' hairpin_mode read from sysfs, as a real kernel prints it (a bridge built in a
network namespace of this test), and diagnosed with a backend calling its own Service."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from podnet import diagnose
from podnet.inputs.ingest import ingest

from ..labpolicy import lab_unavailable

NS = f"podnet-hairpin-{os.getpid()}"
LOOP = "for f in /sys/class/net/*/brif/*/hairpin_mode; do printf '%s %s\\n' \"$f\" \"$(cat \"$f\")\"; done"


def _run(*argv: str) -> str:
    return subprocess.run(["ip", "netns", "exec", NS, *argv], capture_output=True, text=True, timeout=20, check=True).stdout


@pytest.fixture(scope="module")
def bridge() -> Iterator[None]:
    """cni0 with two Pod ports: vethaaa hairpin off, vethbbb off, in a namespace of this test."""
    try:
        subprocess.run(["ip", "netns", "add", NS], check=True, capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as exc:
        lab_unavailable(f"hairpin lab: {exc}")
    try:
        for cmd in (["ip", "link", "add", "cni0", "type", "bridge"],
                    ["ip", "link", "add", "vethaaa", "type", "veth", "peer", "name", "eth0a"],
                    ["ip", "link", "add", "vethbbb", "type", "veth", "peer", "name", "eth0b"],
                    ["ip", "link", "set", "vethaaa", "master", "cni0"],
                    ["ip", "link", "set", "vethbbb", "master", "cni0"]):
            _run(*cmd)
        yield
    finally:
        subprocess.run(["ip", "netns", "del", NS], capture_output=True, timeout=20, check=False)


def _case(tmp_path: Path, text: str) -> dict:
    (tmp_path / "t.txt").write_text(text)
    ctx = {"case": {"id": "hairpin"},
           "endpoints": {"source": {"kind": "pod", "name": "web-0", "namespace": "shop", "ip": "198.18.1.10", "node": "node-a"},
                         "destination": {"kind": "service", "name": "web", "namespace": "shop", "ip": "198.18.128.20", "port": 80,
                                         "backends": [{"ip": "198.18.1.10", "port": 8080, "pod": "web-0", "node": "node-a"}]}}}
    return {"result": ingest(tmp_path / "t.txt", ctx)}


def test_hairpin_off_read_from_sysfs_and_diagnosed(bridge: None, tmp_path: Path) -> None:
    grep = _run("sh", "-c", "grep -H . /sys/class/net/*/brif/*/hairpin_mode")
    assert "/brif/vethaaa/hairpin_mode:0" in grep  # the kernel's own default for a new port
    text = (f"[root@node-a ~]# grep -H . /sys/class/net/*/brif/*/hairpin_mode\n{grep}"
            "[root@node-a ~]# exit\n/ # nc -zv -w 3 198.18.128.20 80\nnc: 198.18.128.20 (198.18.128.20:80): Operation timed out\n")
    result = _case(tmp_path, text)["result"]
    [port] = [o for o in result.facts.observations if o.kind == "bridge_port"]
    assert (port.bridge, port.hairpin, port.at) == ("cni0", False, "source_node")
    d = diagnose(result.facts)
    assert d.causes and d.causes[0].id == "hairpin_mode_off", [(c.id, c.confidence) for c in d.causes]


def test_hairpin_on_from_the_loop_podnet_prints_rules_it_out(bridge: None, tmp_path: Path) -> None:
    """Near miss: hairpin switched on for every port (as the CNI's hairpinMode does)."""
    _run("sh", "-c", "for f in /sys/class/net/cni0/brif/*/hairpin_mode; do echo 1 > \"$f\"; done")
    out = _run("sh", "-c", LOOP)
    assert out.count(" 1") == 2, out
    result = _case(tmp_path, f"[root@node-a ~]# {LOOP}\n{out}")["result"]
    [port] = [o for o in result.facts.observations if o.kind == "bridge_port"]
    assert port.hairpin is True
    d = diagnose(result.facts)
    assert all(c.id != "hairpin_mode_off" for c in d.causes)
