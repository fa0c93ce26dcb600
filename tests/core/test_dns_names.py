"""Looked-up names: cluster, short or external; fully qualified or not (podnet.facts.names)."""

from __future__ import annotations

import pytest

from podnet.facts.kinds.probes import Latency
from podnet.facts.names import name_dots, name_key, name_scope
from podnet.facts.observations import DnsLookup


@pytest.mark.parametrize(
    "name, scope, dots",
    [
        ("web.default.svc.cluster.local", "cluster", 4),
        ("web.default.svc.cluster.local.", "cluster", 4),
        ("web.default.svc", "cluster", 2),
        ("kubernetes.default.svc.", "cluster", 2),
        ("servicename", "short", 0),
        # <service>.<namespace every cluster has>: the search list completes it (round 8, busybox ticket)
        ("kubernetes.default", "short", 1),
        ("kube-dns.kube-system", "short", 1),
        # near misses: two labels whose second is no such namespace stay outside names
        ("example.com", "external", 1),
        ("web.shop", "external", 1),
        ("api.example.com", "external", 2),
        ("API.Example.COM.", "external", 2),
        ("svc.example.com", "external", 2),
    ],
)
def test_scope_and_dots(name, scope, dots):
    assert name_scope(name) == scope and name_dots(name) == dots


def test_the_same_name_written_with_and_without_the_final_dot_has_one_key():
    a = DnsLookup(kind="dns_lookup", at="source_pod", name="Api.example.com.", result="ok")
    b = Latency(kind="latency", at="source_pod", operation="dns_lookup", name="api.example.com", value_ms=4000)
    assert a.name_key == b.name_key == name_key("api.example.com") == "api.example.com"
    assert a.fully_qualified and not b.fully_qualified


def test_a_latency_without_a_name_derives_nothing_about_it():
    lat = Latency(kind="latency", at="source_pod", operation="dns_lookup", value_ms=5000)
    assert (lat.name_scope, lat.name_dots, lat.fully_qualified, lat.name_key) == (None, None, None, None)


@pytest.mark.parametrize(
    "qname, expanded",
    [
        ("api.example.com.default.svc.cluster.local.", True),
        ("api.example.com.svc.cluster.local", True),
        ("api.example.com.cluster.local.", True),
        ("web.default.svc.cluster.local.", False),
        ("10-244-1-5.default.pod.cluster.local", False),
        ("api.example.com.", False),
    ],
)
def test_search_expanded_names(qname, expanded):
    from podnet.facts.kinds.dns import search_expanded

    assert search_expanded(qname) is expanded


def _log(*lines):
    from podnet.facts.kinds.dns import CorednsLog

    return CorednsLog(kind="coredns_log", at="control_plane", lines=list(lines))


def test_coredns_log_reads_nxdomain_for_expanded_names_and_upstream_query_errors():
    expanded = '[INFO] 10.244.0.1:53638 - 39734 "AAAA IN api.example.com.default.svc.cluster.local. udp 59 false 512" NXDOMAIN qr,aa,rd 152 0.000127s'
    real = '[INFO] 10.244.0.1:53638 - 39735 "A IN web.default.svc.cluster.local. udp 59 false 512" NXDOMAIN qr,aa,rd 152 0.000127s'
    hinfo = "[ERROR] plugin/errors: 2 7553930501182690030.5295112943253332074. HINFO: read udp 10.200.0.5:48557->172.23.83.11:53: i/o timeout"
    query = "[ERROR] plugin/errors: 2 github.com. A: read udp 172.17.0.2:52159->192.168.49.1:53: i/o timeout"
    assert _log(expanded).search_expansion_nxdomain is True
    assert _log(real, hinfo).search_expansion_nxdomain is False
    assert _log(hinfo).upstream_failing is True and _log(hinfo).upstream_query_errors is False
    assert _log(query).upstream_query_errors is True
    assert _log().search_expansion_nxdomain is False  # the log was read and is clean


def test_a_recent_change_naming_a_network_policy():
    from podnet.facts.kinds.change import RecentChange

    def change(**kw):
        return RecentChange(kind="recent_change", at="control_plane", change="config_edit", **kw).network_policy_change

    assert change(component="NetworkPolicy default-deny-egress") is True
    assert change(description="applied a new network policy to the shop namespace") is True
    assert change(component="kubernetes") is False
    assert change() is None
