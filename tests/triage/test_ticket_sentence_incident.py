"""From a public ticket's first sentence to its cause, with a customer who answers what the reporter
could check when asked (weaveworks/weave#3465: examples/ticket-weave-debian-buster.json holds the
ticket's paragraph; cni-iptables-backend-weave-buster.json what the reporter found later:
`iptables -V` says nf_tables on the host and legacy in Weave's container)."""

from __future__ import annotations

import json

from podnet.triage.session import TriageSession

from .conftest import ROOT, answer_until_stop


def _sentence() -> str:
    return json.loads((ROOT / "examples" / "ticket-weave-debian-buster.json").read_text())["case"]["summary"]


def _session(backend_answer: str) -> tuple[TriageSession, list[str]]:
    s = TriageSession.start(case_id="weave-3465", summary=_sentence())
    replies = {
        "symptom": "network_unreachable",  # nothing flows at all, not even Pod to Pod on one machine
        "context:source_kind": "pod",
        "context:destination_kind": "pod",
        "reachability@source_pod": "failed",
        "iptables_backend@source_node": backend_answer,
    }
    return s, answer_until_stop(s, replies)


def test_the_reporters_finding_is_asked_early_and_reaches_the_cause():
    s, asked = _session("mismatch")
    # "Debian Buster" in the sentence puts the backend check first (kb/mentions.yaml)
    assert "iptables_backend@source_node" in asked[:5]
    r = s.ranking()
    assert r.confident and r.beliefs[0].id == "iptables_backend_mismatch"
    assert s.diagnosis().top.id == "iptables_backend_mismatch"
    assert len(asked) <= 8


def test_near_miss_same_backend_everywhere_names_no_backend_mismatch():
    s, asked = _session("same")
    assert "iptables_backend@source_node" in asked
    r = s.ranking()
    assert r.beliefs[0].id != "iptables_backend_mismatch"
    assert not (r.confident and r.beliefs[0].id == "iptables_backend_mismatch")
    d = s.diagnosis()
    assert all(c.id != "iptables_backend_mismatch" or c.confidence < 0.5 for c in d.causes)
