"""A CNI log line saying a node has no PodCIDR counts as that node's ``pod_cidr`` reading, in a fact
file as in a pasted log (kubernetes/community#5339: flannel's 'node "X" pod cidr not assigned' alone)."""

from __future__ import annotations

from podnet import diagnose
from podnet.facts.model import FactFile

FLANNEL = 'E0613 09:03:38.016872 1 main.go:280] Error registering network: failed to acquire lease: node "node-a" pod cidr not assigned'


def _facts(*observations: dict) -> FactFile:
    return FactFile.model_validate({
        "case": {"id": "pod-cidr-from-log"},
        "cluster": {"cni": "flannel", "mode": "vxlan"},
        "endpoints": {"source": {"kind": "pod"}, "destination": {"kind": "pod"}},
        "observations": list(observations),
    })


def _evidence(d, cause: str) -> list[tuple[str, list[str]]]:
    found = next((c for c in list(d.causes) + list(d.ruled_out) if c.id == cause), None)
    return [(e.rule, list(e.observations)) for e in found.evidence] if found else []


def test_flannel_log_alone_reads_as_the_node_without_pod_cidr() -> None:
    d = diagnose(_facts({"kind": "cni_pods", "at": "source_node", "plugin": "flannel", "node_pod_status": "crashloop", "errors": [FLANNEL]}))
    top = {c.id for c in d.causes[:2]}
    assert top == {"pod_cidr_unassigned", "node_podcidr_not_allocated"}, [(c.id, c.confidence) for c in d.causes]
    # the evidence points at the CNI observation the reading came from, not at an index the file lacks
    assert ("pod-cidr-not-assigned", ["$.observations[0]"]) in _evidence(d, "pod_cidr_unassigned")
    # the plugin's failure is the consequence of the missing range
    assert "cni_plugin_fault" not in top


def test_near_miss_the_node_has_a_pod_cidr_reading_already() -> None:
    d = diagnose(_facts(
        {"kind": "cni_pods", "at": "source_node", "plugin": "flannel", "node_pod_status": "crashloop", "errors": [FLANNEL]},
        {"kind": "pod_cidr", "at": "control_plane", "node": "node-a", "pod_cidr": "198.18.1.0/24"},
    ))
    # the stated range stands: no second, contradicting reading is made up from the log
    assert "pod_cidr_unassigned" not in {c.id for c in d.causes}


def test_near_miss_another_flannel_error() -> None:
    other = "E0613 09:03:38.016872 1 main.go:231] Failed to create SubnetManager: error retrieving pod spec: connection refused"
    d = diagnose(_facts({"kind": "cni_pods", "at": "source_node", "plugin": "flannel", "node_pod_status": "crashloop", "errors": [other]}))
    assert not {"pod_cidr_unassigned", "node_podcidr_not_allocated"} & {c.id for c in d.causes}
