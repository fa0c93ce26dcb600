"""Issue #13, two misses of the holdout4 batch read in general (not from its files): busybox
``telnet NAME PORT``, whose error line alone gives the resolved address, and Markdown emphasis
(``*line*``, ``_first line`` ... ``last line_``) an issue thread wraps around a paste.

Tool output is real: the lab capture tests/ingest/corpus/captured/busybox-telnet-name-refused.txt
(capture.py) and telnet-refused.txt, and the iptables-save sample of tests/ingest/samples.
"""

from __future__ import annotations

from pathlib import Path

from podnet.inputs.ingest import parse_runs
from podnet.inputs.model import IngestWarning, Record
from podnet.inputs.text import clean_lines

HERE = Path(__file__).parent
LAB = HERE / "corpus" / "captured"


def _read(tmp_path: Path, text: str) -> tuple[list[Record], list[IngestWarning]]:
    path = tmp_path / "paste.txt"
    path.write_text(text)
    warnings: list[IngestWarning] = []
    return parse_runs(path, warnings), warnings


def _connects(records: list[Record]) -> list[dict]:
    return [r.data for r in records if r.type == "tcp_connect"]


def _lab(name: str) -> str:
    return (LAB / name).read_bytes().decode().replace("\r\n", "\n")


# ------------------------------------------------------------------ busybox telnet NAME PORT

def test_busybox_telnet_to_a_name_reads_the_address_of_its_error_line(tmp_path: Path) -> None:
    records, warnings = _read(tmp_path, _lab("busybox-telnet-name-refused.txt"))
    assert _connects(records) == [{"target": "198.18.212.2", "port": 8081, "result": "refused", "tool": "telnet",
                                   "target_name": "web.example"}]
    assert [r.line for r in records] == [2]
    assert warnings == []


def test_busybox_telnet_timed_out_line_is_a_timeout(tmp_path: Path) -> None:
    text = "/ # telnet kube-dns.kube-system 53\ntelnet: can't connect to remote host (10.96.0.10): Connection timed out\n"
    records, _ = _read(tmp_path, text)
    assert _connects(records) == [{"target": "10.96.0.10", "port": 53, "result": "timeout", "tool": "telnet",
                                   "target_name": "kube-dns.kube-system"}]


def test_busybox_telnet_bad_address_is_no_connection(tmp_path: Path) -> None:
    """Near miss: the name did not resolve, so no address and no connect result is read."""
    records, _ = _read(tmp_path, "/ # busybox telnet nope.example 8080\ntelnet: bad address 'nope.example'\n")
    assert _connects(records) == []


def test_telnet_to_an_address_is_unchanged(tmp_path: Path) -> None:
    records, _ = _read(tmp_path, _lab("telnet-refused.txt"))
    assert _connects(records) == [{"target": "198.18.212.2", "port": 8081, "result": "refused", "tool": "telnet"}]


# ------------------------------------------------------------------ Markdown emphasis

def test_italic_block_around_a_paste_reads_as_the_paste(tmp_path: Path) -> None:
    plain = [line for line in _lab("telnet-refused.txt").split("\n") if line.strip()][:3]
    italic = "_" + "\n".join(plain) + "_\n"
    assert clean_lines(italic)[:3] == plain
    records, warnings = _read(tmp_path, italic)
    assert _connects(records) == [{"target": "198.18.212.2", "port": 8081, "result": "refused", "tool": "telnet"}]
    assert warnings == []


def test_each_line_in_stars_loses_its_stars(tmp_path: Path) -> None:
    plain = [line for line in _lab("busybox-telnet-name-refused.txt").split("\n") if line.strip()][:2]
    records, _ = _read(tmp_path, "\n".join(f"*{line}*" for line in plain) + "\n")
    assert _connects(records)[0]["target"] == "198.18.212.2"


def test_stars_of_shell_and_iptables_survive() -> None:
    save = (HERE / "samples" / "iptables-save-node.txt").read_text()
    assert clean_lines(save) == save.replace("\r\n", "\n").split("\n")
    fragment = ["*nat", "-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m udp --dport 53 -j KUBE-SVC-*", "COMMIT"]
    assert clean_lines("\n".join(fragment)) == fragment
    shell = ["$ ls *.txt", "a.txt  b.txt", "*.txt matched 2*", "_gateway (10.0.0.1) at 52:54:00:12:35:02 [ether] on eth0_"]
    assert clean_lines("\n".join(shell)) == shell


def test_emphasis_stays_inside_its_paragraph_and_outside_fences() -> None:
    assert clean_lines("_telnet 10.0.0.5 53\n\nConnected to 10.0.0.5._") == ["_telnet 10.0.0.5 53", "", "Connected to 10.0.0.5._"]
    assert clean_lines("```\n*a*\n```") == ["", "*a*", ""]
    assert clean_lines("* a list item\n* another*") == ["* a list item", "* another*"]


def test_emphasis_removal_touches_no_other_line_of_the_corpus() -> None:
    """Near misses in bulk (session 7): over every paste of the corpus (public pastes and lab captures,
    ~280 files with globs, ``*nat``, ``-j KUBE-SVC-*``, ``tx_dropped``, ``net.ipv4.ip_forward``,
    ``cali-INPUT``...), Markdown emphasis removal changes only the lines of the two pastes in italics."""
    from podnet.inputs.text import strip_ansi, unmarkdown

    corpus = HERE / "corpus"
    folders = [HERE.parent / "realworld" / "pastes", HERE.parent / "realworld" / "captured", HERE / "samples",
               *(corpus / name for name in ("captured", "holdout2", "holdout3", "holdout4", "tune_pastes"))]
    changed = {}
    for path in (p for folder in folders for p in sorted(folder.iterdir()) if p.suffix in (".txt", "")):
        text = path.read_text(errors="replace").replace("\r\n", "\n")
        plain = [unmarkdown(strip_ansi(line)) for line in text.split("\n")]
        if diff := [(a, b) for a, b in zip(plain, clean_lines(text)) if a != b]:
            changed[path.name] = diff
    assert sorted(changed) == ["italic-telnet-connected-and-trying-bold-describe.txt", "route-n-with-mss-window-irtt-italic.txt"]
    assert all(a.strip("_") == b for diffs in changed.values() for a, b in diffs)


def test_identifiers_with_underscores_survive() -> None:
    lines = ["     rx_dropped: 0", "     tx_dropped: 12", "net.ipv4.ip_forward = 1", ":cali_INPUT - [0:0]",
             "-A cali_INPUT -m comment --comment \"cali:PgIW-V0nEjwPhF_8\" -j cali_forward_check", "__pycache__",
             "_net.ipv4.ip_forward = 1 and cali_INPUT_"]  # the last: Markdown italics around a line (only its ends go)
    assert clean_lines("\n".join(lines)) == lines[:-1] + ["net.ipv4.ip_forward = 1 and cali_INPUT"]
