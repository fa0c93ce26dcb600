"""Output of podnet's own printed commands, pasted back at the question that printed them, is read
as that question's answer. The pastes are real: captured by the blind lab's triage run
(bench/blind_lab/triage_lab.py, a namespace lab built by another session; records extracted to
bench/lab_pastes/records.jsonl), where podnet refused or misplaced them. Near misses beside each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podnet.triage.session import AnswerError, TriageSession

RECORDS = Path(__file__).resolve().parents[2] / "bench" / "lab_pastes" / "records.jsonl"
VALUES = {
    "source_kind": "pod", "destination_kind": "service", "destination": "198.19.224.50:80",
    "backends": "198.19.130.10:8080", "destination_name": "default/web", "source_pod": "default/client",
    "source_node": "node-a", "destination_node": "node-b", "source_nic": "eth0", "destination_nic": "eth0",
    "cni": "flannel", "kube_proxy_mode": "iptables", "dns_service_ip": "198.19.224.10",
}


def _paste(fault: str, mode: str, key: str) -> str:
    for line in RECORDS.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if (r["fault"], r["mode"], r["key"]) == (fault, mode, key):
            return str(r["paste"])
    raise AssertionError(f"no record {fault}.{mode} {key}")


@pytest.fixture
def session() -> TriageSession:
    s = TriageSession.start("other", case_id="lab", summary="the client Pod cannot reach web.default.svc.cluster.local")
    for slot, value in VALUES.items():
        s.provide(slot, value)
    return s


def _of(s: TriageSession, kind: str) -> list:
    return [o for o in s.facts.observations if o.kind == kind]


def test_the_df_ping_ladder_is_read_as_df_pings_of_each_size(session):
    out = session.paste(_paste("mtu-mismatch-dest-node", "choose", "mtu_probe@source_pod"), question="mtu_probe@source_pod")
    assert out.answered
    [probe] = _of(session, "mtu_probe")
    assert (probe.at, probe.largest_ok_size, probe.first_failed_size) == ("source_pod", 1200, 1400)


def test_near_miss_size_lines_under_a_plain_ping_are_no_ladder(session):
    text = "$ ping -c 2 -M do -s 1472 198.19.130.10\n1472 failed\n1200 ok\n"
    with pytest.raises(AnswerError):
        session.paste(text, question="mtu_probe@source_pod")
    assert not _of(session, "ping")


def test_ip_link_of_the_node_nic_answers_the_link_question(session):
    out = session.paste(_paste("ip-forward-off-dest-node", "strict", "link_status@destination_node"), question="link_status@destination_node")
    assert out.answered
    assert [(o.at, o.interface, o.state, o.errors) for o in _of(session, "link_status")] == [("destination_node", "eth0", "up", 0)]


def test_near_miss_ip_link_of_another_nic_says_nothing_of_the_node_nic(session):
    text = _paste("ip-forward-off-dest-node", "strict", "link_status@destination_node").replace("eth0", "eth1")
    session.paste(text, question="link_status@destination_node")
    assert not _of(session, "link_status")


def test_iptables_version_and_rule_counts_make_one_backend_reading(session):
    out = session.paste(_paste("dns-server-down", "choose", "iptables_backend@source_node"), question="iptables_backend@source_node")
    assert out.answered
    [b] = _of(session, "iptables_backend")
    assert (b.at, b.host_backend, b.legacy_rules, b.nft_rules) == ("source_node", "nf_tables", 0, 45)


def test_iptables_version_inside_kube_proxy_is_kube_proxys_backend(session):
    text = "$ kubectl exec -n kube-system kube-proxy-7xk2p -- iptables -V\niptables v1.8.4 (legacy)\n"
    session.paste(text, question="iptables_backend@source_node")
    [b] = _of(session, "iptables_backend")
    assert (b.kube_proxy_backend, b.host_backend) == ("legacy", None)


def test_nsenter_with_a_nested_pid_lookup_reads_the_pods_sockets(session):
    # the header alone: nothing listens in the web Pod (its app was stopped), the decisive answer
    out = session.paste(_paste("backend-not-listening", "choose", "listening_sockets@destination_pod"), question="listening_sockets@destination_pod")
    assert out.answered
    [sock] = _of(session, "listening_sockets")
    assert (sock.at, sock.port, sock.listening) == ("destination_pod", 8080, False)


def test_bare_output_at_a_node_question_ran_on_that_node(session):
    text = _paste("forward-drop-dest-node", "strict-bare", "firewall@destination_node")
    assert not text.startswith(("$", "[root@"))
    out = session.paste(text, question="firewall@destination_node")
    assert out.answered
    assert {o.at for o in _of(session, "firewall")} == {"destination_node"}


def test_bare_nc_output_at_the_reachability_question_answers_it(session):
    text = "Connection to 198.19.224.50 80 port [tcp/http] succeeded!\n"
    out = session.paste(text, question="reachability@source_pod")
    assert out.answered
    assert [(o.at, o.result) for o in _of(session, "reachability")] == [("source_pod", "ok")]
    assert [o.result for o in _of(session, "tcp_connect")] == ["connected"]


def test_near_miss_nc_to_another_address_does_not_answer_reachability(session):
    out = session.paste("$ kubectl exec -n default client -- nc -zv -w 3 198.19.99.99 443\nnc: 198.19.99.99 (198.19.99.99:443): Connection timed out\n",
                        question="reachability@source_pod")
    assert not out.answered
    assert not _of(session, "reachability")


def test_a_bare_paste_read_at_a_node_question_names_no_host_after_its_folder():
    # the blind lab's second run: "endpoints.source.name = source-node" was taken from the folder
    # the bare paste was read in, and later commands were printed for a Pod called source-node
    s = TriageSession.start("other", case_id="lab", summary="the client Pod cannot reach web.default.svc.cluster.local")
    s.provide("backends", "198.19.130.10:8080")
    s.provide("destination", "198.19.224.50:80")
    out = s.paste("Connection to 198.19.130.10 8080 port [tcp/http-alt] succeeded!\n", question="tcp_connect@source_node")
    assert out.answered
    assert "source-node" not in json.dumps(s.head)
    assert all(o.host != "source-node" for o in s.facts.observations)


POD_DUMP = """[root@node-b ~]# nsenter -t 4242 -n iptables-save
# Generated by iptables-save v1.8.9 (nf_tables) on Sun Dec  6 20:18:37 2026
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT {match}-p tcp -m tcp --dport 8080 -m comment --comment "policy: deny from node-a pods" -j REJECT --reject-with tcp-reset
COMMIT
# Completed on Sun Dec  6 20:18:37 2026
"""
# the second blind-lab run's pod-port-reject fault, read inside the web Pod with nsenter on node-b


def test_a_pods_own_rules_moved_to_the_destination_pod_are_traced_as_delivered_to_it(session):
    out = session.paste(POD_DUMP.format(match=""), question="firewall@destination_pod")
    assert out.answered
    [fw] = _of(session, "firewall")
    assert fw.at == "destination_pod" and fw.rejects and fw.blocks_tcp
    assert "(input)" in " ".join(v.flow for v in fw.verdicts or [])


def test_near_miss_a_rule_on_the_clients_network_is_undecided_without_the_clients_address(session):
    session.paste(POD_DUMP.format(match="-s 198.19.129.0/24 "), question="firewall@destination_pod")
    [fw] = _of(session, "firewall")
    assert fw.undecided and not fw.blocks_tcp


def test_bare_output_of_a_command_with_a_value_to_fill_in_is_read_by_its_content():
    # the second blind-lab run: `$ kubectl exec -n "${SOURCE_NAMESPACE:?...}" ...` was put above the
    # bare ping output and its placeholder refused as the Pod's namespace (43 pastes)
    s = TriageSession.start("network_unreachable", case_id="lab", summary="the client Pod cannot reach web.default.svc.cluster.local")
    s.provide("backends", "198.19.130.10:8080")
    p = s.observation_prompt("ping@source_pod")
    assert "${" in (p.command or "")
    ping = ("PING 198.19.130.10 (198.19.130.10) 56(84) bytes of data.\n64 bytes from 198.19.130.10: icmp_seq=1 ttl=62 time=0.101 ms\n\n"
            "--- 198.19.130.10 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms\n")
    out = s.paste(ping, question="ping@source_pod")
    assert out.answered
    assert [(o.at, o.result) for o in _of(s, "ping")] == [("source_pod", "ok")]


ROUTES = """[root@node-a ~]# ip route get 198.19.224.50
198.19.224.50 via 198.19.250.254 dev eth0 src 198.19.250.1 uid 0 
    cache 
[root@node-a ~]# route -n
Kernel IP routing table
Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
198.19.128.0    198.19.250.254  255.255.128.0   UG    0      0        0 eth0
198.19.129.0    0.0.0.0         255.255.255.0   U     0      0        0 cni0
198.19.130.0    198.19.250.2    255.255.255.0   UG    0      0        0 eth0
198.19.131.0    198.19.250.3    255.255.255.0   UG    0      0        0 eth0
198.19.250.0    0.0.0.0         255.255.255.0   U     0      0        0 eth0
198.19.251.0    0.0.0.0         255.255.255.0   U     0      0        0 eth1
"""
# the second blind-lab run (rp-filter fault): podnet printed `ip route get` of the ClusterIP, and that
# line, read as the route table, made the route to the backend "missing" (route_missing 0.8, wrong)


def test_ip_route_get_speaks_of_its_own_address_only(session):
    out = session.paste(ROUTES, question="route@source_node")
    assert out.answered
    assert [(o.destination, o.present) for o in _of(session, "route")] == [("198.19.130.0/24", True)]


def test_without_the_peers_pod_network_the_route_is_missing(session):
    # the route-missing fault's own table: only the lab's /17 summary holds 198.19.130.10, while the
    # other nodes' Pod networks inside it have routes of their own
    session.paste("\n".join(line for line in ROUTES.splitlines() if not line.startswith("198.19.130.0")) + "\n", question="route@source_node")
    assert [o.present for o in _of(session, "route")] == [False]


def test_bare_nc_error_of_a_command_with_a_value_to_fill_in_is_read_as_that_nc():
    # the third blind-lab run: the nc error line alone, its command printed with ${SOURCE_NAME:?...}
    s = TriageSession.start("port_unreachable", case_id="lab", summary="the client Pod cannot reach web.default.svc.cluster.local")
    s.provide("backends", "198.19.130.10:8080")
    s.provide("destination", "198.19.224.50:80")
    assert "${" in (s.observation_prompt("tcp_connect@source_pod").command or "")
    out = s.paste("nc: connect to 198.19.130.10 port 8080 (tcp) timed out: Operation now in progress\n", question="tcp_connect@source_pod")
    assert out.answered
    assert [(o.at, o.result) for o in _of(s, "tcp_connect")] == [("source_pod", "timeout")]


def test_bare_output_at_a_node_question_never_takes_the_services_name_as_the_node():
    s = TriageSession.start("port_unreachable", case_id="lab", summary="the client Pod cannot reach web.default.svc.cluster.local")
    s.provide("backends", "198.19.130.10:8080")
    s.provide("destination", "198.19.224.50:80")
    s.provide("destination_name", "default/web")
    s.paste(_paste("forward-drop-dest-node", "strict-bare", "firewall@destination_node"), question="firewall@destination_node")
    fws = _of(s, "firewall")
    assert fws and all(o.at == "destination_node" and o.host != "web" for o in fws)
