"""A value of the cluster the customer knows offhand (where the nodes run, the CNI's mode, kube-proxy's
mode) is asked before any check when one of its choices alone would confirm a cause with the evidence
in hand: Pods failing across Azure VMs make Calico's mode worth asking first (IPIP is not carried
there), and nothing else is asked that way when no choice confirms anything."""

from __future__ import annotations

from podnet.triage.needs import _confirming_values
from podnet.triage.session import TriageSession


def _session(summary: str, platform_known: bool = True) -> TriageSession:
    s = TriageSession.start("network_unreachable", case_id="confirm", summary=summary)
    for slot, value in {"source_kind": "pod", "destination_kind": "pod", "destination": "198.18.2.20:8080", "cni": "calico"}.items():
        s.provide(slot, value)
    s.record("reachability", "source_pod", "failed")
    return s


def test_the_cni_mode_is_asked_first_when_ipip_would_confirm_azures_missing_protocol() -> None:
    s = _session("Pods on Azure VMs cannot reach Pods on other nodes")
    assert s.head["cluster"]["platform"] == "azure"  # from the sentence
    p = s.current_question()
    assert p is not None and p.key == "context:cni_mode"
    s.provide("cni_mode", "ipip")
    d = s.diagnosis()
    assert d.causes and d.causes[0].id == "cloud_firewall_overlay_blocked" and d.causes[0].confidence >= 0.8


def test_near_miss_on_gce_no_mode_confirms_anything_so_it_is_not_asked_first() -> None:
    s = _session("Pods on GCE VMs cannot reach Pods on other nodes")
    assert s.head["cluster"]["platform"] == "gcp"
    p = s.current_question()
    assert p is not None and p.key != "context:cni_mode"


def test_the_trial_values_come_from_decisive_rules_only() -> None:
    values = _confirming_values(())
    assert ("cloud_firewall_overlay_blocked", "ipip") in values["cni_mode"]
    assert ("cloud_firewall_overlay_blocked", "azure") in values["platform"]
    # the circumstantial cloud-VM rule names aws, gcp...: no trial of them
    assert not any(v in ("aws", "gcp") for _, v in values.get("platform", ()))
