"""Session 7 (issue #13 meets the knowledge of 7249d74 and f932a1e): ingest reads

* a lookup sent over TCP (``dig +tcp`` / ``+vc``, ``kdig +tcp``, ``nslookup -vc``, ``host -T``) as a
  ``dns_lookup`` with ``transport: tcp``; a plain (UDP) lookup stays without it;
* every client's "No route to host" (glibc) and "Host is unreachable" (musl: busybox/Alpine) as
  ``tcp_connect`` result ``no_route``;
* ``firewall-cmd --state``, ``systemctl status firewalld`` and ``systemctl is-active firewalld`` as the
  firewall fact's ``firewalld_running``.

Files under lab_session7/ are real output, captured by tests/ingest/corpus/capture_tcp_dns_noroute.sh
(dnsmasq answering in a lab namespace, UDP 53 dropped by iptables in that namespace; a REJECT
--reject-with icmp-host-prohibited; an address nobody answers ARP for), written behind the prompt
``root@client:/# `` (the /dev/tcp command line written back as it was typed). Pastes marked with a URL are
copied from that public thread.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ..conftest import run_podnet
from .conftest import ingest_text, observations

LAB = Path(__file__).parent / "lab_session7"
PROMPT = "root@client:/# "


def _lookups(tmp_path: Path, text: str) -> list[dict[str, object]]:
    return observations(ingest_text(tmp_path, text), "dns_lookup")


def _body(name: str) -> str:
    """A lab capture without its closing prompt (to be joined with others into one transcript)."""
    text = (LAB / f"{name}.txt").read_text()
    assert text.endswith(PROMPT + "\n")
    return text[: -len(PROMPT) - 1]


# ------------------------------------------------------------------ DNS over TCP


@pytest.mark.parametrize(
    ("capture", "result"),
    [
        ("dig-tcp-ok", "ok"), ("dig-vc-ok", "ok"), ("dig-tcp-answers", "ok"), ("nslookup-vc-ok", "ok"),
        ("nslookup-vc-answers", "ok"), ("host-T-ok", "ok"), ("host-T-answers", "ok"), ("kdig-tcp-ok", "ok"),
        ("kdig-tcp-answers", "ok"),
    ],
)
def test_lookup_over_tcp_is_read_with_its_transport(tmp_path: Path, capture: str, result: str) -> None:
    ingested = ingest_text(tmp_path, (LAB / f"{capture}.txt").read_text())
    [lookup] = observations(ingested, "dns_lookup")
    assert (lookup["name"], lookup["server"], lookup["result"]) == ("web-s7.lab.test", "198.18.232.53", result)
    assert lookup["answers"] == ["198.18.232.80"] and lookup["transport"] == "tcp" and lookup["over_tcp"] is True
    assert not ingested.warnings, [str(w) for w in ingested.warnings]


@pytest.mark.parametrize(
    ("capture", "result"),
    [("dig-udp-ok", "ok"), ("kdig-udp-ok", "ok"), ("dig-udp-timeout", "timeout"), ("nslookup-udp-timeout", "timeout"),
     ("host-udp-timeout", "timeout"), ("kdig-udp-timeout", "timeout")],
)
def test_near_miss_a_plain_lookup_stays_without_transport(tmp_path: Path, capture: str, result: str) -> None:
    [lookup] = _lookups(tmp_path, (LAB / f"{capture}.txt").read_text())
    assert lookup["result"] == result and lookup["server"] == "198.18.232.53" and lookup["name"] == "web-s7.lab.test"
    assert lookup.get("transport") is None and lookup["over_tcp"] is False


def test_dig_output_pasted_without_its_command_keeps_tcp_from_its_own_header(tmp_path: Path) -> None:
    # lab: the dig +tcp answer above, its command line left out (dig repeats its options in the header)
    text = (LAB / "dig-tcp-answers.txt").read_text().split("\n", 1)[1].rsplit(PROMPT, 1)[0]
    [lookup] = _lookups(tmp_path, text)
    assert lookup["transport"] == "tcp" and lookup["result"] == "ok"


def test_near_miss_a_truncated_udp_answer_retried_over_tcp_is_not_a_tcp_lookup(tmp_path: Path) -> None:
    # dig's own retry after a truncated UDP answer: UDP 53 worked; the SERVER line's (TCP) does not make it a TCP probe
    text = (
        "$ dig big.example.test @198.18.232.53\n"
        ";; Truncated, retrying in TCP mode.\n\n"
        "; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> big.example.test @198.18.232.53\n"
        ";; global options: +cmd\n;; Got answer:\n"
        ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4242\n"
        ";; flags: qr aa rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1\n\n"
        ";; ANSWER SECTION:\nbig.example.test.\t0\tIN\tA\t198.18.232.81\n\n"
        ";; SERVER: 198.18.232.53#53(198.18.232.53) (TCP)\n;; MSG SIZE  rcvd: 1400\n\n$\n"
    )
    [lookup] = _lookups(tmp_path, text)
    assert lookup["result"] == "ok" and lookup.get("transport") is None


def test_options_that_undo_tcp_win_when_given_last(tmp_path: Path) -> None:
    text = PROMPT + "nslookup -vc -novc web-s7.lab.test 198.18.232.53\n" + _body("dig-udp-timeout").split("\n", 1)[1].replace(
        "; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> +time=2 +tries=1 web-s7.lab.test @198.18.232.53\n;; global options: +cmd\n", "") + PROMPT + "\n"
    [lookup] = _lookups(tmp_path, text)
    assert lookup["result"] == "timeout" and lookup.get("transport") is None


_KUBE_DNS = (
    "$ kubectl -n kube-system get svc kube-dns\n"
    "NAME       TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)                  AGE\n"
    "kube-dns   ClusterIP   198.18.232.53   <none>        53/UDP,53/TCP,9153/TCP   41d\n"
)


def _from_pod(*captures: str) -> str:
    """The lab captures re-typed as run from a Pod (kubectl exec), behind the kube-dns Service listing."""
    parts = [_KUBE_DNS]
    for name in captures:
        cmd, rest = _body(name).split("\n", 1)
        parts.append("$ kubectl exec -it client-7d9f -- " + cmd[len(PROMPT):] + "\n" + rest)
    return "".join(parts) + "$\n"


def _diagnose(tmp_path: Path, text: str) -> dict[str, Any]:
    path = tmp_path / "transcript.txt"
    path.write_text(text)
    proc = run_podnet("diagnose", "--raw", str(path), "-o", "json")
    assert proc.returncode in (0, 1), proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def _rules(cause: dict[str, Any]) -> set[str]:
    return {str(e["rule"]) for e in cause["evidence"]}


def test_end_to_end_udp_times_out_tcp_answers_names_pod_cannot_reach_dns(tmp_path: Path) -> None:
    diagnosis = _diagnose(tmp_path, _from_pod("dig-udp-timeout", "dig-tcp-answers"))
    top = diagnosis["causes"][0]
    # first, but not decisive: an egress NetworkPolicy allowing TCP 53 only gives the same pair, and
    # the transcript does not read the policies (dns-tcp-answers-udp-times-out-no-egress-policy does)
    assert top["id"] == "pod_cannot_reach_dns" and top["confidence"] < 0.8
    assert "dns-tcp-answers-udp-times-out" in _rules(top)


def test_end_to_end_with_nslookup_vc_and_host_T(tmp_path: Path) -> None:
    diagnosis = _diagnose(tmp_path, _from_pod("nslookup-udp-timeout", "nslookup-vc-answers"))
    assert "dns-tcp-answers-udp-times-out" in _rules(diagnosis["causes"][0])
    diagnosis = _diagnose(tmp_path, _from_pod("host-udp-timeout", "host-T-answers"))
    assert "dns-tcp-answers-udp-times-out" in _rules(diagnosis["causes"][0])


def test_near_miss_both_transports_answer_is_not_udp_filtered(tmp_path: Path) -> None:
    diagnosis = _diagnose(tmp_path, _from_pod("dig-udp-ok", "dig-tcp-ok"))
    assert all("dns-tcp-answers-udp-times-out" not in _rules(c) for c in diagnosis["causes"])


# ------------------------------------------------------------------ "No route to host"


@pytest.mark.parametrize(
    ("capture", "port", "tool"),
    [
        ("nc-openbsd-reject", 8081, "nc"), ("busybox-nc-reject", 8081, "nc"), ("telnet-reject", 8081, "telnet"),
        ("devtcp-reject", 8081, "bash /dev/tcp"), ("curl-reject-v", 8081, "curl"),
        ("nc-openbsd-arp", 8080, "nc"), ("busybox-nc-arp", 8080, "nc"), ("telnet-arp", 8080, "telnet"),
        ("devtcp-arp", 8080, "bash /dev/tcp"),
    ],
)
def test_lab_no_route_forms(tmp_path: Path, capture: str, port: int, tool: str) -> None:
    [tcp] = observations(ingest_text(tmp_path, (LAB / f"{capture}.txt").read_text()), "tcp_connect")
    assert (tcp["port"], tcp["result"], tcp["tool"]) == (port, "no_route", tool)


def test_near_miss_curl_7_88_without_v_does_not_say_which_error(tmp_path: Path) -> None:
    # lab: curl 7.88 prints only "Couldn't connect to server" for the same REJECT: no mode is guessed
    for capture in ("curl-reject", "curl-arp"):
        [tcp] = observations(ingest_text(tmp_path, (LAB / f"{capture}.txt").read_text()), "tcp_connect")
        assert tcp["result"] == "failed"


@pytest.mark.parametrize(
    "text",
    [
        # older curl (7.29-7.87) prints the reason on its error line
        "$ curl http://10.0.0.5:8080/\ncurl: (7) Failed to connect to 10.0.0.5 port 8080: No route to host\n$\n",
        "$ curl http://10.0.0.5:8080/\ncurl: (7) Couldn't connect to server: No route to host\n$\n",  # ~7.19-7.28
        # musl's strerror(EHOSTUNREACH): busybox nc in an Alpine Pod
        "/ # nc -v 10.0.0.5 8080\nnc: 10.0.0.5 (10.0.0.5:8080): Host is unreachable\n/ #\n",
    ],
)
def test_no_route_wordings_of_other_builds(tmp_path: Path, text: str) -> None:
    [tcp] = observations(ingest_text(tmp_path, text), "tcp_connect")
    assert tcp["result"] == "no_route" and tcp["port"] == 8080


def test_busybox_wget_host_is_unreachable_public_paste(tmp_path: Path) -> None:
    # https://github.com/portainer/kubesolo/issues/146 (cni0 taken out of firewalld's trusted zone)
    text = (
        "[root@rem ~]# kubectl exec -it traefik-76dc4fcf59-g6fmk -- wget 10.42.0.17:8080 -T 2\n"
        "Connecting to 10.42.0.17:8080 (10.42.0.17:8080)\n"
        "wget: can't connect to remote host (10.42.0.17): Host is unreachable\n"
        "command terminated with exit code 1\n"
        "[root@rem ~]#\n"
    )
    [tcp] = observations(ingest_text(tmp_path, text), "tcp_connect")
    assert (tcp["target"], tcp["port"], tcp["result"], tcp["tool"]) == ("10.42.0.17", 8080, "no_route", "wget")


def test_near_miss_ping_destination_host_unreachable_is_a_ping_not_a_connect(tmp_path: Path) -> None:
    text = (
        "$ ping -c 2 10.0.0.5\nPING 10.0.0.5 (10.0.0.5) 56(84) bytes of data.\n"
        "From 10.0.0.1 icmp_seq=1 Destination Host Unreachable\nFrom 10.0.0.1 icmp_seq=2 Destination Host Unreachable\n\n"
        "--- 10.0.0.5 ping statistics ---\n2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1001ms\n$\n"
    )
    ingested = ingest_text(tmp_path, text)
    assert not observations(ingested, "tcp_connect") and observations(ingested, "ping")[0]["result"] != "ok"


def _node_transcript(*captures: str) -> str:
    parts = []
    for name in captures:
        parts.append(_body(name).replace(PROMPT, "[root@node1 ~]# "))
    return "".join(parts) + "[root@node1 ~]# \n"


def test_end_to_end_ping_answers_and_connect_gets_no_route_ranks_iptables_blocks_traffic(tmp_path: Path) -> None:
    diagnosis = _diagnose(tmp_path, _node_transcript("ping-ok", "curl-reject-v"))
    top = diagnosis["causes"][0]
    assert top["id"] == "iptables_blocks_traffic" and "nu-no-route-host-answers-ping" in _rules(top)


def test_near_miss_no_route_without_a_ping_is_not_the_decisive_rule(tmp_path: Path) -> None:
    diagnosis = _diagnose(tmp_path, _node_transcript("nc-openbsd-reject"))
    assert all("nu-no-route-host-answers-ping" not in _rules(c) for c in diagnosis["causes"])


# ------------------------------------------------------------------ firewalld


_CASE = {"case": {"id": "fw"}, "endpoints": {"source": {"kind": "node", "name": "node1", "node": "node1"},
                                              "destination": {"kind": "pod", "ip": "198.18.232.53", "port": 8081}}}
"""A case for the transcripts that show only firewalld's state (no probe names the destination)."""


def _firewall(tmp_path: Path, text: str) -> list[dict[str, object]]:
    return observations(ingest_text(tmp_path, text, _CASE), "firewall")


@pytest.mark.parametrize(
    ("text", "running"),
    [
        # firewall-cmd(1): --state prints the state to stdout ("running"; "not running" with exit code 252)
        ("[root@node1 ~]# firewall-cmd --state\nrunning\n[root@node1 ~]# \n", True),
        ("[root@node1 ~]# firewall-cmd --state\nnot running\n[root@node1 ~]# \n", False),
        ("[root@node1 ~]# firewall-cmd --list-all\nFirewallD is not running\n[root@node1 ~]# \n", False),
        ("[root@node1 ~]# systemctl is-active firewalld\nactive\n[root@node1 ~]# \n", True),
        ("[root@node1 ~]# systemctl is-active firewalld.service\ninactive\n[root@node1 ~]# \n", False),
        ("[root@node1 ~]# systemctl status firewalld\nUnit firewalld.service could not be found.\n[root@node1 ~]# \n", False),
    ],
)
def test_firewalld_state_forms(tmp_path: Path, text: str, running: bool) -> None:
    [fw] = _firewall(tmp_path, text)
    assert fw["firewalld_running"] is running and fw["at"] == "source_node" and fw.get("rules") is None


def test_systemctl_status_firewalld_running_with_its_journal(tmp_path: Path) -> None:
    # a RHEL 9 host's status block (a public study-notes paste found with the search tool's code corpus, which names
    # no repository for it; cut after CGroup)
    text = (
        "[root@server20 ~]# systemctl status firewalld -l --no-pager\n"
        "● firewalld.service - firewalld - dynamic firewall daemon\n"
        "     Loaded: loaded (/usr/lib/systemd/system/firewalld.service; enabled; preset: enabled)\n"
        "     Active: active (running) since Thu 2024-07-25 13:25:21 MST; 44min ago\n"
        "       Docs: man:firewalld(1)\n"
        "   Main PID: 829 (firewalld)\n"
        "     CGroup: /system.slice/firewalld.service\n"
        "             └─829 /usr/bin/python3 -s /usr/sbin/firewalld --nofork --nopid\n\n"
        "Jul 25 13:25:21 server20 systemd[1]: Starting firewalld - dynamic firewall daemon...\n"
        "Jul 25 13:25:21 server20 systemd[1]: Started firewalld - dynamic firewall daemon.\n"
        "[root@server20 ~]# \n"
    )
    ingested = ingest_text(tmp_path, text, _CASE)
    [fw] = observations(ingested, "firewall")
    assert fw["firewalld_running"] is True
    assert not ingested.warnings, [str(w) for w in ingested.warnings]


def test_near_miss_between_states_is_warned_not_guessed(tmp_path: Path) -> None:
    text = "[root@node1 ~]# systemctl is-active firewalld\nactivating\n" + _node_transcript("ping-ok")
    ingested = ingest_text(tmp_path, text, _CASE)
    assert not observations(ingested, "firewall")
    assert any(w.code == "firewalld_state_unknown" and "activating" in str(w) for w in ingested.warnings)


def test_near_miss_another_unit_is_not_firewalld(tmp_path: Path) -> None:
    text = (
        "[root@node1 ~]# systemctl status kubelet\n"
        "● kubelet.service - kubelet: The Kubernetes Node Agent\n"
        "   Active: active (running) since Thu 2017-11-16 08:29:00 UTC; 3s ago\n"
    ) + _node_transcript("ping-ok")
    assert not _firewall(tmp_path, text)


def test_firewalld_state_joins_the_iptables_dump_of_the_same_node(tmp_path: Path) -> None:
    text = (
        "[root@node1 ~]# firewall-cmd --state\nrunning\n"
        "[root@node1 ~]# iptables-save\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        "-A INPUT -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n"
        "[root@node1 ~]# \n"
    )
    [fw] = _firewall(tmp_path, text)
    assert fw["firewalld_running"] is True and fw["ruleset"]


def test_end_to_end_firewalld_running_adds_its_rule(tmp_path: Path) -> None:
    text = "[root@node1 ~]# firewall-cmd --state\nrunning\n" + _node_transcript("ping-ok", "nc-openbsd-reject")
    top = _diagnose(tmp_path, text)["causes"][0]
    assert top["id"] == "iptables_blocks_traffic"
    assert {"nu-no-route-host-answers-ping", "nu-firewalld-running-no-route"} <= _rules(top)
