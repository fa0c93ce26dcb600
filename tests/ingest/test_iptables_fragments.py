"""iptables rules pasted without their table (issue #13, session 7): ``iptables -L -v`` rows without
a ``Chain`` heading (``| grep``, the command only in a comment) and ``iptables-save`` lines of a
lower-case chain without ``*table`` (``-A cali-INPUT ...``) are read into the iptables kind, as a
fragment: what they show is read; what they lack proves nothing (no trace, no "rule missing").
Lab outputs from ``tests/ingest/corpus/capture_shapes.sh``; public pastes keep their URL beside them."""

from __future__ import annotations

from pathlib import Path

from podnet.inputs.commands import sniff_family
from podnet.inputs.raw.iptables import fragment_table, service_rules

from .conftest import read_paste

HERE = Path(__file__).resolve().parent
CAPTURED = HERE / "corpus" / "captured"


_read = read_paste


def test_list_rows_without_a_chain_heading_are_nat_rules_of_a_fragment(tmp_path: Path) -> None:
    rows = (CAPTURED / "iptables-nat-L-v-grep-rows-no-command.txt").read_text()
    # as pasted, and with the command written as a comment above (written here, as kubernetes#26309 did)
    for text in (rows, "# calling iptables -t nat -L -v | grep kube-dns\n" + rows):
        records, warnings = _read(text, tmp_path)
        [rec] = [r for r in records if r.type == "iptables"]
        assert rec.data["tables"] == ["nat"] and rec.data["piped"] and not rec.data["complete"]
        targets = [r.target.name for r in rec.data["rules"] if r.target is not None]
        assert targets.count("DNAT") == 4 and targets.count("KUBE-MARK-MASQ") == 4
        assert warnings == []
        # a Service not in the fragment: nothing is concluded about its rules
        assert service_rules(rec.data, "198.18.223.10", 53) is None


def test_a_save_fragment_of_a_lower_case_chain_is_read(tmp_path: Path) -> None:
    fragment = (CAPTURED / "iptables-save-cali-input-fragment-no-header.txt").read_text()
    records, warnings = _read(fragment, tmp_path)
    [rec] = [r for r in records if r.type == "iptables"]
    assert rec.data["tables"] == ["filter"] and rec.data["piped"] and [r.chain for r in rec.data["rules"]] == ["cali-INPUT", "cali-INPUT"]
    assert warnings == []


def test_a_kernel_line_after_a_fragment_is_read_on_its_own(tmp_path: Path) -> None:
    # the kernel line: https://github.com/flannel-io/flannel/issues/2116 (its first line, as pasted there)
    kernel = (HERE.parent / "realworld" / "pastes" / "kernel-log-input-dropped-pod-to-kubelet.txt").read_text().split("\n")[0]
    fragment = (CAPTURED / "iptables-save-cali-input-fragment-no-header.txt").read_text()
    records, warnings = _read(fragment + "\n" + kernel + "\n", tmp_path)
    assert {r.type for r in records} >= {"iptables"} and any(r.run.family == "dmesg" for r in records)
    assert [w for w in warnings if w.code.endswith("not_understood")] == []


def test_near_misses() -> None:
    """Help text and prose about rules are no rules; DROP/REJECT keep a fragment in filter."""
    assert sniff_family(["-A, --append chain rule-specification   Append to chain"]) is None
    assert sniff_family(["-a always, -A never"]) is None
    assert fragment_table(["-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m udp --dport 53 -j REJECT"]) is None
    assert fragment_table(["-A KUBE-SEP-X -p tcp -m tcp -j DNAT --to-destination 10.0.0.2:80"]) == "nat"
