"""Bad fact files: one located line on stderr, exit 2, never a traceback."""

from __future__ import annotations

import json

import pytest

from podnet import FactFileError, diagnose, load_facts
from podnet.facts.conflicts import find_conflicts
from tests.conftest import EXAMPLES, run_podnet

GOOD = json.loads((EXAMPLES / "clusterip-dual-address.json").read_text())


def _with(**changes):
    data = json.loads(json.dumps(GOOD))
    for path, value in changes.items():
        node = data
        parts = path.split("__")
        for p in parts[:-1]:
            node = node[int(p)] if p.isdigit() else node[p]
        last = parts[-1]
        node[int(last) if last.isdigit() else last] = value
    return json.dumps(data)


CASES = [
    ("malformed JSON", '{"case": {"id": "x"},\n "endpoints": [}', "E-FACTS-JSON", ":2:"),
    ("empty file", "", "E-FACTS-EMPTY", "f.json"),
    ("whitespace only", "  \n\n", "E-FACTS-EMPTY", "f.json"),
    ("not an object", "[1, 2]", "E-FACTS-SCHEMA", "$"),
    ("wrong type", _with(observations__0__port="five thousand"), "E-FACTS-SCHEMA", "$.observations[0].port"),
    ("bad enum", _with(observations__0__result="timed-out"), "E-FACTS-SCHEMA", "$.observations[0].result"),
    ("unknown kind", _with(observations__3__kind="kubeproxy"), "E-FACTS-KIND", "did you mean 'kube_proxy'"),
    ("unknown field", _with(observations__1__colour="red"), "E-FACTS-SCHEMA", "$.observations[1].colour"),
    ("bad IP", _with(observations__0__target="10.233.0.999"), "E-FACTS-SCHEMA", "$.observations[0].target"),
    ("missing endpoints", json.dumps({"case": {"id": "x"}}), "E-FACTS-SCHEMA", "$.endpoints"),
    ("ping result contradicts loss", _with(observations=[{"kind": "ping", "at": "source_node", "target": "10.233.0.100", "result": "ok", "loss_percent": 100}]), "E-FACTS-SCHEMA", "$.observations[0]"),
    ("not UTF-8", "\udcff", "E-FACTS-JSON", "UTF-8"),
]


@pytest.mark.parametrize("name,text,code,where", CASES, ids=[c[0] for c in CASES])
def test_bad_fact_file(tmp_path, name, text, code, where):
    f = tmp_path / "f.json"
    f.write_bytes(text.encode("utf-8", "surrogateescape"))
    r = run_podnet("diagnose", str(f))
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert code in lines[0] and where in lines[0], lines[0]
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_missing_file():
    r = run_podnet("diagnose", "/nonexistent/case.json")
    assert r.returncode == 2 and "E-FACTS-MISSING /nonexistent/case.json" in r.stderr


def test_huge_file_refused_before_reading(tmp_path):
    f = tmp_path / "big.json"
    with open(f, "wb") as fh:
        fh.seek(50 * 1024 * 1024)
        fh.write(b"}")
    r = run_podnet("diagnose", str(f))
    assert r.returncode == 2
    assert "E-FACTS-SIZE" in r.stderr and "big.json" in r.stderr


def test_huge_stdin_refused():
    r = run_podnet("diagnose", "-", stdin=" " * (9 * 1024 * 1024))
    assert r.returncode == 2 and "E-FACTS-SIZE <stdin>" in r.stderr


def test_contradiction_is_a_warning_and_strict_makes_it_an_error(tmp_path):
    data = json.loads(json.dumps(GOOD))
    data["observations"].append(dict(data["observations"][1], result="timeout"))
    f = tmp_path / "c.json"
    f.write_text(json.dumps(data))
    d = diagnose(load_facts(f))
    assert [w.code for w in d.warnings] == ["W-FACTS-CONFLICT"]
    assert "$.observations[1]" in d.warnings[0].location and "$.observations[12]" in d.warnings[0].location
    assert d.causes[0].id == "node_dual_address_vxlan"
    # the contradictory Pod-IP probes are left out, so the finding they would support is gone
    assert "clusterip_fails_pod_ip_works" not in {s.id for s in d.findings}
    r = run_podnet("diagnose", str(f), "--strict")
    assert r.returncode == 2 and "E-FACTS-CONFLICT" in r.stderr


def test_a_lookup_over_tcp_and_one_over_udp_are_two_probes_not_a_contradiction():
    """dig +tcp answering while plain dig to the same server times out is the UDP 53 filter's mark,
    not a contradiction; the same transport twice with opposite results still is."""
    def lookup(**extra):
        return {"kind": "dns_lookup", "at": "source_pod", "name": "web.default.svc.cluster.local", "server": "198.19.0.10", **extra}

    base = {"case": {"id": "tcp-udp"}, "endpoints": {"source": {"kind": "pod"}, "destination": {"kind": "service", "ip": "198.19.0.80"}}}
    mixed = load_facts(dict(base, observations=[lookup(result="ok", transport="tcp"), lookup(result="timeout")]))
    assert find_conflicts(mixed) == []
    same = load_facts(dict(base, observations=[lookup(result="ok", transport="udp"), lookup(result="timeout")]))
    assert [c.probe for c in find_conflicts(same)] and len(find_conflicts(same)[0].paths) == 2


def test_library_raises_typed_error_with_location():
    with pytest.raises(FactFileError) as info:
        load_facts({"case": {"id": "x"}, "endpoints": {"source": {"kind": "pod"}, "destination": {"kind": "moon"}}})
    assert info.value.exit_code == 2
    assert "$.endpoints.destination.kind" in info.value.one_line()
