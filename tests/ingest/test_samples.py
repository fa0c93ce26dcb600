"""Parsers on realistic samples of output that cannot be produced here (kubectl, ipvs, Chinese
locales, Windows, IPIP captures); see tests/ingest/samples/."""

from __future__ import annotations

import shutil
from pathlib import Path

from podnet.inputs.ingest import ingest

from .conftest import SAMPLES, observations

CLIENT = {"kind": "pod", "name": "client-7d9f8b6c5-q2x8m", "namespace": "demo", "ip": "10.244.1.12", "node": "node-1"}
WEB_SVC = {"kind": "service", "ip": "10.96.45.17", "port": 80}


def _ctx(source: dict | None = None, destination: dict | None = None) -> dict:
    return {"case": {"id": "sample"}, "endpoints": {"source": source or CLIENT, "destination": destination or WEB_SVC}}


def test_kubectl_get_pods_wide_kube_proxy_cni_dns_and_pod_status() -> None:
    result = ingest(SAMPLES / "kubectl-get-pods-wide.txt", _ctx())
    proxies = observations(result, "kube_proxy")
    # Only the source node's kube-proxy is of interest (the destination's node is not known here).
    assert [(p["node"], p["pod_status"], p["at"]) for p in proxies] == [("node-1", "running", "control_plane")]
    (cni,) = observations(result, "cni_pods")
    assert (cni["plugin"], cni["ready"], cni["total"], cni["node_pod_status"], cni["all_ready"]) == ("flannel", 2, 3, "crashloop", False)
    (dns,) = observations(result, "dns_service")
    assert (dns["pods_ready"], dns["pods_total"], dns["endpoints"], dns["healthy"]) == (2, 2, ["10.244.0.4", "10.244.0.5"], True)
    (status,) = observations(result, "pod_status")
    assert (status["pod"], status["phase"], status["ready"], status["restarts"]) == ("client-7d9f8b6c5-q2x8m", "Running", True, 0)


def test_kubectl_pods_fill_in_a_pod_destination() -> None:
    result = ingest(SAMPLES / "kubectl-get-pods-wide.txt", _ctx(destination={"ip": "10.244.2.15", "port": 8080}))
    dst = result.facts.endpoints.destination
    assert (dst.kind, dst.name, dst.namespace, dst.node) == ("pod", "web-5c7f9d4b8-8kz2n", "demo", "node-2")
    assert {p["node"] for p in observations(result, "kube_proxy")} == {"node-1", "node-2"}
    assert {s["pod"] for s in observations(result, "pod_status")} == {"client-7d9f8b6c5-q2x8m", "web-5c7f9d4b8-8kz2n"}


def test_kubectl_json_crashlooping_coredns() -> None:
    (dns,) = observations(ingest(SAMPLES / "kubectl-get-pods-dns.json", _ctx()), "dns_service")
    assert (dns["pods_ready"], dns["pods_total"], dns["endpoints"], dns["healthy"]) == (0, 2, [], False)


def test_kubectl_nodes_json_pod_cidr_and_flannel_public_ip() -> None:
    result = ingest(SAMPLES / "kubectl-get-nodes.json", _ctx(source={"kind": "node", "name": "node-3"}))
    (cidr,) = observations(result, "pod_cidr")
    assert (cidr["node"], cidr.get("pod_cidr"), cidr["assigned"]) == ("node-3", None, False)
    nodes = {n.name: n for n in result.facts.cluster.nodes}
    assert (nodes["node-1"].internal_ip, nodes["node-1"].pod_cidr) == ("192.168.10.11", "10.244.1.0/24")
    assert result.facts.endpoints.source.node_ip == "192.168.10.13"
    result = ingest(SAMPLES / "kubectl-get-nodes.json", _ctx(source={"kind": "node", "name": "node-1"}))
    (cidr,) = observations(result, "pod_cidr")
    assert (cidr["pod_cidr"], cidr["assigned"]) == ("10.244.1.0/24", True)


def test_kube_proxy_log_errors_joined_with_its_pod(tmp_path: Path) -> None:
    for name in ("kubectl-get-pods-wide.txt", "kube-proxy-errors.log"):
        shutil.copy(SAMPLES / name, tmp_path / name)
    (proxy,) = observations(ingest(tmp_path, _ctx()), "kube_proxy")
    assert proxy["node"] == "node-1" and proxy["mode"] == "iptables" and proxy["has_log_errors"]
    assert [e.split('"')[1] for e in proxy["log_errors"]] == ["Failed to execute iptables-restore"] * 2


def test_kube_proxy_log_alone_is_a_warning_not_a_guess() -> None:
    result = ingest(SAMPLES / "kube-proxy-errors.log", _ctx())
    assert observations(result, "kube_proxy") == []
    assert any("log of kube-proxy-qj8wz not used" in w.message and w.location.endswith("kube-proxy-errors.log:2") for w in result.warnings)


def test_iptables_save_service_chain_and_firewall_by_chain() -> None:
    backend = {"ip": "10.244.2.15", "port": 8080, "node": "node-2"}
    result = ingest(SAMPLES / "iptables-save-node.txt", _ctx(destination={**WEB_SVC, "backends": [backend]}))
    (svc,) = observations(result, "service_rules")
    assert (svc["kube_services_entry"], svc["svc_chain"], svc["sep_dnat"], svc["complete"]) == (True, True, ["10.244.2.15:8080"], True)
    (fw,) = observations(result, "firewall")
    # On the backend's node the flow is forwarded: FORWARD accepts the Pod range, INPUT's REJECT does not apply.
    assert fw["at"] == "destination_node" and fw["rules"] == []
    # The same dump read for a flow to the node itself: the RHEL catch-all REJECT in INPUT applies.
    result = ingest(SAMPLES / "iptables-save-node.txt", _ctx(destination={"kind": "node", "name": "node-2", "ip": "192.168.10.12", "port": 8080}))
    (fw,) = observations(result, "firewall")
    assert [(r["chain"], r["target"]) for r in fw["rules"]] == [("INPUT", "REJECT")] and fw["rejects"] and fw["blocks_tcp"]
    # ... but not ICMP, which `-A INPUT -p icmp -j ACCEPT` takes before the REJECT: not "all" traffic.
    assert not fw["blocks_all"] and not fw["blocks_icmp"] and fw["verdict"] == "reject"
    (tcp,) = [v for v in fw["verdicts"] if v["role"] == "destination"]
    assert (tcp["rule"], tcp["line"], tcp["reject_with"]) == ("-A INPUT -j REJECT --reject-with icmp-host-prohibited", 18, "icmp-host-prohibited")  # line of the file
    # ... but not for ssh, which an ACCEPT rule takes first.
    result = ingest(SAMPLES / "iptables-save-node.txt", _ctx(destination={"kind": "node", "name": "node-2", "ip": "192.168.10.12", "port": 22}))
    assert observations(result, "firewall")[0]["rules"] == []


def test_iptables_save_service_without_endpoints_and_missing_service() -> None:
    result = ingest(SAMPLES / "iptables-save-node.txt", _ctx(destination={"kind": "service", "ip": "10.96.120.7", "port": 80}))
    (svc,) = observations(result, "service_rules")
    assert (svc["kube_services_entry"], svc["complete"]) == (False, False)
    (fw,) = observations(result, "firewall")
    assert [r["chain"] for r in fw["rules"]] == ["KUBE-SERVICES"] and "has no endpoints" in fw["rules"][0]["text"]
    result = ingest(SAMPLES / "iptables-save-node.txt", _ctx(destination={"kind": "service", "ip": "10.96.99.99", "port": 80}))
    (svc,) = observations(result, "service_rules")
    assert (svc["kube_services_entry"], svc["svc_chain"], svc["sep_dnat"]) == (False, False, [])


def test_iptables_save_piped_through_grep_proves_no_absence(tmp_path: Path) -> None:
    lines = (SAMPLES / "iptables-save-node.txt").read_text().splitlines()
    grepped = [line for line in lines[1:] if "10.96.45.17" in line or line.startswith("*")]
    (tmp_path / "t.txt").write_text("[root@node-2 ~]# iptables-save | grep -e 10.96.45.17 -e '^\\*'\n" + "\n".join(grepped) + "\n")
    result = ingest(tmp_path / "t.txt", _ctx())
    # grep kept the KUBE-SERVICES entry but not the KUBE-SVC/KUBE-SEP lines: nothing is concluded.
    assert observations(result, "service_rules") == []
    assert any("does not show the whole chain" in w.message for w in result.warnings)
    grepped = [line for line in lines[1:] if "demo/web" in line or line.startswith("*")]
    (tmp_path / "t.txt").write_text("[root@node-2 ~]# iptables-save | grep -e demo/web -e '^\\*'\n" + "\n".join(grepped) + "\n")
    (svc,) = observations(ingest(tmp_path / "t.txt", _ctx()), "service_rules")
    assert (svc["kube_services_entry"], svc["svc_chain"], svc["sep_dnat"], svc["complete"]) == (True, True, ["10.244.2.15:8080"], True)
    (tmp_path / "u.txt").write_text("[root@node-2 ~]# iptables-save | grep 10.96.0.77\n[root@node-2 ~]# ping -c 1 10.96.0.77\n"
                                    "PING 10.96.0.77 (10.96.0.77) 56(84) bytes of data.\n\n--- 10.96.0.77 ping statistics ---\n"
                                    "1 packets transmitted, 0 received, 100% packet loss, time 0ms\n")
    result = ingest(tmp_path / "u.txt", _ctx(destination={"kind": "service", "ip": "10.96.0.77", "port": 80}))
    assert observations(result, "service_rules") == [] and len(observations(result, "ping")) == 1
    assert any(w.location.endswith("u.txt:1") and "has no output" in w.message for w in result.warnings)


def test_ipvsadm_virtual_and_real_servers() -> None:
    result = ingest(SAMPLES / "ipvsadm-Ln.txt", _ctx(destination={"kind": "service", "ip": "10.96.0.10", "port": 53}))
    (svc,) = observations(result, "service_rules")
    assert (svc["mode"], svc["ipvs_virtual_server"], svc["complete"]) == ("ipvs", True, True)
    assert svc["ipvs_real_servers"] == ["10.244.0.4:53", "10.244.0.5:53", "10.244.0.4:53", "10.244.0.5:53"]
    (svc,) = observations(ingest(SAMPLES / "ipvsadm-Ln.txt", _ctx()), "service_rules")
    assert (svc["ipvs_virtual_server"], svc["ipvs_real_servers"], svc["complete"]) == (True, [], False)
    (svc,) = observations(ingest(SAMPLES / "ipvsadm-Ln.txt", _ctx(destination={"kind": "service", "ip": "10.96.7.7", "port": 80})), "service_rules")
    assert (svc["ipvs_virtual_server"], svc["complete"]) == (False, False)


def test_ifcfg_static_joined_with_ip_addr(tmp_path: Path) -> None:
    (tmp_path / "node-1").mkdir()
    shutil.copy(SAMPLES / "ifcfg-eth0-static", tmp_path / "node-1" / "ifcfg-eth0")
    (tmp_path / "node-1" / "ip-addr.txt").write_text(
        "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000\n"
        "    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff\n"
        "    inet 192.168.10.11/24 brd 192.168.10.255 scope global noprefixroute eth0\n"
        "       valid_lft forever preferred_lft forever\n"
    )
    result = ingest(tmp_path, _ctx())
    (nic,) = observations(result, "node_addresses")
    assert (nic["at"], nic["host"], nic["bootproto"], nic["static_ip"], nic["dhcp_and_static"]) == ("source_node", "node-1", "none", "192.168.10.11", False)
    assert nic["addresses"] == ["192.168.10.11/24"] and nic["address_count"] == 1


def test_chinese_locale_iputils_ping() -> None:
    result = ingest(SAMPLES / "ping-zh_CN.txt", _ctx(source={"kind": "node", "name": "node-1"}, destination={"kind": "pod", "ip": "10.244.2.15", "port": 8080}))
    got = [(p["target"], p["size"], p["dont_fragment"], p["result"], p["loss_percent"], p.get("error")) for p in observations(result, "ping")]
    assert got == [
        ("10.244.2.15", 56, False, "ok", 0.0, None),
        ("10.244.2.15", 1472, True, "error", 100.0, "Frag needed and DF set (mtu = 1450)"),
        ("10.244.9.9", 56, False, "error", 100.0, "Destination Host Unreachable"),
    ]
    assert all(p["at"] == "source_node" for p in observations(result, "ping"))
    (probe,) = observations(result, "mtu_probe")
    assert (probe["first_failed_size"], probe["full_size_fails"]) == (1472, True)


def test_windows_chinese_ping_and_nslookup_utf8_and_gb18030() -> None:
    for name in ("windows-zh.txt", "windows-zh-gb18030.txt"):
        result = ingest(SAMPLES / name)
        (ping,) = observations(result, "ping")
        assert (ping["target"], ping["size"], ping["result"], ping["loss_percent"], ping["at"]) == ("192.168.10.12", 32, "partial_loss", 25.0, "source_node")
        dns = [(d["name"], d["server"], d["result"], d["answers"]) for d in observations(result, "dns_lookup")]
        assert dns == [
            ("web.demo.svc.cluster.local", "10.96.0.10", "nxdomain", []),
            ("www.example.com", "10.96.0.10", "ok", ["93.184.216.34", "93.184.216.35"]),
        ]
        assert result.facts.endpoints.source.name == "workstation"
        # Nothing in the input says what 192.168.10.12 is: the assumption is a located warning.
        assert any(w.location.endswith(f"{name}:3") and "taken as 'pod'" in w.message for w in result.warnings)


def test_tcpdump_ipip_inner_and_outer_addresses() -> None:
    backend = {"ip": "10.244.2.15", "port": 8080, "node": "node-2"}
    result = ingest(SAMPLES / "tcpdump-ipip.txt", _ctx(destination={**WEB_SVC, "backends": [backend]}))
    (cap,) = observations(result, "capture")
    assert (cap["at"], cap["interface"], cap["request_seen"], cap["reply_seen"], cap["retransmissions"]) == ("source_node", "eth0", True, True, False)
    assert (cap["outer_src"], cap["outer_dst"], cap["inner_src"], cap["inner_dst"]) == ("192.168.10.11", "192.168.10.12", "10.244.1.12", "10.244.2.15")
    # Without the Service's backends the capture cannot be tied to the flow: a warning, no observation.
    result = ingest(SAMPLES / "tcpdump-ipip.txt", _ctx())
    assert observations(result, "capture") == []
    assert any("backends are not known" in w.message for w in result.warnings)


def test_busybox_pod_transcript_with_kubectl_exec_session() -> None:
    result = ingest(SAMPLES / "transcript-busybox-pod.txt")
    src, dst = result.facts.endpoints.source, result.facts.endpoints.destination
    assert (src.kind, src.name, src.namespace) == ("pod", "client-7d9f8b6c5-q2x8m", "demo")
    assert (dst.kind, dst.dns_name) == ("service", "web.demo.svc.cluster.local")
    by_kind = [(o["kind"], o["at"]) for o in observations(result)]
    assert by_kind == [
        ("pod_dns_config", "source_pod"), ("dns_lookup", "source_pod"), ("ping", "source_pod"),
        ("dns_lookup", "other_node"), ("dns_service", "control_plane"),
    ]
    (dns,) = observations(result, "dns_service")
    assert (dns["pods_ready"], dns["endpoints"], dns["healthy"]) == (0, [], False)
    (conf,) = observations(result, "pod_dns_config")
    assert (conf["nameservers"], conf["ndots"], conf["has_cluster_search"]) == (["10.96.0.10"], 5, True)
    # `systemctl status kubelet | head -3`: the unit's state without log lines is said, not used
    assert [str(w) for w in result.warnings] == [f"{SAMPLES / 'transcript-busybox-pod.txt'}:33: `systemctl status` shows only the unit's state (active (running)), no log lines; not used"]


def test_truncated_outputs_give_warnings_with_lines() -> None:
    result = ingest(SAMPLES / "truncated.txt", _ctx(source={"kind": "node", "name": "node-1"}))
    (ping,) = observations(result, "ping")
    # icmp_seq 3 is missing between 2 and 4: loss is proven, its size is not.
    assert (ping["result"], ping.get("loss_percent")) == ("partial_loss", None)
    where = {w.location.rsplit(":", 1)[1]: w.message for w in result.warnings}
    assert "truncated" in where["5"] and "not used" in where["7"] and "not valid" in where["14"] and "no status line" in where["17"]
    assert observations(result, "dns_lookup") == [] and result.facts.cluster.nodes == []


def test_dig_servfail_nslookup_servfail_and_blackhole_route(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text(
        "[root@node-1 ~]# dig @10.96.0.10 orders.shop.svc.cluster.local\n\n"
        "; <<>> DiG 9.16.23-RH <<>> @10.96.0.10 orders.shop.svc.cluster.local\n; (1 server found)\n;; global options: +cmd\n;; Got answer:\n"
        ";; ->>HEADER<<- opcode: QUERY, status: SERVFAIL, id: 20517\n;; flags: qr rd; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1\n"
        ";; WARNING: recursion requested but not available\n\n;; QUESTION SECTION:\n;orders.shop.svc.cluster.local.\tIN\tA\n\n"
        ";; Query time: 4 msec\n;; SERVER: 10.96.0.10#53(10.96.0.10)\n;; WHEN: Wed Mar 22 10:02:11 CST 2023\n;; MSG SIZE  rcvd: 58\n\n"
        "[root@node-1 ~]# nslookup orders.shop.svc.cluster.local 10.96.0.10\nServer:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\n"
        "** server can't find orders.shop.svc.cluster.local: SERVFAIL\n\n"
        "[root@node-1 ~]# ip route\ndefault via 192.168.10.1 dev eth0\nblackhole 10.244.2.0/24 proto bird\n10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1\n"
    )
    result = ingest(tmp_path / "t.txt", _ctx(source={"kind": "node", "name": "node-1"}, destination={"kind": "pod", "ip": "10.244.2.15", "port": 8080}))
    assert [(d["name"], d["server"], d["result"]) for d in observations(result, "dns_lookup")] == [("orders.shop.svc.cluster.local", "10.96.0.10", "servfail")] * 2
    (route,) = observations(result, "route")
    assert (route["destination"], route["present"], route["direction"]) == ("10.244.2.0/24", False, "forward") and "blackhole" in route["note"]


def test_flannel_public_ip_joins_node_addresses(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "kubectl-get-nodes.json", tmp_path / "nodes.txt")
    (tmp_path / "node-1").mkdir()
    (tmp_path / "node-1" / "ip-addr.txt").write_text(
        "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000\n"
        "    inet 192.168.10.11/24 brd 192.168.10.255 scope global eth0\n"
        "    inet 192.168.10.61/24 brd 192.168.10.255 scope global secondary dynamic eth0\n"
    )
    (nic,) = observations(ingest(tmp_path, _ctx()), "node_addresses")
    assert (nic["registered_ip"], nic["flannel_public_ip"], nic["unregistered_addresses"]) == ("192.168.10.11", "192.168.10.11", ["192.168.10.61"])
