"""collect follows a failed UDP lookup with the same lookup over TCP (``dig +tcp``), on a real lab.

The DNS Pod's own firewall drops UDP 53 while dnsmasq answers on TCP too: collect records both
lookups with their transport and the diagnosis names pod_cannot_reach_dns. With dnsmasq stopped,
TCP fails as well and no "UDP dropped" reading appears. Needs root (tests/lab/conftest.py).
"""

from __future__ import annotations

from typing import Any

from . import scenarios as sc
from . import topology as t


def _udp_dropped_in_dns_pod(_state: t.LabState) -> None:
    t.ns_exec(t.DNS, ["iptables", "-A", "INPUT", "-p", "udp", "--dport", "53", "-j", "DROP"])


def _dns_down(state: t.LabState) -> None:
    t.stop(state, "dns")


def _lookups(outcome: sc.Outcome) -> list[dict[str, Any]]:
    return [o for o in outcome.facts["observations"] if o["kind"] == "dns_lookup" and o["at"] == "source_pod"]


def test_udp_dropped_at_the_dns_pod_is_read_from_a_tcp_lookup(lab) -> None:
    scenario = sc.Scenario("dns-udp-dropped-in-dns-pod", "pod_cannot_reach_dns",
                           "the DNS Pod's INPUT drops UDP 53; dnsmasq answers over TCP", _udp_dropped_in_dns_pod)
    sc.set_up(scenario)
    outcome = sc.collect_and_diagnose(scenario)
    lookups = _lookups(outcome)
    by_transport = {(o.get("server"), o["transport"]): o["result"] for o in lookups}
    # through resolv.conf and at the cluster DNS the collector found, each over UDP and TCP
    assert by_transport == {(None, "udp"): "timeout", (None, "tcp"): "ok",
                            (t.DNS_SERVICE_IP, "udp"): "timeout", (t.DNS_SERVICE_IP, "tcp"): "ok"}, lookups
    tcp = next(o for o in lookups if o["transport"] == "tcp" and o.get("server"))
    assert tcp["answers"] == [t.WEB_SERVICE_IP]
    assert outcome.causes and outcome.causes[0][0] == "pod_cannot_reach_dns", outcome.causes


def test_dns_server_down_is_not_read_as_udp_dropped(lab) -> None:
    scenario = sc.Scenario("dns-server-down-tcp", "dns_service_down", "dnsmasq is not running", _dns_down)
    sc.set_up(scenario)
    outcome = sc.collect_and_diagnose(scenario)
    lookups = _lookups(outcome)
    assert {o["transport"] for o in lookups} == {"udp", "tcp"}, lookups
    # the server's kernel answers both with a refusal (ICMP port unreachable, TCP reset), every time
    assert {o["result"] for o in lookups} == {"refused"}, lookups
    ids = [c for c, _ in outcome.causes]
    assert "pod_cannot_reach_dns" not in ids, outcome.causes
    assert ids and ids[0] == "dns_service_down", outcome.causes
