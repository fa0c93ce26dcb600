"""``kubectl describe svc`` of a Service with several ports (issue #13): every ``Port:`` block is kept,
with its target port, node port and the endpoints listed under it (before, only the last port was).
The pastes are public (source URL in the ``.yaml`` beside each, tests/ingest/corpus/tune_pastes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podnet.inputs.ingest import parse_runs
from podnet.inputs.model import IngestWarning, Record

TUNE = Path(__file__).resolve().parent / "corpus" / "tune_pastes"
REALWORLD = Path(__file__).resolve().parents[1] / "realworld" / "pastes"


def _records(text: bytes, tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any], list[IngestWarning]]:
    paste = tmp_path / "paste.txt"
    paste.write_bytes(text)
    warnings: list[IngestWarning] = []
    records: list[Record] = parse_runs(paste, warnings)
    [svc] = [s for r in records if r.type == "services" for s in r.data["services"]]
    [eps] = [e for r in records if r.type == "endpoints" for e in r.data["endpoints"]]
    return svc, eps, warnings


def test_every_port_keeps_its_own_endpoints(tmp_path: Path) -> None:
    # https://github.com/coreos/coreos-kubernetes/issues/159 (kubectl 1.1: tabs, no TargetPort line)
    svc, eps, warnings = _records((TUNE / "describe-svc-two-ports-endpoints-each-tabs.txt").read_bytes(), tmp_path)
    assert svc["ports"] == ["53/UDP", "53/TCP"] and svc["port_names"] == ["dns", "dns-tcp"]
    assert svc["target_ports"] == [None, None] and svc["node_ports"] == [None, None]
    assert eps["ports"] == [{"port": "53/UDP", "name": "dns", "addresses": ["10.2.68.3:53"]},
                            {"port": "53/TCP", "name": "dns-tcp", "addresses": ["10.2.68.3:53"]}]
    assert eps["addresses"] == ["10.2.68.3:53", "10.2.68.3:53"] and eps["line"] == 9 and not eps["truncated"]
    assert warnings == []


def test_target_and_node_ports_stay_with_their_port(tmp_path: Path) -> None:
    # https://github.com/kubernetes/ingress-nginx/issues/3923 (NodePort, both ports without endpoints)
    svc, eps, _ = _records((TUNE / "describe-svc-two-ports-targetport-nodeport.txt").read_bytes(), tmp_path)
    assert svc["ports"] == ["80/TCP", "443/TCP"] and svc["port_names"] == ["http", "https"]
    assert svc["target_ports"] == ["80", "443"] and svc["node_ports"] == ["31185", "30724"]
    assert [p["addresses"] for p in eps["ports"]] == [[], []] and eps["addresses"] == []


def test_a_truncated_endpoints_list_keeps_the_addresses_shown(tmp_path: Path) -> None:
    text = (TUNE / "describe-svc-two-ports-endpoints-each-tabs.txt").read_text()
    text = text.replace("Endpoints:\t\t10.2.68.3:53\nPort:", "Endpoints:\t\t10.2.68.3:53,10.2.68.4:53,10.2.68.5:53 + 1 more...\nPort:", 1)
    _, eps, _ = _records(text.encode(), tmp_path)
    assert eps["ports"][0]["addresses"] == ["10.2.68.3:53", "10.2.68.4:53", "10.2.68.5:53"] and eps["truncated"]
    assert eps["ports"][1]["addresses"] == ["10.2.68.3:53"]


def test_a_single_port_service_reads_one_port(tmp_path: Path) -> None:
    """Near miss: one Port: block is one port, not a list padded from other keys."""
    # https://github.com/deis/charts/issues/29
    svc, eps, _ = _records((REALWORLD / "describe-service-empty-endpoints.txt").read_bytes(), tmp_path)
    assert svc["ports"] == ["80/TCP"] and svc["port_names"] == ["http"] and len(svc["target_ports"]) == 1
    assert eps["addresses"] == [] and len(eps["ports"]) == 1


def _services(text: bytes, tmp_path: Path) -> tuple[list[Record], list[IngestWarning]]:
    paste = tmp_path / "paste.txt"
    paste.write_bytes(text)
    warnings: list[IngestWarning] = []
    return parse_runs(paste, warnings), warnings


def test_describe_without_a_name_reads_each_service_on_its_own(tmp_path: Path) -> None:
    # https://github.com/kubernetes/kubernetes/issues/5875 (`kubectl describe services`, two Services, tabs)
    records, warnings = _services((TUNE / "describe-services-two-stanzas-tabs.txt").read_bytes(), tmp_path)
    services = [s for r in records if r.type == "services" for s in r.data["services"]]
    assert [(s["name"], s["cluster_ip"], s["ports"]) for s in services] == [
        ("kubernetes", "10.0.0.1", ["443/TCP"]), ("nginxsvc", "10.0.0.171", ["80/TCP", "443/TCP"])]
    assert [s["line"] for s in services] == [2, 14] and services[1]["node_ports"] == ["31237", "32133"]
    endpoints = [e for r in records if r.type == "endpoints" for e in r.data["endpoints"]]
    assert [(e["name"], e["addresses"], e["line"]) for e in endpoints] == [("kubernetes", [], 10), ("nginxsvc", [], 22)]
    assert all(r.run.command == "kubectl describe services" for r in records) and warnings == []


def test_an_indented_name_is_no_new_object(tmp_path: Path) -> None:
    """Near miss: a sub-block's ``Name:`` (a ConfigMap volume of a described Pod) stays in its Pod."""
    # written here (not a paste): a ConfigMap volume block in the layout kubectl >= 1.10 prints
    text = ("$ kubectl describe pod coredns-1 -n kube-system\nName:         coredns-1\nNamespace:    kube-system\n"
            "Node:         node-1/10.0.0.4\nStatus:       Running\nIP:           10.2.68.3\nVolumes:\n  config-volume:\n"
            "    Type:      ConfigMap (a volume populated by a ConfigMap)\n    Name:      coredns\n    Optional:  false\n")
    records, _ = _services(text.encode(), tmp_path)
    [pod] = [r.data for r in records if r.type == "pod_describe"]
    assert (pod["name"], pod["ip"], pod["node"]) == ("coredns-1", "10.2.68.3", "node-1")
