"""A container's log file on the node, pasted with ``cat``/``tail`` or alone (issue #13, session 7):
docker's json-file lines (``{"log":"...\\n","stream":"stderr","time":"..."}``) and the CRI form
(``TIME stderr F ...``) are unwrapped and the line inside read as the component's log, with the same
finders as ``kubectl logs``. Public pastes keep their source URL beside them."""

from __future__ import annotations

from pathlib import Path

from podnet.inputs.raw.components import pod_of_log_path, unwrap_container_line

from .conftest import read_paste

TUNE = Path(__file__).resolve().parent / "corpus" / "tune_pastes"


_read = read_paste


def test_json_file_lines_pasted_alone_are_read_inside_their_wrapper(tmp_path: Path) -> None:
    # https://github.com/docker-library/docker/issues/224 (dockerd's logfmt lines in json-file, `[...]` elisions)
    records, warnings = _read((TUNE / "docker-json-file-log-cat-logfmt-lines.txt").read_text(), tmp_path)
    [log] = [r for r in records if r.type == "pod_log"]
    assert log.data["errors"] == [] and log.data["component"] is None and log.line == 1
    assert sorted(w.location.rsplit(":", 1)[1] for w in warnings) == ["1", "7"]  # only the two `[...]` lines


# the line: CoreDNS's log in https://github.com/rancher/rancher/issues/22197; the wrapper written here as docker's json-file writes it
COREDNS_LINE = ('{"log":"2019-12-05T09:05:50.219Z [ERROR] plugin/errors: 2 6115832744729897625.3180258484397850480. HINFO: '
                'read udp 10.42.1.3:57785-\\u003e10.116.18.50:53: i/o timeout\\n","stream":"stdout","time":"2019-12-05T09:05:50.219555Z"}')


def test_a_line_inside_json_gets_the_components_findings(tmp_path: Path) -> None:
    for command in ("tail -n 20 /var/log/containers/coredns-5644d7b6d9-6xdmm_kube-system_coredns-0123abcd.log",
                    "cat /var/lib/docker/containers/0123abcd/0123abcd-json.log"):
        records, warnings = _read(f"[root@node-1 ~]# {command}\n{COREDNS_LINE}\n", tmp_path)
        [log] = [r.data for r in records if r.type == "pod_log"]
        assert log["component"] == "coredns" and "upstream_timeout" in [f["finding"] for f in log["findings"]]
        assert log["errors"][0].startswith("plugin/errors: 2 6115832744729897625") and warnings == []


def test_the_cri_form_is_unwrapped_too() -> None:
    # written here: the CRI line layout (containerd/CRI-O, /var/log/pods) around kube-proxy's klog line
    line = "2023-05-23T18:32:14.075223411Z stderr F E0523 18:32:14.075223       1 proxier.go:792] Failed to execute iptables-restore for nat"
    assert unwrap_container_line(line) == "E0523 18:32:14.075223       1 proxier.go:792] Failed to execute iptables-restore for nat"


def test_near_misses_stay_as_they_are(tmp_path: Path) -> None:
    """A JSON log line without docker's wrapper, and a wrapper around text podnet does not know."""
    assert unwrap_container_line('{"level":"error","msg":"Failed to create SubnetManager"}') is None
    assert unwrap_container_line('{"log":"half a line') is None
    records, warnings = _read('{"log":"hello world\\n","stream":"stdout","time":"2020-04-10T14:04:50Z"}\n', tmp_path)
    assert not [r for r in records if r.type == "pod_log"] and [w.location.rsplit(":", 1)[1] for w in warnings] == ["1"]


def test_the_log_path_names_the_pod() -> None:
    assert pod_of_log_path("/var/log/containers/coredns-5644d7b6d9-6xdmm_kube-system_coredns-0123abcd.log") == "coredns-5644d7b6d9-6xdmm"
    assert pod_of_log_path("/var/log/pods/kube-system_kube-proxy-x7k2p_4f0e7c3a-1/kube-proxy/0.log") == "kube-proxy-x7k2p"
    assert pod_of_log_path("/var/log/pods/fbc13661-20bd-11e7-b15d-000c293e1335/kube-flannel_3.log") == "kube-flannel"
    assert pod_of_log_path("/var/log/messages") is None
