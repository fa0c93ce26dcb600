"""The engine: compiled once, reused safely, deterministic; confidences combine order-independently."""

from __future__ import annotations

import itertools
import json
from concurrent.futures import ThreadPoolExecutor

from podnet import diagnose, load_facts
from podnet.reasoning.confidence import combine
from podnet.reasoning.diagnose import get_reasoner
from tests.conftest import EXAMPLES

CASE = EXAMPLES / "clusterip-dual-address.json"


def test_combine_is_order_independent_and_bounded():
    weights = [0.7, 0.5, -0.6, 0.3, -0.2]
    values = {round(combine(p), 12) for p in itertools.permutations(weights)}
    assert len(values) == 1
    v = values.pop()
    assert -1 <= v <= 1
    assert combine([0.7]) == 0.7 and combine([-0.5]) == -0.5
    assert combine([0.5, 0.5]) == 0.75
    assert combine([1.0, -1.0]) == 0.0
    assert combine([0.9, -0.3]) < 0.9


def test_engine_is_built_once_and_reused():
    assert get_reasoner() is get_reasoner()
    first = diagnose(load_facts(CASE)).model_dump()
    for _ in range(20):
        assert diagnose(load_facts(CASE)).model_dump() == first


def test_threads_get_the_same_answers():
    facts = load_facts(CASE)
    expected = diagnose(facts).model_dump_json()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: diagnose(facts).model_dump_json(), range(16)))
    assert set(results) == {expected}


def test_input_is_not_modified():
    facts = load_facts(CASE)
    before = facts.model_dump()
    diagnose(facts)
    assert facts.model_dump() == before


def test_observation_order_does_not_change_the_ranking():
    data = json.loads(CASE.read_text())
    base = diagnose(data).causes
    data["observations"].reverse()
    again = diagnose(data).causes
    assert [(c.id, c.confidence) for c in again] == [(c.id, c.confidence) for c in base]


def test_evidence_points_at_the_observations_it_used():
    d = diagnose(load_facts(CASE))
    top = d.causes[0]
    rules = {e.rule: e for e in top.evidence}
    assert rules["case-vxlan-outer-src-unregistered"].observations == ["$.observations[10]"]
    assert rules["case-nic-unregistered-address"].observations == ["$.observations[11]"]


def test_without_observations_the_report_asks_the_guides_first_checks():
    data = json.loads(CASE.read_text())
    data["observations"] = []
    d = diagnose(data)
    assert d.causes == []
    assert d.next_checks, "nothing to check next"
    assert all(c.command for c in d.next_checks)


def test_plain_diagnosis_does_not_import_networkx():
    import subprocess
    import sys

    code = (
        "import sys, json; from podnet import diagnose, load_facts; "
        "d = json.load(open(sys.argv[1])); d['observations'] = [o for o in d['observations'] if o['kind'] != 'capture']; "
        "diagnose(d); print('networkx' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", code, str(CASE)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"


def test_symptom_without_specific_evidence_lists_the_classes_causes_and_asks():
    facts = {
        "case": {"id": "ping-only"},
        "endpoints": {"source": {"kind": "pod", "name": "client", "namespace": "default", "ip": "198.18.1.10"}, "destination": {"kind": "pod", "ip": "198.18.2.20", "port": 80}},
        "observations": [
            {"kind": "ping", "at": "source_pod", "target": "198.18.2.20", "result": "lost", "loss_percent": 100},
            {"kind": "tcp_connect", "at": "source_pod", "target": "198.18.2.20", "port": 80, "result": "timeout"},
        ],
    }
    d = diagnose(facts)
    assert [s.id for s in d.symptoms] == ["network_unreachable"]
    assert d.causes == []
    possible = [p.id for p in d.possible]
    assert {"iptables_blocks_traffic", "route_missing", "link_failure"} <= set(possible)
    assert all(p.symptom == "network_unreachable" for p in d.possible)
    assert {c.kind for c in d.next_checks} & {"firewall", "route", "link_status"}
