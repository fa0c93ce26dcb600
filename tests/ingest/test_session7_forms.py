"""Paste forms holdout5 (session 7) showed podnet could not read, each tested here on OTHER real
input: a public paste of the same form (tests/ingest/corpus/tune_pastes, source URL in the .yaml
beside it, and repeated above each test) or real tool output."""

from __future__ import annotations

from pathlib import Path

from .corpus.reading import read

TUNE = Path(__file__).resolve().parent / "corpus" / "tune_pastes"


def _paste(slug: str) -> bytes:
    return (TUNE / f"{slug}.txt").read_bytes()


def _kinds(readings: list[dict[str, object]], kind: str) -> list[dict[str, object]]:
    return [r for r in readings if r["kind"] == kind]


# https://github.com/kubesphere/kubekey/issues/134 (rows as pasted: no header, each message continued on an unindented line)
_KUBEKEY_ROWS = _paste("events-rows-message-continued-unindented-kubelet-node")


def test_an_event_message_continued_on_unindented_lines_is_one_message() -> None:
    events = _kinds(read(_KUBEKEY_ROWS).readings, "pod_event")
    assert len(events) == 5
    assert all(str(e["message"]).startswith("Readiness probe failed: 2020-07-08 ") for e in events)
    assert all(str(e["message"]).endswith("= 0 calico/node is not ready: BIRD is not ready: BGP not established with 172.17.0.1") for e in events)


def test_rows_not_aligned_with_the_describe_header_are_split_at_their_blanks() -> None:
    # the same real rows under kubectl describe's Events header: the first row's columns are wider than the
    # header's, the others narrower, so cutting at the header's offsets would start a message mid-word
    header = b"Events:\n  Type     Reason     Age   From            Message\n  ----     ------     ----  ----            -------\n"
    r = read(b"$ kubectl describe pod calico-node-x -n kube-system\n" + header + _KUBEKEY_ROWS)
    events = _kinds(r.readings, "pod_event")
    assert [e["reason"] for e in events] == ["Unhealthy"] * 5
    assert all(str(e["message"]).startswith("Readiness probe failed: ") and "BGP not established with 172.17.0.1" in str(e["message"]) for e in events)
    assert r.warnings == []


def test_an_unindented_event_row_whose_source_has_no_node_is_a_row_not_a_key() -> None:
    # a row of https://github.com/projectcalico/calico/issues/4605 (kubelet without ", NODE"), pasted at the line's start as an
    # issue's inline code span: `Warning  Unhealthy ...  kubelet  Liveness probe failed: ...` looks like a describe `Key: value`
    row = b"`Warning  Unhealthy  13m (x14 over 23m)   kubelet  Liveness probe failed: calico/node is not ready: Felix is not live: liveness probe reporting 503`\n"
    [event] = _kinds(read(row).readings, "pod_event")
    assert event["type"] == "Warning" and event["reason"] == "Unhealthy"
    assert event["message"] == "Liveness probe failed: calico/node is not ready: Felix is not live: liveness probe reporting 503"
    # near miss: a describe key line stays a key (no event read from it)
    assert _kinds(read(b"Name:         calico-node-x\nNamespace:    kube-system\nStatus:       Running\n").readings, "pod_event") == []


def test_coredns_kubernetes_plugin_klog_lines_name_coredns_by_their_file_path() -> None:
    # https://github.com/kubernetes/minikube/issues/3828
    [log] = _kinds(read(_paste("coredns-klog-list-refused-plugin-path-no-command")).readings, "log")
    assert log["component"] == "coredns" and log["findings"] == ["api_unreachable"] and len(log["lines"]) == 4
    # near miss: the same list error of another client-go user (kubelet's own file path) is not CoreDNS's
    other = b"E0402 04:00:04.643604 12180 reflector.go:205] k8s.io/kubernetes/pkg/kubelet/kubelet.go:451: Failed to list *v1.Service: x\n"
    assert all(r.get("component") != "coredns" for r in _kinds(read(other).readings, "log"))


def test_coredns_api_connection_failure_warning_is_the_api_unreachable() -> None:
    # https://github.com/rancher/rancher/issues/10322
    [log] = _kinds(read(_paste("coredns-log-api-connection-failure-no-route-no-command")).readings, "log")
    assert log["component"] == "coredns" and set(log["findings"]) == {"upstream_timeout", "api_unreachable"}
    assert any("Kubernetes API connection failure" in str(line) for line in log["lines"])
    # near miss: CoreDNS starting before it synced with the API says nothing of a dial that failed
    near = b"[WARNING] plugin/kubernetes: starting server with unsynced Kubernetes API\n[INFO] plugin/reload: Running configuration MD5 = 1\n"
    [log2] = _kinds(read(near).readings, "log")
    assert log2["component"] == "coredns" and "api_unreachable" not in log2["findings"]


def test_kube_proxy_listing_from_an_apiserver_on_8080_that_refuses() -> None:
    # https://github.com/kubernetes/kubernetes/issues/12660 (journalctl -r -u kube-proxy, 2015: `dial tcp IP:8080: connection refused`)
    [log] = _kinds(read(_paste("journald-kube-proxy-list-8080-refused-reverse")).readings, "log")
    assert log["component"] == "kube-proxy" and log["findings"] == ["api_unreachable"] and len(log["lines"]) == 3
    # near miss: kube-proxy's health check of a backend on 8080 is no API list
    near = (b"Aug 18 22:11:20 n1 kube-proxy[725]: E0818 22:11:20.096749     725 proxier.go:1]"
            b" Failed to sync: dial tcp 10.244.1.5:8080: connection refused\n")
    [log2] = _kinds(read(near).readings, "log")
    assert log2["component"] == "kube-proxy" and "api_unreachable" not in log2["findings"]


def test_journald_lines_with_a_localised_month_are_the_components_log() -> None:
    # https://github.com/kubernetes/kubernetes/issues/59407 (a Chinese locale: `2月 06 17:37:56 HOST kubelet[PID]: ...`)
    r = read(_paste("journald-chinese-month-kubelet-list-8080-refused"))
    [log] = _kinds(r.readings, "log")
    assert log["component"] == "kubelet" and len(log["lines"]) == 3 and r.warnings == []
    # the same line with the month as other locales write it (German, French, Korean) is read the same way
    line = "{} 06 17:37:56 node1 kubelet[28541]: E0206 17:37:56.269360   28541 reflector.go:205] kubelet.go:465: Failed to list *v1.Service: x\n"
    for month in ("Feb", "Dez", "févr.", "2월"):
        [log2] = _kinds(read(line.format(month).encode()).readings, "log")
        assert log2["component"] == "kubelet" and len(log2["lines"]) == 1, month
    # near miss: a line that only looks dated (no host and program) is not a journald line
    assert _kinds(read("2月 06 17:37:56 nothing else\n".encode()).readings, "log") == []


def test_two_resolv_conf_files_in_one_paste_are_read_as_two() -> None:
    # https://github.com/podman-container-tools/podman/issues/22013 (the host's file, then the container's, no commands)
    confs = _kinds(read(_paste("host-and-container-resolv-conf-two-blocks-no-command")).readings, "resolv_conf")
    assert [c["search"] for c in confs] == [["fully.qualified.name"], ["dns.podman"]]
    assert [len(c["nameservers"]) for c in confs] == [4, 1]  # type: ignore[arg-type]


def test_a_resolv_conf_with_a_trailing_comment_block_stays_one_file() -> None:
    # near miss: Docker's generated resolv.conf ends with a comment block after a blank line
    # (https://github.com/moby/moby/issues/49903, addresses as the reporter redacted them replaced by documentation ones)
    text = (b"$ docker run --rm -ti busybox cat /etc/resolv.conf\n# Generated by Docker Engine.\n\n"
            b"nameserver 192.0.2.1\nnameserver 192.0.2.2\nnameserver 8.8.8.8\nsearch private-domain1.net private-domain2.com\n\n"
            b"# Based on host file: '/run/systemd/resolve/resolv.conf' (legacy)\n# Overrides: [nameservers]\n")
    [conf] = _kinds(read(text).readings, "resolv_conf")
    assert conf["nameservers"] == ["192.0.2.1", "192.0.2.2", "8.8.8.8"] and conf["search"] == ["private-domain1.net", "private-domain2.com"]


def test_a_nameserver_line_without_an_address_is_warned_and_a_repeated_one_counted_once() -> None:
    # a comment after an address that a tool split into words, one `nameserver` line each (documentation addresses)
    text = b"$ cat /etc/resolv.conf\nsearch default.svc.cluster.local\nnameserver 192.0.2.53\nnameserver 192.0.2.53\nnameserver #\nnameserver updated\n"
    r = read(text)
    [conf] = _kinds(r.readings, "resolv_conf")
    assert conf["nameservers"] == ["192.0.2.53"]
    assert [w.location.rsplit(":", 1)[-1] for w in r.warnings] == ["5"] and "nameserver #" in r.warnings[0].message


_REALWORLD = Path(__file__).resolve().parents[1] / "realworld"
_CAPTURED = Path(__file__).resolve().parent / "corpus" / "captured"


def _output_of(path: Path) -> bytes:
    """A transcript's output without its command line and its closing prompt (as a reporter pastes it)."""
    lines = path.read_bytes().split(b"\n")[1:]
    return b"\n".join(line for line in lines if not line.rstrip().endswith((b"# ", b"#", b"$ ", b"$"))) + b"\n"


def test_output_above_the_first_prompt_is_read_by_its_content() -> None:
    # a Pod listing (https://github.com/tsl0922/kubeadm-vagrant/pull/1, without its command line) and a curl error
    # (lab capture, tests/ingest/corpus/captured/curl-sS-refused.txt) pasted above a lab transcript's first prompt
    table = _output_of(_REALWORLD / "pastes" / "get-pods-wide-vagrant-flannel.txt")
    curl = _output_of(_CAPTURED / "curl-sS-refused.txt")
    below = (_REALWORLD / "captured" / "busybox-nslookup-timeout.txt").read_bytes()
    r = read(b"```\n" + table + b"```\n" + below)
    assert len(_kinds(r.readings, "pod")) == len(_kinds(read((_REALWORLD / "pastes" / "get-pods-wide-vagrant-flannel.txt").read_bytes()).readings, "pod")) > 0
    assert [d["result"] for d in _kinds(r.readings, "dns_lookup")] == ["timeout"]
    assert not any("before the first prompt" in w.message for w in r.warnings)
    r2 = read(b"```\n" + curl + b"```\n\n" + below)
    assert _kinds(r2.readings, "tcp_connect") == [{"kind": "tcp_connect", "dest": "198.18.212.2", "port": 8081, "result": "failed", "tool": "curl"}]
    assert [d["result"] for d in _kinds(r2.readings, "dns_lookup")] == ["timeout"] and r2.warnings == []


def test_prose_above_the_first_prompt_is_still_only_warned() -> None:
    # near miss (https://github.com/kubernetes/kops/issues/4391): a sentence above the prompt is no output
    r = read((_REALWORLD / "pastes" / "dig-reply-from-unexpected-source.txt").read_bytes())
    assert [w.location.rsplit(":", 1)[-1] for w in r.warnings if "before the first prompt" in w.message] == ["1"]
    assert [x["kind"] for x in r.readings] == ["dns_lookup"]


def test_a_listing_inside_an_html_pre_code_block_is_read() -> None:
    # the same public listing (https://github.com/tsl0922/kubeadm-vagrant/pull/1) as an issue written in HTML shows it:
    # `<pre><code>` opening its first line, `</code></pre>` closing its last, `&lt;none&gt;` for `<none>`
    plain = (_REALWORLD / "pastes" / "get-pods-wide-vagrant-flannel.txt").read_bytes()
    lines = plain.rstrip(b"\n").split(b"\n")
    wrapped = b"\n".join([b"<pre><code>" + lines[0], *lines[1:-1], lines[-1] + b"</code></pre>"]).replace(b"<none>", b"&lt;none&gt;")
    r = read(wrapped)
    assert _kinds(r.readings, "pod") == _kinds(read(plain).readings, "pod") and r.warnings == read(plain).warnings == []
    # near miss: an inline <code> inside a prose line is not a block (the line stays as written, warned)
    prose = read(b"I ran <code>kubectl get pods</code> and got nothing\n")
    assert prose.readings == [] and [w.location.rsplit(":", 1)[-1] for w in prose.warnings] == ["1"]


def test_a_curl_verbose_trace_pasted_without_its_command_reads_as_with_it() -> None:
    # lab captures (tests/ingest/corpus/captured, tests/realworld/captured: real curl 7.88 in namespaces, 198.18.0.0/15)
    paths = [*_CAPTURED.glob("curl-v-*.txt"), *(_REALWORLD / "captured").glob("curl-v-*.txt")]
    assert len(paths) >= 8
    for path in paths:
        if "hang-ctrl-c" in path.name:
            continue  # a trace ended by ^C: its timeout is read from the command's run, checked below
        alone = _kinds(read(_output_of(path)).readings, "tcp_connect")
        assert alone == _kinds(read(path.read_bytes()).readings, "tcp_connect") and len(alone) == 1, path.name
    # near miss: a trace that stops after `Trying` says nothing of the connection: warned, never guessed
    hang = read(_output_of(_CAPTURED / "curl-v-hang-ctrl-c.txt"))
    assert _kinds(hang.readings, "tcp_connect") == [] and hang.warnings


def test_sudo_unable_to_resolve_the_hosts_own_name_is_a_failed_lookup_of_it() -> None:
    # https://github.com/kelseyhightower/kubernetes-the-hard-way/issues/53 (sudo prints no reason: the mode is not shown)
    r = read(_paste("sudo-unable-to-resolve-host-then-systemctl-status-kubelet"))
    assert _kinds(r.readings, "dns_lookup") == [{"kind": "dns_lookup", "name": "ip-10-240-0-32", "result": "failed", "answers": []}]
    assert [x["component"] for x in _kinds(r.readings, "log")] == ["kubelet"]  # the unit's status is read as before
    # the reason sudo prints (https://github.com/kubernetes/kubeadm/issues/2856: `Name or service not known`) names the mode
    nx = read(b"user@master:~$ sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config\nsudo: unable to resolve host master: Name or service not known\n")
    assert _kinds(nx.readings, "dns_lookup") == [{"kind": "dns_lookup", "name": "master", "result": "nxdomain", "answers": []}]
    # near miss: the same words in another tool's message are no sudo line
    other = read(b"$ cat notes.txt\nwhy does sudo: unable to resolve host x happen\n")
    assert _kinds(other.readings, "dns_lookup") == []


def test_a_node_row_carries_its_status_column_beside_ready() -> None:
    # https://github.com/overhangio/tutor/pull/632 (tune paste) and https://github.com/nginx/kubernetes-ingress/issues/912
    [node] = _kinds(read(_paste("kubectl-get-all-node-service-and-pods")).readings, "node")
    assert node["ready"] is True and node["status"] == "Ready"
    rows = (b"[causer@master deployments]$ kubectl get nodes\nNAME     STATUS   ROLES    AGE    VERSION\n"
            b"master   Ready    master   9d     v1.18.0\nnode1    Ready    <none>   7d8h   v1.18.0\n")
    assert [(n["name"], n["status"]) for n in _kinds(read(rows).readings, "node")] == [("master", "Ready"), ("node1", "Ready")]
    # near miss: a cordoned NotReady node keeps its whole STATUS and is not ready
    cordoned = rows.replace(b"node1    Ready   ", b"node1    NotReady,SchedulingDisabled")
    node1 = _kinds(read(cordoned).readings, "node")[1]
    assert node1["status"] == "NotReady,SchedulingDisabled" and node1["ready"] is False


def test_the_corpus_compares_an_interface_state_without_case() -> None:
    from .corpus.reading import matches

    got = {"kind": "interface", "name": "tunl0", "mtu": 1480, "state": "down"}
    assert matches({"kind": "interface", "name": "tunl0", "state": "DOWN"}, got)
    assert not matches({"kind": "interface", "name": "tunl0", "state": "UP"}, got)  # near miss: another state
    assert not matches({"kind": "pod", "name": "x", "status": "running"}, {"kind": "pod", "name": "x", "status": "Running"})  # only `state`
