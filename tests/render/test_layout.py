"""Terminal layout of the text reports: CJK-aware wrapping by cell width, commands never broken,
every example's reports within the width in both languages, the packet path's defects of issue 15
(a ruled-out cause among the suspects, an unwrapped paragraph of over 600 characters)."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from podnet import diagnose
from podnet.render.compact import render_compact
from podnet.render.terminal import Lines, report_width, use_color, wrap
from podnet.render.text import render_text
from tests.conftest import EXAMPLES

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))


def test_wrap_measures_cells_and_breaks_between_chinese_characters() -> None:
    text = "在 source_node 访问 10.233.0.100:5000 结果为 timeout，而后端 10.233.65.46:5000 可以连通，这是一个很长的中文句子需要被正确地折行处理。"
    lines = wrap(text, 30, "  ")
    assert all(cell_len(line) <= 30 for line in lines)
    assert "".join(line.strip() for line in lines).replace(" ", "") == text.replace(" ", "")
    cjk = re.compile(r"[\u4e00-\u9fff]")
    # a Chinese run breaks between two characters where the line is full (no space to break at)
    assert any(cjk.match(a.strip()[-1]) and cjk.match(b.strip()[0]) and cell_len(a) >= 28 for a, b in zip(lines, lines[1:]))
    assert not any(line.strip()[0] in "，。）：" for line in lines)  # no line starts with closing punctuation
    assert "10.233.0.100:5000" in " ".join(lines)  # an address is never split


def test_wrap_keeps_english_words_and_folds_only_what_cannot_fit() -> None:
    assert wrap("alpha beta gamma delta", 12, "", "") == ["alpha beta", "gamma delta"]
    assert wrap("alpha beta gamma delta", 12) == ["alpha beta", "  gamma", "  delta"]  # continuations indented
    assert wrap("x" * 25, 10, "", "") == ["x" * 10, "x" * 10, "x" * 5]
    assert wrap("a\x1b[31mb", 40) == ["a\\x1b[31mb"]  # control characters made visible


def test_width_from_columns_terminal_or_default_within_bounds() -> None:
    assert report_width({"COLUMNS": "132"}) == 132
    assert report_width({"COLUMNS": "5"}) == 40 and report_width({"COLUMNS": "9999"}) == 240
    assert report_width({}) == 100 and report_width({"COLUMNS": "wide"}) == 100


def test_colour_decision() -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    tty = Tty()
    assert use_color("auto", tty, {}) is True  # type: ignore[arg-type]
    assert use_color("auto", tty, {"NO_COLOR": "1"}) is False  # type: ignore[arg-type]
    assert use_color("auto", tty, {"TERM": "dumb"}) is False  # type: ignore[arg-type]
    assert use_color("auto", None, {}) is False
    assert use_color("always", None, {"NO_COLOR": "1"}) is True and use_color("never", tty, {}) is False  # type: ignore[arg-type]


def test_colour_never_lets_a_value_write_an_escape() -> None:
    out = Lines()
    out.spans(("name: ", "bold"), ("\x1b[2J\x1b]0;owned\x07", "cyan"))
    coloured = out.render(color=True)
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == "name: \\x1b[2J\\x1b]0;owned\\x07\n" == out.render()


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [60, 100])
def test_every_example_fits_the_width(lang: str, width: int) -> None:
    too_wide = []
    for path in EXAMPLE_FILES:
        d = diagnose(path, lang=lang)  # type: ignore[arg-type]
        for view, text in (("compact", render_compact(d, width)), ("full", render_text(d, width))):
            too_wide += [f"{path.name} {view}: {line}" for line in text.splitlines() if cell_len(line) > width and not line.lstrip().startswith("$ ")]
    assert not too_wide, "\n".join(too_wide[:10])


def test_the_path_lists_no_ruled_out_suspect_and_wraps_its_explanation() -> None:
    d = diagnose(EXAMPLES / "clusterip-dual-address.json")
    ruled_out = {c.id for c in d.ruled_out}
    assert d.path is not None and ruled_out & set(d.path.suspects)  # the case of issue 15: cni_plugin_fault
    full = render_text(d)
    path = full[full.index("Packet path (from the captures):") :]
    suspects = next(line for line in path.splitlines() if "Suspected causes:" in line)
    assert not any(c in suspects for c in ruled_out) and d.causes[0].id in suspects
    assert max(len(line) for line in full.splitlines() if not line.lstrip().startswith("$ ")) <= 100
    assert " ".join(d.path.explanation.split()) in " ".join(path.split())  # all of it, wrapped


def test_an_english_sentence_quoting_chinese_uses_the_whole_width() -> None:
    """Issue 15: a sentence with a few Chinese words wrapped at 60 columns (half the width)."""
    full = render_text(diagnose(EXAMPLES / "clusterip-dual-address.json"), 100)
    mixed = [line for line in full.splitlines() if re.search(r"[\u4e00-\u9fff]", line) and re.search(r"[a-z]{4} [a-z]{4}", line)]
    assert mixed and all(cell_len(line) <= 100 for line in mixed)
    assert max(cell_len(line) for line in mixed) > 80
