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
    result = collect([Vantage("current", role="source_pod")], Plan(targets=[Target("127.0.0.1", _free_port())], timeout=1))
    assert any("taken as a Pod" in w for w in result.warnings)


def test_collect_prints_its_warnings_in_chinese_with_lang_zh() -> None:
    from ..conftest import run_podnet

    proc = run_podnet("collect", "--here", "--as", "source_pod", "--to", f"127.0.0.1:{_free_port()}", "--timeout", "1", "--lang", "zh")
    assert proc.returncode == 0, proc.stderr
    assert "podnet: warning: 目标 127.0.0.1 不在任何已知网段中：视为 Pod（请传入 --service-cidr 和 --pod-cidr）" in proc.stderr.splitlines()
    assert "taken as a Pod" not in proc.stderr
