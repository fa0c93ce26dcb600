"""End to end on a real network: inject a fault, ``podnet collect`` inside the lab, diagnose, check the rank.

Needs root and the packages in .ci/apt-packages.txt; without them every test here FAILS (see
conftest.require_lab). Every lab is removed after its test, also when the test fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from . import scenarios as sc
from . import topology as t


def _explain(outcome: sc.Outcome) -> str:
    interesting = [
        {k: v for k, v in o.items() if k not in ("note", "host")}
        for o in outcome.facts["observations"]
        if o["kind"] not in ("interface_mtu", "pod_dns_config", "resource_pressure")
    ]
    return (f"\nscenario {outcome.scenario.name}: expected {outcome.scenario.expected}, got {outcome.causes}"
            f"\nwarnings: {outcome.warnings}\nfacts:\n" + "\n".join(json.dumps(o) for o in interesting))


def _roles(outcome: sc.Outcome) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for o in outcome.facts["observations"]:
        out.setdefault(o["host"], set()).add(o["at"])
    return out


@pytest.mark.parametrize("scenario", sc.SCENARIOS, ids=[s.name for s in sc.SCENARIOS])
def test_injected_cause_ranks_first(lab, scenario: sc.Scenario) -> None:
    """The default invocation (every namespace, no --as, no ranges or DNS IP given) names the fault first."""
    sc.set_up(scenario)
    outcome = sc.collect_and_diagnose(scenario)
    assert not outcome.warnings, outcome.warnings  # every probe could observe: root, all tools present
    if scenario.expected is None:
        assert outcome.causes == [], _explain(outcome)
    else:
        assert outcome.causes, _explain(outcome)
        assert outcome.causes[0][0] == scenario.expected, _explain(outcome)
    # roles from addresses: the Pod behind the Service and its node are the destination side,
    # the DNS Pod is off the path; the source is the vantage point whose probe failed
    roles = _roles(outcome)
    assert roles[t.WEB] == {"destination_pod"} and roles[t.NODE2] == {"destination_node"}, roles
    assert t.DNS not in roles, roles
    source = scenario.source or t.CLIENT
    assert roles[source] == {"source_pod" if source == t.CLIENT else "source_node"}, roles
    assert outcome.facts["cluster"]["dns_service_ip"] == t.DNS_SERVICE_IP
    assert outcome.facts["cluster"]["pod_cidr"] == t.CLUSTER_CIDR


@pytest.mark.parametrize("scenario", sc.SCENARIOS, ids=[s.name for s in sc.SCENARIOS])
def test_transcript_agrees(lab, scenario: sc.Scenario) -> None:
    """The scenario's terminal transcript (prompts naming the hosts, no hints) diagnosed with
    ``podnet diagnose --raw`` names the same fault first as the live collection."""
    from .transcript import record

    sc.set_up(scenario)
    text = record(sc.ALL_VANTAGES)
    outcome = sc.diagnose_transcript(scenario, text)
    if scenario.expected is None:
        assert outcome.causes == [], outcome.causes
    else:
        assert outcome.causes and outcome.causes[0][0] == scenario.expected, (outcome.causes, text[-3000:])


def _podnet(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "podnet", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_cli_collect_then_diagnose_the_written_file(lab, tmp_path: Path) -> None:
    """The documented command line: a fact file from several namespaces that `podnet diagnose` accepts."""
    scenario = sc.BY_NAME["app-bound-loopback"]
    sc.set_up(scenario)
    out = tmp_path / "facts.json"
    proc = _podnet("collect", *scenario.collect_args(), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    facts = json.loads(out.read_text())
    hosts = {o["host"] for o in facts["observations"]}
    assert hosts == {t.CLIENT, t.NODE1, t.WEB}
    assert facts["endpoints"]["destination"]["backends"] == [{"ip": t.WEB_POD.ip, "port": 80}]
    listening = [o for o in facts["observations"] if o["kind"] == "listening_sockets"]
    # the reading of /proc/thread-self/net/tcp is the record `ss -ltn` gives, placed by the ingest assembly
    assert listening == [{"at": "destination_pod", "host": t.WEB, "note": "ss -ltn (/proc/net/tcp:1)", "source_line": "/proc/net/tcp:1",
                          "kind": "listening_sockets", "port": 80, "listening": True, "addresses": ["127.0.0.1"]}]
    diag = _podnet("diagnose", str(out), "--format", "json")
    assert diag.returncode == 0, diag.stdout + diag.stderr
    assert json.loads(diag.stdout)["causes"][0]["id"] == "app_bound_loopback"


def test_cli_diagnose_on_the_healthy_lab_names_no_cause(lab) -> None:
    sc.set_up(sc.BY_NAME["healthy"])
    proc = _podnet("collect", *sc.BY_NAME["healthy"].collect_args(), "--diagnose", "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # exit 1 = no cause named
    assert json.loads(proc.stdout)["causes"] == []


def test_missing_tools_are_stated_gaps_not_crashes(lab, tmp_path: Path) -> None:
    """Without ping and iptables-save on PATH the run still works and says what it could not observe."""
    sc.set_up(sc.BY_NAME["healthy"])
    bare = tmp_path / "bin"
    bare.mkdir()
    out = tmp_path / "facts.json"
    args = [*sc.BY_NAME["healthy"].collect_args(), "--backend", f"{t.WEB_POD.ip}:80"]  # iptables-save cannot tell it
    proc = _podnet("collect", *args, "--out", str(out), env={"PATH": str(bare)})
    assert proc.returncode == 0, proc.stderr
    facts = json.loads(out.read_text())
    assert {"ping", "mtu_probe", "service_rules", "firewall"} <= set(facts["unobservable"])
    assert "could not observe ping" in proc.stderr and "ping is not installed" in proc.stderr
    kinds = {o["kind"] for o in facts["observations"]}
    assert {"tcp_connect", "dns_lookup", "interface_mtu", "route"} <= kinds  # sockets, dnspython, netlink still work


def test_refuses_lab_addresses_from_the_machines_own_namespace() -> None:
    proc = _podnet("collect", "--to", f"{t.WEB_SERVICE_IP}:80")
    assert proc.returncode == 2
    assert "refusing to probe 198.18.128.10" in proc.stderr and "Traceback" not in proc.stderr


def test_teardown_leaves_nothing_behind(lab) -> None:
    state = sc.set_up(sc.BY_NAME["healthy"])
    pids = list(state.pids.values())
    assert len(pids) == 2 and all(Path(f"/proc/{pid}").exists() for pid in pids)
    t.teardown()
    t.teardown()  # idempotent
    with t.locked():  # no other process may build a lab while we look
        assert t.lab_namespaces() == []
        assert not list(Path("/etc/netns").glob(t.PREFIX + "*"))
    assert not any(Path(f"/proc/{pid}").exists() and Path(f"/proc/{pid}/cmdline").read_bytes() for pid in pids)


def test_a_test_failing_midway_leaves_no_lab_behind(tmp_path: Path) -> None:
    """A test that dies with the lab up (and its servers running) still leaves nothing behind."""
    from .conftest import require_lab

    require_lab()
    root = Path(__file__).resolve().parents[2]
    (tmp_path / "conftest.py").write_text("from tests.lab.conftest import lab  # noqa: F401\n")
    (tmp_path / "test_dies.py").write_text(
        "from tests.lab import scenarios as sc\n"
        "def test_dies(lab):\n"
        "    state = sc.set_up(sc.BY_NAME['dns-server-down'])\n"
        "    open('pids', 'w').write(' '.join(map(str, state.pids.values())))\n"
        "    raise RuntimeError('boom')\n"
    )
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_dies.py")],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert proc.returncode == 1 and "RuntimeError: boom" in proc.stdout, proc.stdout[-2000:]
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    assert pids and not any(Path(f"/proc/{p}/cmdline").exists() and Path(f"/proc/{p}/cmdline").read_bytes() for p in pids)
    with t.locked():  # no other process may build a lab while we look
        assert t.lab_namespaces() == []
        assert not list(Path("/etc/netns").glob(t.PREFIX + "*"))
