"""A module inventory across the cluster's nodes answers the module question (kernel_modules@other_node).

kubernetes/kops#4323 (held-out round 9; TUNED on after its one run) and #4391: random ClusterIP timeouts,
and the reporter's inventory showed br_netfilter on some nodes only; which node the client Pod ran on
was not said, so the question about the source's node had no answer, and triage never got to the
evidence the rule engine reads (0.85 on the full file).
"""

from __future__ import annotations

from podnet import diagnose
from podnet.triage.session import TriageSession


def _session() -> TriageSession:
    s = TriageSession.start("other", case_id="t", summary="Random TCP timeouts when accessing SVCs intra-cluster using ClusterIP")
    s.provide("source_kind", "pod")
    s.provide("destination_kind", "service")
    return s


def test_missing_on_some_nodes_and_intermittent_service_names_br_netfilter() -> None:
    s = _session()
    assert "the cluster's other nodes" in s.observation_prompt("kernel_modules@other_node").text
    s.record("kernel_modules", "other_node", "no_br_netfilter")
    s.record("reachability", "source_pod", "intermittent")
    top = s.ranking().beliefs[0]
    assert top.id == "br_netfilter_off" and top.posterior >= 0.8
    d = diagnose(s.facts)
    assert d.top is not None and d.top.id == "br_netfilter_off" and d.top.confidence >= 0.8


def test_near_miss_loaded_everywhere() -> None:
    s = _session()
    s.record("kernel_modules", "other_node", "loaded")
    s.record("reachability", "source_pod", "intermittent")
    assert s.ranking().beliefs[0].id != "br_netfilter_off"
    assert all(c.id != "br_netfilter_off" or c.confidence < 0.5 for c in diagnose(s.facts).causes)
