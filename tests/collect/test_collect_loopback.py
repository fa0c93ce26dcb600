"""The whole collector on the loopback interface of the namespace the tests run in (no root, no lab)."""

from __future__ import annotations

import socket

from podnet.collect import Plan, Target, Vantage, collect


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connected_and_refused_on_loopback() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        open_port = server.getsockname()[1]
        closed_port = _free_port()
        result = collect(
            [Vantage("current", role="source_pod")],
            Plan(targets=[Target("127.0.0.1", open_port), Target("127.0.0.1", closed_port)], timeout=2, case_id="loopback"),
        )
    facts = result.facts
    assert facts.case.id == "loopback"
    tcp = {o.port: o.result for o in facts.observations if o.kind == "tcp_connect"}  # type: ignore[attr-defined]
    assert tcp == {open_port: "connected", closed_port: "refused"}
    assert facts.endpoints.destination.ip == "127.0.0.1" and facts.endpoints.destination.port == open_port
    assert all(o.at == "source_pod" for o in facts.observations)
    # a gap is a stated gap: every kind that could not be observed comes with a warning
    for kind in facts.unobservable:
        assert any(kind in w for w in result.warnings)


def test_destination_without_known_ranges_is_flagged() -> None:
    # 127.0.0.2: no range and no vantage point's own address holds it (127.0.0.1 is lo's: a node's address)
    result = collect([Vantage("current", role="source_pod")], Plan(targets=[Target("127.0.0.2", _free_port())], timeout=1))
    assert any("taken as a Pod" in w for w in result.warnings)
    assert result.facts.endpoints.destination.kind == "pod"


def test_the_vantage_points_own_address_is_a_node_and_no_guess() -> None:
    result = collect([Vantage("current", role="source_node")], Plan(targets=[Target("127.0.0.1", _free_port())], timeout=1))
    assert result.facts.endpoints.destination.kind == "node"
    assert not any("taken as a Pod" in w for w in result.warnings)


def test_collect_prints_its_warnings_in_chinese_with_lang_zh() -> None:
    from ..conftest import run_podnet

    proc = run_podnet("collect", "--here", "--as", "source_pod", "--to", f"127.0.0.2:{_free_port()}", "--timeout", "1", "--lang", "zh")
    assert proc.returncode == 0, proc.stderr
    assert "podnet: warning: 目标 127.0.0.2 不在任何已知网段中：视为 Pod（请传入 --service-cidr 和 --pod-cidr）" in proc.stderr.splitlines()
    assert "taken as a Pod" not in proc.stderr
