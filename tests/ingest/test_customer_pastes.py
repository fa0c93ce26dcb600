"""What customers actually paste (issue 13): prompt forms, commands without prompts, the new parsers'
conclusions, context from listings, evidence that points at the raw input, and diagnose --raw.

Tool output here is real: lab captures from tests/ingest/corpus/captured (capture.py) and public
pastes from tests/realworld (their source URL is in the .yaml beside each). The live lab runs of
the same tools are in test_lab_customer_tools.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from podnet.inputs.commands import parse_command
from podnet.inputs.ingest import ingest, parse_runs
from podnet.inputs.transcript import match_prompt, runs_from_text

from ..conftest import run_podnet
from .conftest import ingest_text, observations

HERE = Path(__file__).parent
LAB = HERE / "corpus" / "captured"
PASTES = HERE.parent / "realworld" / "pastes"


def records(path: Path) -> list:
    """What the parsers read from a file pasted as one transcript."""
    return parse_runs(path, [])


def read_text(tmp_path: Path, text: str) -> tuple[list, list]:
    path = tmp_path / "paste.txt"
    path.write_text(text)
    warnings: list = []
    return parse_runs(path, warnings), warnings


# ------------------------------------------------------------------ paste forms


@pytest.mark.parametrize(
    ("line", "host", "command"),
    [
        ("core@node-1 ~ $ curl -v http://10.0.0.1/", "node-1", "curl -v http://10.0.0.1/"),
        ("root@n1 ~ # conntrack -S", "n1", "conntrack -S"),
        ("dnstools# nslookup kubernetes.default", "dnstools", "nslookup kubernetes.default"),
        ("dnsutils:/# dig +short web", "dnsutils", "dig +short web"),
        ("    root@example-pod-64598c547d-z9vb4:/# dig @100.64.0.12 svc", "example-pod-64598c547d-z9vb4", "dig @100.64.0.12 svc"),
    ],
)
def test_more_prompt_forms_name_their_host(line: str, host: str, command: str) -> None:
    prompt = match_prompt(line)
    assert prompt is not None and (prompt.host, prompt.command) == (host, command)


@pytest.mark.parametrize(("line", "style"), [("bash-5.1# wget -O- http://x/", "container"), ("PS C:\\> ping -n 4 10.0.0.1", "windows")])
def test_container_and_windows_prompts(line: str, style: str) -> None:
    prompt = match_prompt(line)
    assert prompt is not None and prompt.style == style


@pytest.mark.parametrize("line", ["dnstools: the pod is up", "Address 1: 10.96.0.10", "error# something happened", "curl: (7) Failed to connect"])
def test_text_that_looks_like_a_prompt_is_output(line: str) -> None:
    assert match_prompt(line) is None


def test_a_command_line_without_prompt_at_the_start_and_after_a_blank_line(tmp_path: Path) -> None:
    """curl-clusterip-no-route-to-host-firewalld: two commands pasted without prompts, a blank line between."""
    recs = records(PASTES / "curl-clusterip-no-route-to-host-firewalld.txt")
    (svc,) = [r for r in recs if r.type == "services"]
    assert [(s["name"], s["cluster_ip"]) for s in svc.data["services"]] == [("kubernetes", "10.96.0.1")]
    (conn,) = [r for r in recs if r.type == "tcp_connect"]
    assert (conn.data["target"], conn.data["port"], conn.data["result"]) == ("10.96.0.1", 443, "no_route")
    assert (conn.run.host.kind, conn.run.host.name) == ("pod", "test-65bdb459f6-cvnrq")  # kubectl exec without a prompt
    # a command word inside output (not after a blank line) stays output
    runs = runs_from_text("$ cat notes\nping 10.0.0.1 fails since Monday\n", "t", [])
    assert len(runs) == 1 and runs[0].output[0][1].startswith("ping 10.0.0.1")


def test_shell_continuation_lines_belong_to_the_command(tmp_path: Path) -> None:
    text = "$ for i in 1 2\n> do\n>   curl -s http://10.0.0.1/\n> done\n<html>ok</html>\n<html>ok</html>\n"
    runs = runs_from_text(text, "t", [])
    assert len(runs) == 1 and runs[0].command.count("\n") == 3 and [t for _, t in runs[0].nonblank] == ["<html>ok</html>"] * 2
    assert (runs[0].family, runs[0].argv) == ("curl", ["curl", "-s", "http://10.0.0.1/"])  # the loop's body is what printed
    assert parse_command("for i in $(seq 5); do curl -sS http://10.0.0.1/; sleep 1; done").family == "curl"


def test_kubectl_exec_without_double_dash() -> None:
    cmd = parse_command("kubectl exec -ti busybox nslookup kubernetes.default")
    assert (cmd.family, cmd.argv, cmd.host.name) == ("nslookup", ["nslookup", "kubernetes.default"], "busybox")
    shell = parse_command("kubectl -n kube-system exec -ti kube-dns-86f4d74b45-jnsj4 -c kubedns sh")
    assert (shell.argv, shell.host.name, shell.host.namespace) == (["sh"], "kube-dns-86f4d74b45-jnsj4", "kube-system")


def test_shell_opened_by_old_kubectl_exec_names_the_pod_of_later_prompts() -> None:
    """alpine-nslookup-try-again-in-kubedns: `kubectl exec ... sh`, then `/ #` prompts in that Pod."""
    recs = records(PASTES / "alpine-nslookup-try-again-in-kubedns.txt")
    (lookup,) = [r for r in recs if r.type == "dns_lookup"]
    assert (lookup.data["name"], lookup.data["result"]) == ("kubernetes.default", "failed")  # musl's "Try again": no answer, mode unknown
    assert lookup.run.host.name == "kube-dns-86f4d74b45-jnsj4"


def test_pod_listing_without_header() -> None:
    (pods,) = [r for r in records(PASTES / "flannel-pods-one-crashloop-no-header.txt") if r.type == "pods"]
    rows = {p["name"]: (p["ready"], p["status"], p["restarts"], p["node"]) for p in pods.data["pods"]}
    assert rows["kube-flannel-ds-amd64-j9f9h"] == (0, "CrashLoopBackOff", 8, "kube-node-5") and len(rows) == 5


# ------------------------------------------------------------------ conclusions a person draws


def _conn(name: str) -> tuple[str | None, int, str]:
    (rec,) = [r for r in records(LAB / f"{name}.txt") if r.type == "tcp_connect"]
    return rec.data["target"] or rec.data.get("target_name"), rec.data["port"], rec.data["result"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("curl-sS-refused", ("198.18.212.2", 8081, "failed")),        # 7.88 "Couldn't connect to server", no -v
        ("curl-s-body-by-name", ("web.example", 8080, "connected")),  # only the HTML body
        ("curl-o-devnull-meter-ok", ("198.18.212.2", 8080, "connected")),
        ("curl-w-http-code-000", ("198.18.212.2", 8081, "failed")),
        ("curl-m-silent-server", ("198.18.212.2", 8086, "connected")),  # "Operation timed out ... 0 bytes received"
        ("curl-m-drop", ("198.18.212.2", 8082, "timeout")),            # "Connection timed out after"
        ("curl-reset-after-accept", ("198.18.212.2", 8087, "reset")),
        ("curl-v-hang-ctrl-c", ("198.18.212.2", 8082, "timeout")),
        ("telnet-hang-ctrl-c", ("198.18.212.2", 8082, "timeout")),
        ("busybox-nc-http-ok", ("198.18.212.2", 8080, "connected")),
        ("nc-http-get-ok", ("198.18.212.2", 8080, "connected")),
        ("wget-silent-server", ("198.18.212.2", 8086, "connected")),
        ("wget-reset-after-accept", ("198.18.212.2", 8087, "reset")),
        ("busybox-wget-http-404", ("198.18.212.2", 8080, "connected")),
        ("busybox-wget-refused", ("198.18.212.2", 8081, "refused")),
        ("dev-tcp-plain-ok", ("198.18.212.2", 8080, "connected")),
        ("dev-tcp-hang-ctrl-c", ("198.18.212.2", 8082, "timeout")),
        ("dev-tcp-open-closed-closed", ("198.18.212.2", 8081, "failed")),
        ("dev-tcp-indented", ("198.18.212.2", 8084, "no_route")),
    ],
)
def test_connection_readings(name: str, expected: tuple[str, int, str]) -> None:
    assert _conn(name) == expected


def test_curl_v_reason_line_decides_the_mode() -> None:
    refused = Path(__file__).parents[1] / "realworld" / "captured" / "curl-v-refused.txt"
    (rec,) = [r for r in records(refused) if r.type == "tcp_connect"]
    assert rec.data["result"] == "refused"


def test_a_hang_without_a_connect_message_is_a_timeout_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "paste.txt"
    path.write_bytes((LAB / "busybox-wget-hang-ctrl-c.txt").read_bytes())
    warnings: list = []
    (rec,) = [r for r in parse_runs(path, warnings) if r.type == "tcp_connect"]
    assert rec.data["result"] == "timeout"
    assert [w.code for w in warnings] == ["connect_hang_ambiguous"] and warnings[0].location == f"{path}:3"


def test_a_curl_loop_that_sometimes_connects_is_intermittent() -> None:
    (rec,) = [r for r in records(PASTES / "curl-kubernetes-svc-intermittent-refused.txt") if r.type == "tcp_connect"]
    assert (rec.data["target_name"], rec.data["port"], rec.data["result"]) == ("kubernetes.default.svc", 443, "intermittent")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("curl-dns-nxdomain", ("nope.example", "failed", [])),
        ("curl-dns-timeout", ("web.example", "failed", [])),        # the same words as NXDOMAIN
        ("wget-nxdomain", ("nope.example", "nxdomain", [])),         # Name or service not known
        ("wget-dns-timeout", ("web.example", "failed", [])),        # Temporary failure in name resolution
        ("busybox-wget-bad-address", ("nope.example", "failed", [])),
        ("dev-tcp-name-error", ("nope.example", "nxdomain", [])),
        ("host-ok-with-aaaa-nxdomain", ("web.example", "ok", ["198.18.212.2"])),
        ("host-timeout-918", ("web.example", "timeout", [])),
        ("host-nxdomain-plain", ("nope.example", "nxdomain", [])),
        ("getent-ahosts-ok", ("web.example", "ok", ["198.18.212.2"])),
        ("getent-hosts-empty", ("nope.example", "failed", [])),
        ("dig-short-empty", ("nope.example", "failed", [])),
        ("dig-short-timeout", ("web.example", "timeout", [])),
    ],
)
def test_lookup_readings(name: str, expected: tuple[str, str, list[str]]) -> None:
    (rec,) = [r for r in records(LAB / f"{name}.txt") if r.type == "dns_lookup"]
    assert (rec.data["name"], rec.data["result"], rec.data["answers"]) == expected
    assert not [r for r in records(LAB / f"{name}.txt") if r.type == "tcp_connect"]


def test_empty_output_is_read_only_when_the_command_finished(tmp_path: Path) -> None:
    """getent / dig +short / /dev/tcp print nothing in some outcomes: without a next prompt (a paste
    cut after the command line) nothing is concluded."""
    for command in ("getent hosts nope.example", "dig +short nope.example", "echo > /dev/tcp/10.0.0.1/80"):
        recs, warnings = read_text(tmp_path, f"$ {command}\n")
        assert recs == [] and [w.code for w in warnings] == ["no_output"], command


def test_text_not_understood_is_a_located_warning_never_a_reading(tmp_path: Path) -> None:
    recs, warnings = read_text(tmp_path, "$ wget -O- http://10.0.0.1/\nsomething odd happened\nand more\n")
    assert recs == []
    assert [(w.code, w.location.rsplit(":", 1)[1]) for w in warnings] == [("lines_not_understood", "2"), ("connect_result_unknown", "3")]
    recs, warnings = read_text(tmp_path, "$ kubectl logs coredns-abc\n[INFO] plugin/reload: Running\nthis is not a log line\n")
    assert [r.type for r in recs] == ["pod_log"] and [(w.code, w.location.rsplit(":", 1)[1]) for w in warnings] == [("lines_not_understood", "3")]


# ------------------------------------------------------------------ kubectl and component logs (public pastes)


def test_component_logs_recognised_by_line_shape() -> None:
    expected = {
        "coredns-log-loop-127-0-0-1": ("coredns", ["loop_detected"]),
        "coredns-log-unreachable-backend-timeouts": ("coredns", ["upstream_timeout"]),
        "flannel-log-pod-cidr-not-assigned": ("flannel", ["pod_cidr_unassigned", "lease_failed", "register_failed"]),
        "kube-proxy-log-cannot-init-nat-table": ("kube-proxy", ["nat_table_missing"]),
        "kube-proxy-log-conntrack-max-permission-denied": ("kube-proxy", ["conntrack_setup_failed"]),
        "controller-manager-log-cidrnotavailable": ("kube-controller-manager", ["cidr_exhausted", "cidr_not_available"]),
    }
    for name, (component, findings) in expected.items():
        (log,) = [r for r in records(PASTES / f"{name}.txt") if r.type == "pod_log"]
        assert (log.data["component"], [f["finding"] for f in log.data["findings"]]) == (component, findings), name


def test_log_findings_become_observations() -> None:
    ctx = {"endpoints": {"source": {"kind": "pod", "name": "client"}, "destination": {"kind": "service", "ip": "10.96.0.10", "port": 53}}}
    (coredns,) = observations(ingest(PASTES / "coredns-log-loop-127-0-0-1.txt", ctx), "coredns_log")
    assert (coredns["loop"], coredns["at"]) == (True, "control_plane")
    result = ingest(PASTES / "flannel-log-pod-cidr-not-assigned.txt", ctx)
    (cidr,) = observations(result, "pod_cidr")
    assert (cidr["node"], cidr["assigned"]) == ("k8s-test-2.novalocal", False)
    (cni,) = observations(result, "cni_pods")
    assert cni["plugin"] == "flannel" and len(cni["errors"]) == 1  # repeated lines once
    result = ingest(PASTES / "describe-pod-events-flannel-subnet-env-missing.txt", ctx)
    (cni,) = observations(result, "cni_pods")
    assert cni["plugin"] == "flannel" and "subnet.env" in cni["errors"][0]


def test_kube_proxy_log_without_its_pod_is_a_warning(tmp_path: Path) -> None:
    ctx = {"endpoints": {"source": {"kind": "pod", "name": "client"}, "destination": {"kind": "service", "ip": "10.96.0.1", "port": 443}}}
    result = ingest(PASTES / "kube-proxy-log-conntrack-max-permission-denied.txt", ctx)
    assert observations(result, "kube_proxy") == [] and "log_node_unknown" in [w.code for w in result.warnings]
    assert result.facts.cluster.kube_proxy_mode == "iptables"  # "Using iptables Proxier."


def test_describe_service_and_endpoints() -> None:
    recs = records(PASTES / "describe-service-with-endpoints-tabs.txt")
    (svc,) = [r for r in recs if r.type == "services"]
    assert (svc.data["services"][0]["cluster_ip"], svc.data["services"][0]["selector"]) == ("10.247.28.103", ["name=infrahw2"])
    (eps,) = [r for r in recs if r.type == "endpoints"]
    assert eps.data["endpoints"][0]["addresses"] == ["10.246.2.11:8080", "10.246.3.10:8080", "10.246.3.9:8080"]


# ------------------------------------------------------------------ context


FRAGMENT = """[root@node-1 ~]# iptables-save | grep KUBE-SERVICES
-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y
-A KUBE-SERVICES -d 10.104.8.9/32 -p tcp -m comment --comment "demo/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-ABCDEF0123456789
[root@node-1 ~]# curl -m 5 -k https://10.96.0.1/version
curl: (28) Connection timed out after 5001 milliseconds
"""
LISTINGS = """$ kubectl get pods -n demo -o wide
NAME                   READY   STATUS    RESTARTS   AGE   IP            NODE     NOMINATED NODE   READINESS GATES
web-5c7f9d4b8-8kz2n    1/1     Running   0          3h    10.244.2.15   node-2   <none>           <none>
client-7d9f8b6c5-q2x   1/1     Running   0          3h    10.244.1.12   node-1   <none>           <none>
$ kubectl get endpoints -n demo web -o yaml
apiVersion: v1
kind: Endpoints
metadata:
  name: web
  namespace: demo
subsets:
- addresses:
  - ip: 10.244.2.15
  ports:
  - port: 8080
"""


def test_a_kube_services_fragment_names_dns_ip_proxy_mode_and_services(tmp_path: Path) -> None:
    result = ingest_text(tmp_path, FRAGMENT)
    cluster, dst = result.facts.cluster, result.facts.endpoints.destination
    assert (cluster.dns_service_ip, cluster.kube_proxy_mode) == ("10.96.0.10", "iptables")
    assert (dst.kind, dst.namespace, dst.name, dst.ip, dst.port) == ("service", "default", "kubernetes", "10.96.0.1", 443)


def test_endpoints_given_for_the_service_become_its_backends(tmp_path: Path) -> None:
    text = FRAGMENT.replace("curl -m 5 -k https://10.96.0.1/version", "curl -m 5 http://10.104.8.9/") + LISTINGS
    result = ingest_text(tmp_path, text)
    dst = result.facts.endpoints.destination
    assert (dst.kind, dst.name) == ("service", "web")
    assert [(b.ip, b.port, b.pod, b.node) for b in dst.backends] == [("10.244.2.15", 8080, "web-5c7f9d4b8-8kz2n", "node-2")]


def test_a_destination_pod_named_in_the_ticket_gets_ip_and_node(tmp_path: Path) -> None:
    ctx = {"endpoints": {"destination": {"kind": "pod", "name": "web-5c7f9d4b8-8kz2n", "port": 8080},
                         "source": {"kind": "pod", "name": "client-7d9f8b6c5-q2x"}}}
    result = ingest_text(tmp_path, LISTINGS, ctx)
    dst, src = result.facts.endpoints.destination, result.facts.endpoints.source
    assert (dst.ip, dst.node, dst.namespace) == ("10.244.2.15", "node-2", "demo")
    assert (src.ip, src.node) == ("10.244.1.12", "node-1")


# ------------------------------------------------------------------ evidence, stdin and diagnose --raw


def test_evidence_from_raw_input_points_at_file_and_line(tmp_path: Path) -> None:
    from podnet import diagnose

    raw = tmp_path / "transcript.txt"
    raw.write_text((HERE.parents[1] / "examples" / "raw" / "clusterip-dual-address" / "13-ip-addr.txt").read_text())
    result = diagnose(ingest(HERE.parents[1] / "examples" / "raw" / "clusterip-dual-address").facts)
    where = [p for c in result.causes for e in c.evidence for p in e.observations]
    assert where and not any(p.startswith("$.observations") for p in where)
    assert any(p.endswith("13-ip-addr.txt:2") for p in where)
    facts = json.loads((HERE.parents[1] / "examples" / "clusterip-dual-address.json").read_text()) if (
        HERE.parents[1] / "examples" / "clusterip-dual-address.json").exists() else None
    if facts is not None:  # a fact file written by hand keeps its JSON paths
        from podnet import load_facts

        paths = [p for c in diagnose(load_facts(HERE.parents[1] / "examples" / "clusterip-dual-address.json")).causes for e in c.evidence
                 for p in e.observations]
        assert any(p.startswith("$.observations[") for p in paths)


def test_ingest_and_diagnose_raw_read_stdin_with_options() -> None:
    text = (LAB / "curl-sS-refused.txt").read_text().removesuffix("dnstools# ") + "a line nobody understands\n"
    proc = run_podnet("ingest", "-", "--destination-kind", "pod", "--source-kind", "node", "--source-name", "n1", stdin=text)
    assert proc.returncode == 0, proc.stderr
    facts = json.loads(proc.stdout)
    (conn,) = [o for o in facts["observations"] if o["kind"] == "tcp_connect"]
    assert (conn["result"], conn["source_line"], facts["endpoints"]["destination"]["kind"]) == ("failed", "<stdin>:2", "pod")
    proc = run_podnet("diagnose", "--raw", "-", "--destination-kind", "pod", "--case-id", "T-9", "-o", "json", stdin=text)
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    assert report["case_id"] == "T-9"
    # ingest's warnings reach the report, located
    assert any(w["code"] == "W-INGEST" and w["location"].startswith("<stdin>:") for w in report["warnings"])


def test_ingest_options_need_raw() -> None:
    example = HERE.parents[1] / "examples" / "raw" / "clusterip-dual-address" / "context.json"
    proc = run_podnet("diagnose", str(example), "--destination-ip", "10.0.0.1")
    assert proc.returncode == 2 and "E-USAGE" in proc.stderr and "--raw" in proc.stderr


# ------------------------------------------------------------------ bad input


def test_binary_data_is_refused_with_a_location(tmp_path: Path) -> None:
    blob = tmp_path / "capture.bin"
    blob.write_bytes(bytes(range(256)) * 4000)
    for args, stdin in ((["ingest", str(blob)], None), (["diagnose", "--raw", "-"], blob.read_bytes().decode("latin-1"))):
        proc = run_podnet(*args, stdin=stdin)
        assert proc.returncode == 2 and "E-INGEST-EMPTY" in proc.stderr and "binary file" in proc.stderr, proc.stderr
        assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr


def test_fifo_device_and_unreadable_entries(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for args in (["ingest", str(fifo)], ["diagnose", "--raw", str(fifo)], ["ingest", "/dev/zero"]):
        proc = run_podnet(*args)  # never opened: no hang
        assert proc.returncode == 2 and "E-INGEST-NOT-FILE" in proc.stderr, proc.stderr
    folder = tmp_path / "ticket"
    folder.mkdir()
    (folder / "curl.txt").write_text((LAB / "curl-sS-refused.txt").read_text())
    os.mkfifo(folder / "pipe.txt")
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere")  # unreadable: stat fails
    result = ingest(folder, {"endpoints": {"destination": {"kind": "pod"}}})
    codes = {Path(w.location.rsplit(":", 1)[0]).name: w.code for w in result.warnings}
    assert codes["pipe.txt"] == "not_regular_file" and codes["gone.txt"] == "cannot_read"
    assert [o["result"] for o in observations(result, "tcp_connect")] == ["failed"]


def test_a_50_mb_paste_is_refused_quickly() -> None:
    import time

    started = time.monotonic()
    proc = run_podnet("diagnose", "--raw", "-", stdin="curl: (7) Failed to connect to 10.0.0.1 port 80: Connection refused\n" * 760_000)
    assert proc.returncode == 2 and "E-INGEST-SIZE" in proc.stderr and "PODNET_MAX_RAW_BYTES" in proc.stderr, proc.stderr[:300]
    assert time.monotonic() - started < 30


def test_calico_node_startup_log_with_and_without_timestamps(tmp_path: Path) -> None:
    """calico-node's startup lines (``[LEVEL][pid] file line: msg``, with or without a date), written
    here in the shape its releases print; the autodetection failure is a finding."""
    text = ("$ kubectl logs -n kube-system calico-node-x7k2p\n"
            "2023-03-04 09:50:19.464 [INFO][9] startup/startup.go 425: Early log level set to info\n"
            "[INFO][9] startup/startup.go 104: Datastore is ready\n"
            "[WARNING][9] startup/autodetection_methods.go 113: Unable to auto-detect an IPv4 address using interface regexes [eth.*]: "
            "no valid host interfaces found\n"
            "[WARNING][9] startup/utils.go 48: Terminating\n"
            "Calico node failed to start\n")
    recs, warnings = read_text(tmp_path, text)
    (log,) = recs
    assert (log.data["component"], [f["finding"] for f in log.data["findings"]]) == ("calico-node", ["autodetect_failed", "node_failed_to_start"])
    assert warnings == []


def test_kubectl_get_svc_forms(tmp_path: Path) -> None:
    text = ("$ kubectl get svc -A -o wide\n"
            "NAMESPACE     NAME         TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)                  AGE   SELECTOR\n"
            "default       kubernetes   ClusterIP   10.96.0.1       <none>        443/TCP                  40d   <none>\n"
            "kube-system   kube-dns     ClusterIP   10.96.0.10      <none>        53/UDP,53/TCP,9153/TCP   40d   k8s-app=kube-dns\n"
            "demo          web          NodePort    10.104.8.9      <none>        80:30080/TCP             3h    app=web\n"
            "demo          db           ClusterIP   None            <none>        5432/TCP                 3h    app=db\n"
            "$ kubectl get svc web -n demo -o yaml\n"
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: demo\nspec:\n  clusterIP: 10.104.8.9\n  type: NodePort\n"
            "  selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: 8080\n    nodePort: 30080\n    protocol: TCP\n")
    recs, warnings = read_text(tmp_path, text)
    table, yaml_form = [r for r in recs if r.type == "services"]
    rows = {s["name"]: (s["namespace"], s["type"], s["cluster_ip"], s["ports"], s["selector"]) for s in table.data["services"]}
    assert rows["kube-dns"] == ("kube-system", "ClusterIP", "10.96.0.10", ["53/UDP", "53/TCP", "9153/TCP"], ["k8s-app=kube-dns"])
    assert rows["web"] == ("demo", "NodePort", "10.104.8.9", ["80:30080/TCP"], ["app=web"])
    assert rows["db"][2] is None and table.data["services"][3]["headless"]
    (svc,) = yaml_form.data["services"]
    assert (svc["cluster_ip"], svc["ports"], svc["target_ports"], svc["selector"]) == ("10.104.8.9", ["80/TCP"], [8080], ["app=web"])
    assert warnings == []


def test_yaml_with_aliases_is_refused(tmp_path: Path) -> None:
    text = "$ kubectl get svc -o yaml\napiVersion: v1\nkind: List\nitems: &a [*a, *a]\n"
    recs, warnings = read_text(tmp_path, text)
    assert recs == [] and [w.code for w in warnings] == ["kubectl_json_invalid"]


def test_kubectl_get_events(tmp_path: Path) -> None:
    text = ("$ kubectl get events -n demo\n"
            "LAST SEEN   TYPE      REASON                   OBJECT                    MESSAGE\n"
            "2m          Normal    Scheduled                pod/web-5c7f9d4b8-8kz2n   Successfully assigned demo/web-5c7f9d4b8-8kz2n to node-2\n"
            "2m          Warning   FailedCreatePodSandBox   pod/web-5c7f9d4b8-8kz2n   Failed to create pod sandbox: plugin type=\"calico\" failed (add): "
            "stat /var/lib/calico/nodename: no such file or directory\n")
    recs, warnings = read_text(tmp_path, text)
    (events,) = recs
    assert [(e["type"], e["reason"], e["object"]) for e in events.data["events"]] == [
        ("Normal", "Scheduled", "pod/web-5c7f9d4b8-8kz2n"), ("Warning", "FailedCreatePodSandBox", "pod/web-5c7f9d4b8-8kz2n")]
    assert "nodename" in events.data["events"][1]["message"] and warnings == []


def test_cni_warning_events_become_cni_errors(tmp_path: Path) -> None:
    text = ("$ kubectl get events -n demo\n"
            "LAST SEEN   TYPE      REASON                   OBJECT                    MESSAGE\n"
            "2m          Warning   FailedCreatePodSandBox   pod/web-5c7f9d4b8-8kz2n   Failed to create pod sandbox: plugin type=\"calico\" failed (add): "
            "stat /var/lib/calico/nodename: no such file or directory\n")
    ctx = {"endpoints": {"source": {"kind": "pod", "name": "client"}, "destination": {"kind": "pod", "ip": "10.244.2.15", "port": 8080}}}
    (cni,) = observations(ingest_text(tmp_path, text, ctx), "cni_pods")
    assert cni["plugin"] == "calico" and "nodename" in cni["errors"][0] and cni["source_line"].endswith("transcript.txt:2")


def test_a_long_continued_command_line_stays_linear() -> None:
    import time

    text = "$ for i in 1 2\n" + "> echo x\n" * 100_000 + "> done\n"
    started = time.monotonic()
    runs = runs_from_text(text, "t", [])
    assert len(runs) == 1 and runs[0].command.count("\n") == 100_001 and time.monotonic() - started < 5
