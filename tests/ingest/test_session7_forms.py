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
