"""The compact text report (``podnet diagnose``'s default): snapshots in English and Chinese, and
what a support engineer reads first.

The snapshots in ``tests/render/snapshots/`` are the reports at the default width without colour;
after a deliberate change of the report or of the knowledge's texts, regenerate them with
``PODNET_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/render`` and review the diff.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from podnet import diagnose
from podnet.render.compact import TOP_CAUSES, render_compact
from podnet.render.terminal import DEFAULT_WIDTH
from tests.conftest import EXAMPLES

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("PODNET_UPDATE_SNAPSHOTS") == "1"
CASES = ["clusterip-dual-address", "dns-coredns-crashloop", "nu-icmp-filtered"]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", CASES)
def test_compact_report_snapshot(name: str, lang: str) -> None:
    got = render_compact(diagnose(EXAMPLES / f"{name}.json", lang=lang), DEFAULT_WIDTH)  # type: ignore[arg-type]
    path = SNAPSHOTS / f"{name}.{lang}.txt"
    if UPDATE:
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}: run with PODNET_UPDATE_SNAPSHOTS=1"
    want = path.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), f"snapshots/{path.name}", "now"))
    assert got == want, f"the compact report changed (PODNET_UPDATE_SNAPSHOTS=1 regenerates it after review):\n{diff}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_clusterip_report_reads_in_five_seconds(lang: str) -> None:
    d = diagnose(EXAMPLES / "clusterip-dual-address.json", lang=lang)  # type: ignore[arg-type]
    lines = render_compact(d).splitlines()
    assert len(lines) <= 25, len(lines)
    top = d.causes[0]
    assert top.id in lines[0] and f"{top.confidence:.2f}" in lines[0] and d.symptoms[0].title in lines[0]
    assert lines[1].strip() == top.title
    # the one command to run now: the confident cause's first remediation step, said where
    step = next(s for s in top.remediation if s.command)
    at = lines.index(f"  $ {step.command}")
    assert at < 6 and step.run_on in lines[at - 1]
    assert ("source node" if lang == "en" else "源节点") in lines[at - 1]
    # the top three causes, one line each, best first, then how many more and how many ruled out
    bars = [i for i, line in enumerate(lines) if "█" in line]
    assert [lines[i].split()[3] for i in bars] == [c.id for c in d.causes[:TOP_CAUSES]]
    assert [lines[i].split()[1] for i in bars] == [f"{c.confidence:.2f}" for c in d.causes[:TOP_CAUSES]]
    assert bars == list(range(bars[0], bars[0] + TOP_CAUSES)) and bars[0] > at
    after = lines[bars[-1] + 1]
    assert f"{len(d.causes) - TOP_CAUSES}" in after and f"{len(d.ruled_out)}" in after
    # why: the strongest evidence for the top cause (its messages, without rule ids)
    strongest = max((ev for ev in top.evidence if ev.direction == "for"), key=lambda ev: ev.weight or 0)
    assert " ".join(strongest.message.split())[:40] in " ".join(" ".join(lines).split())
    assert not any(ev.rule in "\n".join(lines) for ev in top.evidence)
    # and where to find the rest
    assert "--verbose" in lines[-1] and "-o wide" in lines[-1]


def test_chinese_labels_are_translated() -> None:
    d = diagnose(EXAMPLES / "clusterip-dual-address.json", lang="zh")
    text = render_compact(d)
    for english in ("Run now", "Top causes", "Why", "confidence", "more", "ruled out", "Full report", "source node", "source_node"):
        labels_only = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("+", "$")))
        assert english not in labels_only, english


def test_no_cause_gives_the_best_next_check() -> None:
    d = diagnose(EXAMPLES / "clusterip-dual-address.json")
    empty = d.model_copy(update={"causes": [], "ruled_out": []})
    lines = render_compact(empty).splitlines()
    assert "no cause named" in lines[0]
    check = d.next_checks[0]
    assert lines.index(f"  $ {check.command}") < 8
    assert check.title in " ".join(lines)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_warning_is_a_comment_right_before_the_command_to_run_now(lang: str) -> None:
    from podnet.render.text import render_text

    d = diagnose(EXAMPLES / "clusterip-dual-address.json", lang=lang)  # type: ignore[arg-type]
    top = d.causes[0]
    first = next(s for s in top.remediation if s.command)
    warned = first.model_copy(update={"warning": "Restarts the network\n$ touch pwned"})
    d.causes[0] = top.model_copy(update={"remediation": [warned if s is first else s for s in top.remediation]})
    for text in (render_compact(d), render_text(d)):
        lines = text.splitlines()
        at = next(i for i, line in enumerate(lines) if line.strip() == f"$ {first.command}")
        assert lines[at - 1].lstrip().startswith("# ") and "Restarts the network\\n$ touch pwned" in lines[at - 1]
        assert ("WARNING" if lang == "en" else "警告") in lines[at - 1]


def test_library_render_gives_both_text_reports_at_any_width() -> None:
    import podnet

    d = diagnose(EXAMPLES / "clusterip-dual-address.json")
    assert podnet.render(d) == podnet.render(d, "text") == render_compact(d)
    wide = podnet.render(d, "wide", width=120)
    assert wide.count("\n") > 3 * podnet.render(d).count("\n") and "\x1b" not in wide
    assert "\x1b[" in podnet.render(d, "text", color=True)
    assert podnet.render(d, "text", width=60) != podnet.render(d, "text")


def test_warnings_are_counted_on_at_most_two_lines() -> None:
    from podnet.diagnosis import DiagnosisWarning

    d = diagnose(EXAMPLES / "clusterip-dual-address.json")
    long = DiagnosisWarning(code="W-FACTS-CONFLICT", message="contradictory observations left out: " + "x " * 300, location="$.observations[1]")
    d.warnings = [long, DiagnosisWarning(code="W-INGEST", message="second")]
    lines = render_compact(d).splitlines()
    shown = [i for i, line in enumerate(lines) if line.startswith("! ")]
    assert len(shown) == 1 and "2 warning(s)" in lines[shown[0]] and "W-FACTS-CONFLICT" in lines[shown[0]]
    assert lines[shown[0] + 1].endswith("…") and lines[shown[0] + 2].startswith("Full report")
