"""Every output line a parser does not understand is a located warning (``FILE:LINE``), never a
guess: ping, dig, nslookup, ip addr, ss, ip route, route -n and iptables-save run for real in the namespace lab (netlab.py), read
clean (no such warning), then again with a foreign line pasted into the middle of each output
(exactly one warning, at that line, and the same records as before)."""

from __future__ import annotations

import shlex
import time
from pathlib import Path

import pytest

from podnet.inputs.ingest import parse_runs
from podnet.inputs.model import IngestWarning, Record

from . import netlab
from .netlab import B_DROP, B_IP, B_LOSSY

FOREIGN = "Press any key to continue . . . (pasted from another window)"

COMMANDS = {
    "iputils ping ok": ["ping", "-c", "2", "-i", "0.2", B_IP],
    "iputils ping partial loss": ["ping", "-c", "4", "-i", "0.2", B_LOSSY],
    "iputils ping lost": ["ping", "-c", "2", "-i", "0.2", "-W", "1", B_DROP],
    "busybox ping": ["busybox", "ping", "-c", "2", B_IP],
    "dig answer": ["dig", f"@{B_IP}", "+time=1", "+tries=1", "web.example"],
    "dig nxdomain": ["dig", f"@{B_IP}", "+time=1", "+tries=1", "nope.example"],
    "dig timeout": ["dig", f"@{B_DROP}", "+time=1", "+tries=1", "web.example"],
    "nslookup answer": ["nslookup", "web.example", B_IP],
    "nslookup nxdomain": ["nslookup", "nope.example", B_IP],
    "nslookup timeout": ["nslookup", "-timeout=1", "-retry=0", "web.example", B_DROP],
    "busybox nslookup": ["busybox", "nslookup", "web.example", B_IP],
    "ip addr": ["ip", "addr"],
    "ip -s link": ["ip", "-s", "link"],
    "ss -ltnp": ["ss", "-ltnp"],
    "ip route": ["ip", "route"],
    "route -n": ["route", "-n"],
    "iptables-save": ["iptables-save"],  # lab-b's, which holds the lab's DROP rule
}
ON_B = ("ss", "iptables-save")
NOT_UNDERSTOOD = ("lines_not_understood", "route_lines_not_understood", "iptables_lines_not_understood")
"""The per-stretch warnings: the common wording, and the route and iptables parsers' own."""


def _read(tmp_path: Path, text: str) -> tuple[list[Record], list[IngestWarning]]:
    path = tmp_path / "paste.txt"
    path.write_text(text)
    warnings: list[IngestWarning] = []
    return parse_runs(path, warnings), warnings


def _without_lines(value: object) -> object:
    """A record's data without its line numbers (the pasted line shifts those after it)."""
    if isinstance(value, dict):
        return {k: _without_lines(v) for k, v in value.items() if k != "line"}
    if isinstance(value, list):
        return [_without_lines(v) for v in value]
    return value


def _summary(records: list[Record]) -> list[tuple[str, object]]:
    return [(r.type, _without_lines(r.data)) for r in records]


def _settled(lab: netlab.Lab) -> None:
    """Wait (at most 5 s) for IPv6 duplicate address detection on the lab link: while it runs,
    ``ip`` may print "Dump was interrupted and may be inconsistent." (rightly a located warning)."""
    for _ in range(50):
        if "tentative" not in lab.run(lab.a, ["ip", "addr"]):
            return
        time.sleep(0.1)


@pytest.fixture(scope="module")
def outputs(lab: netlab.Lab) -> dict[str, str]:
    targets = (B_IP, B_DROP, B_LOSSY)
    _settled(lab)
    return {name: f"[root@lab-a ~]# {shlex.join(argv)}\n" + lab.run(lab.b if argv[0] in ON_B else lab.a, argv,
                                                                      targets=tuple(t for t in targets if t in argv))
            for name, argv in COMMANDS.items()}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_real_output_is_understood_line_by_line(outputs: dict[str, str], name: str, tmp_path: Path) -> None:
    records, warnings = _read(tmp_path, outputs[name])
    assert records, (name, outputs[name], [str(w) for w in warnings])
    assert not [w for w in warnings if w.code in (*NOT_UNDERSTOOD, "more_lines_not_understood")], (outputs[name], [str(w) for w in warnings])


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_foreign_line_is_a_located_warning_and_changes_nothing(outputs: dict[str, str], name: str, tmp_path: Path) -> None:
    clean_records, clean_warnings = _read(tmp_path, outputs[name])
    lines = outputs[name].splitlines()
    at = min(3, len(lines))  # after the command line and the first output lines
    pasted = "\n".join([*lines[:at], FOREIGN, *lines[at:]]) + "\n"
    records, warnings = _read(tmp_path, pasted)
    located = [w for w in warnings if w.code in NOT_UNDERSTOOD]
    assert [w.location.rsplit(":", 1)[1] for w in located] == [str(at + 1)], [str(w) for w in warnings]
    assert FOREIGN[:40] in located[0].message
    # not understood never becomes a reading: the records are those of the clean output
    if name == "iptables-save":
        # the same rules; the dump keeps its text, and a line in it not understood (a rule mangled in the
        # paste?) means it is not known whole: a flow that no printed rule takes stays undecided
        def rules(recs: list[Record]) -> list[tuple[str, str]]:
            return [(r.chain, r.text) for rec in recs if rec.type == "iptables" for r in rec.data["rules"]]
        assert rules(records) == rules(clean_records) and rules(records)
        assert [rec.data["ruleset"].complete for rec in clean_records + records if rec.type == "iptables"] == [True, False]
    else:
        assert _summary(records) == _summary(clean_records)
    assert len(warnings) == len(clean_warnings) + 1


SAMPLES = Path(__file__).parent / "samples"


@pytest.mark.parametrize("sample", ["ipvsadm-Ln.txt", "tcpdump-ipip.txt"])
def test_ipvsadm_and_tcpdump_locate_each_foreign_line(sample: str, tmp_path: Path) -> None:
    """ipvsadm and tcpdump (samples starting with their prompt line): every stretch of foreign lines
    is located (two pasted apart give two warnings), and read around."""
    lines = (SAMPLES / sample).read_text().splitlines()
    assert lines[0].startswith("[root@node-1 ~]# ")
    clean_records, clean_warnings = _read(tmp_path, "\n".join(lines) + "\n")
    assert not [w for w in clean_warnings if w.code == "lines_not_understood"]
    pasted = [*lines[:3], FOREIGN, *lines[3:5], FOREIGN, *lines[5:]]
    records, warnings = _read(tmp_path, "\n".join(pasted) + "\n")
    located = [w.location.rsplit(":", 1)[1] for w in warnings if w.code == "lines_not_understood"]
    assert located == ["4", "7"], [str(w) for w in warnings]
    assert _summary(records) == _summary(clean_records)


def test_iptables_fragment_locates_each_cut_and_keeps_the_rules(tmp_path: Path) -> None:
    """An iptables-save fragment from a public thread (kube-arm#62, tests/netfilter/data) with the
    reporter's two "..." cuts: one warning per cut, at its line, in the iptables wording (the
    earlier single count warning said only how many); the rules around them are read."""
    text = (Path(__file__).parents[1] / "netfilter" / "data" / "kube-arm-62-forward-drop.txt").read_text()
    records, warnings = _read(tmp_path, "[root@worker-1 ~]# " + text)
    located = [(w.location.rsplit(":", 1)[1], w.code) for w in warnings if w.code in NOT_UNDERSTOOD]
    assert located == [("2", "iptables_lines_not_understood"), ("20", "iptables_lines_not_understood")], [str(w) for w in warnings]
    assert all("'...'" in w.message and "not understood as iptables rules" in w.message for w in warnings if w.code in NOT_UNDERSTOOD)
    (rules,) = [r for r in records if r.type == "iptables"]
    assert rules.data["rules"] and rules.data["ruleset"].complete is False  # a cut dump is never taken as whole
