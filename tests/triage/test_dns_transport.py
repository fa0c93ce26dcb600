"""The lookup question compares UDP with TCP, and reads "connection refused".

The pastes are real BIND ``nslookup`` output captured in the corpus lab (tests/ingest/corpus/capture.py,
lab namespaces): a server whose UDP 53 an iptables rule drops while it answers over TCP (``-vc``), and
a server whose process is gone (nothing listens on port 53). The blind lab's DNS faults showed the
question could not tell these apart (bench/blind_lab/TRIAGE.md): a UDP-only filter and a dead server
both read "timed out" or were not read at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from podnet import diagnose
from podnet.triage.answers import observed_probes
from podnet.triage.questions import knowledge
from podnet.triage.session import TriageSession

CAPTURED = Path(__file__).resolve().parents[1] / "ingest" / "corpus" / "captured"
UDP_DROP_IP, NO_DNS_IP = "198.18.212.4", "198.18.212.5"
AT_POD = "$ kubectl exec -n default client -- "


def _capture(slug: str, prompt: str = "$ ") -> str:
    """The transcript with its shell prompt replaced (the lab typed the command in a shell; at a Pod
    it is run through kubectl exec), the idle prompt after it dropped."""
    lines = (CAPTURED / f"{slug}.txt").read_bytes().decode().replace("\r\n", "\n").splitlines()
    if lines and lines[-1].strip() in ("dnstools#", "bash-5.1#"):
        lines.pop()
    first = lines[0].replace("dnstools# ", prompt).replace("bash-5.1# ", prompt)
    return "\n".join([first, *lines[1:]]) + "\n"


def _session(dns_ip: str) -> TriageSession:
    s = TriageSession.start("dns_failure", case_id="t", summary="the client Pod cannot resolve web.example")
    for slot, value in {"source_kind": "pod", "destination_kind": "service", "source_pod": "default/client", "dns_name": "web.example", "dns_service_ip": dns_ip}.items():
        s.provide(slot, value)
    return s


def _answer(s: TriageSession) -> str | None:
    got = observed_probes(s.facts, knowledge().observation_kinds).get(("dns_lookup", "source_pod"))
    return got[0] if got else None


def _paste_both(s: TriageSession, udp: str, tcp: str) -> None:
    # what the question's printed command gives at a Pod: the two lookups, one after the other
    text = _capture(udp, AT_POD) + _capture(tcp, AT_POD)
    out = s.paste(text, question="dns_lookup@source_pod")
    assert out.answered, out


def test_the_printed_check_asks_over_udp_and_over_tcp() -> None:
    kind = knowledge().observation_kinds["dns_lookup"]
    assert "nslookup -vc" in kind.how["source_pod"].command and "nslookup -vc" in kind.how["source_node"].command


def test_udp_dropped_tcp_answers_is_its_own_answer_and_points_at_the_path() -> None:
    s = _session(UDP_DROP_IP)
    _paste_both(s, "nslookup-udp-dropped-timeout", "nslookup-vc-udp-dropped-ok")
    assert _answer(s) == "udp_times_out_tcp_answers"
    top = s.ranking().beliefs[0]
    assert top.id == "pod_cannot_reach_dns"
    # not decisive while the NetworkPolicies are unread (a policy allowing TCP 53 only gives the same pair)
    d = diagnose(s.facts)
    assert d.top is not None and d.top.id == "pod_cannot_reach_dns" and d.top.confidence < 0.5
    assert not s.ranking().confident
    s.record("network_policy", "control_plane", "none")
    d = diagnose(s.facts)
    assert d.top is not None and d.top.id == "pod_cannot_reach_dns" and d.top.confidence >= 0.8


def test_near_miss_both_transports_refused_is_no_udp_filter() -> None:
    s = _session(NO_DNS_IP)
    _paste_both(s, "nslookup-server-gone-refused", "nslookup-vc-server-gone-refused")
    assert _answer(s) == "refused"
    beliefs = {b.id: b.posterior for b in s.ranking().beliefs}
    assert beliefs["dns_service_down"] > beliefs["pod_cannot_reach_dns"]
    assert all(c.id != "pod_cannot_reach_dns" or c.confidence < 0.5 for c in diagnose(s.facts).causes)


@pytest.mark.parametrize(("slug", "result", "transport"), [
    ("nslookup-udp-dropped-timeout", "timeout", None),
    ("nslookup-vc-udp-dropped-ok", "ok", "tcp"),
    ("nslookup-server-gone-refused", "refused", None),
    ("nslookup-vc-server-gone-refused", "refused", "tcp"),
])
def test_each_capture_alone_reads_as_its_lookup(slug: str, result: str, transport: str | None) -> None:
    s = _session("198.18.212.2")
    s.paste(_capture(slug), question="dns_lookup@source_node")
    [lookup] = [o for o in s.facts.observations if o.kind == "dns_lookup"]
    assert (lookup.result, lookup.transport, lookup.name) == (result, transport, "web.example")


def test_near_miss_udp_alone_timing_out_is_a_plain_timeout() -> None:
    s = _session(UDP_DROP_IP)
    s.paste(_capture("nslookup-udp-dropped-timeout", AT_POD), question="dns_lookup@source_pod")
    assert _answer(s) == "timeout"
    assert all(c.id != "pod_cannot_reach_dns" or c.confidence < 0.8 for c in diagnose(s.facts).causes)


def _bare(slug: str) -> str:
    return "".join(_capture(slug).splitlines(keepends=True)[1:])


def test_bare_output_of_both_runs_is_split_at_the_printed_commands() -> None:
    # the two outputs pasted without their command lines: each run is the output of its command
    s = _session(UDP_DROP_IP)
    out = s.paste(_bare("nslookup-udp-dropped-timeout") + _bare("nslookup-vc-udp-dropped-ok"), question="dns_lookup@source_pod")
    assert out.answered
    lookups = sorted((o.result, o.transport) for o in s.facts.observations if o.kind == "dns_lookup")
    assert lookups == [("ok", "tcp"), ("timeout", None)]
    assert _answer(s) == "udp_times_out_tcp_answers"


def test_near_miss_one_run_under_two_printed_commands_is_read_by_content() -> None:
    # one output for a question that printed two commands: which one ran is unknown, no transport is assumed
    s = _session(UDP_DROP_IP)
    s.paste(_bare("nslookup-vc-udp-dropped-ok"), question="dns_lookup@source_pod")
    [lookup] = [o for o in s.facts.observations if o.kind == "dns_lookup"]
    assert (lookup.result, lookup.transport) == ("ok", None)
