"""kube-proxy's conntrack messages pasted without their klog header (issue #13, session 7): the known
message alone, or a klog line whose head was cut (``897 conntrack.go:42] ...``), is a kube-proxy
log line with the ``conntrack_binary_missing`` finding, like other known messages pasted alone.
Public pastes keep their source URL beside them."""

from __future__ import annotations

from pathlib import Path

from podnet.inputs.ingest import parse_runs
from podnet.inputs.model import IngestWarning, Record

TUNE = Path(__file__).resolve().parent / "corpus" / "tune_pastes"


def _log(text: str, tmp_path: Path) -> tuple[dict, list[IngestWarning]]:
    paste = tmp_path / "paste.txt"
    paste.write_text(text)
    warnings: list[IngestWarning] = []
    records: list[Record] = parse_runs(paste, warnings)
    [log] = [r.data for r in records if r.type == "pod_log"]
    return log, warnings


def test_a_cut_klog_line_under_systemctl_hint(tmp_path: Path) -> None:
    # https://github.com/rootsongjc/kubernetes-handbook/issues/19
    log, warnings = _log((TUNE / "kube-proxy-cut-klog-conntrack-missing-systemctl-hint.txt").read_text(), tmp_path)
    assert log["component"] == "kube-proxy" and [f["finding"] for f in log["findings"]] == ["conntrack_binary_missing"]
    assert log["errors"] == ['conntrack returned error: error looking for path of conntrack: exec: "conntrack": executable file not found in $PATH']
    assert warnings == []  # systemctl's "Hint: Some lines were ellipsized" is understood


def test_the_structured_klog_line_gets_the_same_finding(tmp_path: Path) -> None:
    # https://github.com/xiaods/k8e/issues/254 (journald, kube-proxy inside k8e, klog's structured form)
    line = ('Jun 30 23:19:06 ubuntu-08 k8e[1529]: E0630 23:19:06.066979    1529 proxier.go:1564] "Failed to delete stale service '
            'connections" err="error deleting connection tracking state for UDP service IP: 10.43.0.10, error: error looking for path '
            'of conntrack: exec: \\"conntrack\\": executable file not found in $PATH" ip="10.43.0.10"')
    log, _ = _log(line + "\n", tmp_path)
    assert log["component"] == "kube-proxy" and "conntrack_binary_missing" in [f["finding"] for f in log["findings"]]


def test_near_miss_conntrack_present_but_failing(tmp_path: Path) -> None:
    """The binary is there but the kernel lacks conntrack netlink: an error line, not the missing binary."""
    # https://github.com/k3s-io/k3s/issues/6169
    line = ('Sep 22 17:24:19 node1.localdomain.com k3s[34223]: E0922 17:24:19.019309   34223 proxier.go:1519] "Failed to delete stale '
            'service connections" err="error deleting connection tracking state for UDP service IP: 10.43.0.10, error: conntrack command '
            'returned: \\"conntrack v1.4.6 (conntrack-tools): Can\'t open handler\\\\n\\", error message: exit status 1" IP="10.43.0.10"')
    log, _ = _log(line + "\n", tmp_path)
    assert "conntrack_binary_missing" not in [f["finding"] for f in log["findings"]] and len(log["errors"]) == 1


def test_a_line_that_only_mentions_conntrack_is_not_a_log(tmp_path: Path) -> None:
    paste = tmp_path / "paste.txt"
    paste.write_text("the conntrack binary is not installed on 42 nodes\n")
    warnings: list[IngestWarning] = []
    assert parse_runs(paste, warnings) == [] and [w.code for w in warnings] == ["output_not_recognised"]
