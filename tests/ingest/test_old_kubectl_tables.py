"""Service and Endpoints tables of kubectl before 1.7 (issue #13, session 7): ``get svc`` without a
TYPE column is read by its header's column names (``NAME LABELS SELECTOR IP(S) PORT(S)``, ``NAME
CLUSTER_IP EXTERNAL_IP PORT(S) SELECTOR AGE``, ``CLUSTER-IP ... AGE``), a port wrapped onto its own
line joins its Service, and ``get endpoints`` without an AGE column is read. Public pastes keep their
source URL beside them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podnet.inputs.model import Record

from .conftest import read_paste

TUNE = Path(__file__).resolve().parent / "corpus" / "tune_pastes"


_read = read_paste


def _services(records: list[Record]) -> list[dict[str, Any]]:
    return [s for r in records if r.type == "services" for s in r.data["services"]]


def test_kubectl_1_0_labels_selector_ips_and_a_wrapped_port(tmp_path: Path) -> None:
    # https://github.com/kubernetes/kubernetes/issues/11354
    records, warnings = _read((TUNE / "kubectl-1-0-get-svc-labels-selector-wrapped-port.txt").read_text(), tmp_path)
    got = [(s["namespace"], s["name"], s["cluster_ip"], s["ports"], s["selector"], s["line"]) for s in _services(records)]
    assert got == [("default", "k8sm-scheduler", "10.10.10.8", ["10251/TCP"], [], 3),
                   ("default", "kubernetes", "10.10.10.1", ["443/TCP"], [], 4),
                   ("kube-system", "kube-dns", "10.10.10.10", ["53/UDP", "53/TCP"], ["k8s-app=kube-dns"], 5),
                   ("kube-system", "kube-ui", "10.10.10.13", ["80/TCP"], ["k8s-app=kube-ui"], 7)]
    # the three `get svc -l` that printed only the header: said so, each at its command
    assert sorted((w.code, w.location.rsplit(":", 1)[1]) for w in warnings) == [
        ("kubectl_no_services", "11"), ("kubectl_no_services", "13"), ("kubectl_no_services", "9")]


def test_kubectl_1_1_cluster_ip_columns_with_selector(tmp_path: Path) -> None:
    # https://github.com/kubernetes/kubernetes/issues/20652
    records, warnings = _read((TUNE / "kubectl-1-1-get-services-cluster-ip-selector-and-endpoints.txt").read_text(), tmp_path)
    assert [(s["name"], s["cluster_ip"], s["ports"], s["selector"]) for s in _services(records)] == [
        ("kubernetes", "10.0.0.1", ["443/TCP"], []), ("rc-default", "10.0.5.65", ["80/TCP"], ["name=rc-default"])]
    assert warnings == []


def test_a_table_without_selector_column_leaves_the_selector_unknown(tmp_path: Path) -> None:
    # the [SERVICE] block's two lines of https://github.com/kubernetes/kubernetes/issues/50083, and the same
    # table without its SELECTOR column (kubectl 1.5-1.6 without -o wide): no selector shown is not "no selector"
    table = ("NAME       CLUSTER-IP   EXTERNAL-IP   PORT(S)         AGE       SELECTOR\n"
             "kube-dns   10.96.0.10   none          53/UDP,53/TCP   1h        name=kube-dns\n")
    records, _ = _read("$ kubectl get svc\n" + table, tmp_path)
    assert [(s["cluster_ip"], s["ports"], s["selector"]) for s in _services(records)] == [("10.96.0.10", ["53/UDP", "53/TCP"], ["name=kube-dns"])]
    narrow = "\n".join(line[:62].rstrip() for line in table.splitlines()) + "\n"
    records, _ = _read("$ kubectl get svc\n" + narrow, tmp_path)
    assert [s["selector"] for s in _services(records)] == [None]


def test_endpoints_without_age_column(tmp_path: Path) -> None:
    # https://github.com/kubernetes/kubernetes/pull/4760 (cluster/kubectl.sh before 1.0)
    records, warnings = _read((TUNE / "kubectl-0-x-get-endpoints-no-age-column.txt").read_text(), tmp_path)
    eps = [(e["name"], e["addresses"]) for r in records if r.type == "endpoints" for e in r.data["endpoints"]]
    assert len(eps) == 9 and eps[2] == ("kube-dns", ["10.244.3.5:53"]) and eps[-1] == ("kubernetes", ["10.240.100.146:6443"])
    # the wrapper's own lines are warned, never read as rows
    assert {w.location.rsplit(":", 1)[1] for w in warnings if w.code == "kubectl_endpoints_row_unknown"} == {"2", "3", "15", "16"}


def test_near_misses(tmp_path: Path) -> None:
    """A modern table (TYPE column) keeps its reader; a row that does not line up with the header is warned."""
    modern = ("$ kubectl get svc -A\nNAMESPACE     NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)         AGE\n"
              "kube-system   kube-dns     ClusterIP   10.96.0.10   <none>        53/UDP,53/TCP   20h\n")
    records, _ = _read(modern, tmp_path)
    assert [(s["type"], s["cluster_ip"]) for s in _services(records)] == [("ClusterIP", "10.96.0.10")]
    shifted = ("$ kubectl get services\nNAME         CLUSTER_IP   EXTERNAL_IP   PORT(S)   SELECTOR          AGE\n"
               "kubernetes   not-an-address-here   <none>   443/TCP   <none>   1h   extra\n")
    records, warnings = _read(shifted, tmp_path)
    assert _services(records) == [] and [w.location.rsplit(":", 1)[1] for w in warnings if w.code == "lines_not_understood"] == ["3"]
