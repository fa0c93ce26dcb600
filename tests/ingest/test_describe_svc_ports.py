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
