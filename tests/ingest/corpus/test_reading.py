"""The corpus comparison is the one README.md states: an expected reading's lists match as sets, and
addresses (plain, with a prefix, with a port) as addresses."""

from __future__ import annotations

from .reading import matches


def test_lists_compare_as_sets() -> None:
    # describe svc lists the same endpoint under each of a Service's two ports (coreos-kubernetes#159)
    want = {"kind": "endpoints", "name": "kube-dns", "addresses": ["10.2.68.3:53"]}
    got = {"kind": "endpoints", "name": "kube-dns", "addresses": ["10.2.68.3:53", "10.2.68.3:53"]}
    assert matches(want, got)
    assert matches({**want, "addresses": ["10.2.68.4:53", "10.2.68.3:53"]}, {**got, "addresses": ["10.2.68.3:53", "10.2.68.4:53"]})
    # near misses: a missing or an extra member is still a different set
    assert not matches(want, {**got, "addresses": ["10.2.68.3:53", "10.2.68.4:53"]})
    assert not matches({**want, "addresses": ["10.2.68.3:53", "10.2.68.4:53"]}, got)
    assert not matches(want, {**got, "addresses": []})
    ports = {"kind": "service", "name": "kube-dns", "ports": ["53/UDP", "53/TCP"]}
    assert matches(ports, {**ports, "ports": ["dns-tcp 53/TCP", "dns 53/UDP"]})
    assert not matches(ports, {**ports, "ports": ["dns 53/UDP"]})


def test_addresses_compare_as_addresses() -> None:
    iface = {"kind": "interface", "name": "eth0", "addresses": ["10.0.0.5/24"]}
    assert matches(iface, {**iface, "addresses": ["10.0.0.5/255.255.255.0"]})
    assert not matches(iface, {**iface, "addresses": ["10.0.0.5/16"]})
    eps = {"kind": "endpoints", "name": "web", "addresses": ["[fd00::1]:8080", "10.0.0.7:80"]}
    assert matches(eps, {**eps, "addresses": ["10.0.0.7:80", "[fd00:0:0::1]:8080"]})
    assert not matches(eps, {**eps, "addresses": ["10.0.0.7:8080", "[fd00::1]:8080"]})
    svc = {"kind": "service", "name": "web", "cluster_ip": "fd00::a"}
    assert matches(svc, {**svc, "cluster_ip": "fd00:0::a"}) and not matches(svc, {**svc, "cluster_ip": "fd00::b"})
    # a name is compared as text
    assert matches({"kind": "dns_lookup", "name": "web.default"}, {"kind": "dns_lookup", "name": "web.default."})


def test_one_value_expected_where_a_list_was_read() -> None:
    got = {"kind": "service", "name": "web", "selector": ["app=web"]}
    assert matches({"kind": "service", "selector": "app=web"}, got)
    assert not matches({"kind": "service", "selector": "app=db"}, got)  # near miss: another value
    assert not matches({"kind": "service", "selector": "app=web"}, {**got, "selector": ["app=web", "tier=fe"]})


def test_an_event_message_takes_the_gaps_of_log_lines() -> None:
    got = {"kind": "pod_event", "message": "Failed to create pod sandbox: rpc error: unable to allocate IP address: Post http://127.0.0.1:6784/ip/x: dial tcp 127.0.0.1:6784: connect: connection refused"}
    assert matches({"kind": "pod_event", "message_contains": "unable to allocate IP address: * dial tcp 127.0.0.1:6784"}, got)
    assert not matches({"kind": "pod_event", "message_contains": "dial tcp 127.0.0.1:6784 * unable to allocate"}, got)  # order counts
