"""Terminal layout shared by the text reports: width, CJK-aware wrapping, colour.

* :func:`report_width` — the width to lay a report out at: ``COLUMNS``, else the terminal's width,
  else :data:`DEFAULT_WIDTH`, kept between :data:`MIN_WIDTH` and :data:`MAX_WIDTH`.
* :func:`wrap` — a paragraph as lines of at most ``width`` terminal cells. Widths are measured in
  cells (rich's tables: a Chinese character takes two) and a line may break between two Chinese
  characters as well as at spaces, never before closing punctuation (``，。）``...).
* :class:`Lines` — the lines of a report, each with a rich style, and :meth:`Lines.render`, which
  writes them as plain text or, with ``color=True``, with ANSI colours (rich writes the escapes;
  values are rich ``Text``, never markup, so a value cannot restyle the report).
* :func:`use_color` — whether ``--color auto|always|never`` means colour for a stream
  (``auto``: only on a terminal, and not with ``NO_COLOR`` set or ``TERM=dumb``).
"""

from __future__ import annotations

import os
import re
import shutil
from typing import IO, Iterable, Literal, Mapping

from .safe import visible

__all__ = ["DEFAULT_WIDTH", "MAX_WIDTH", "MIN_WIDTH", "ColorMode", "Lines", "cell_len", "report_width", "truncate", "use_color", "wrap"]

DEFAULT_WIDTH = 100
"""Width of a report written to a pipe or a file (no terminal to ask) when ``COLUMNS`` is not set."""
MIN_WIDTH = 40
MAX_WIDTH = 240

MAX_PARAGRAPH = 100_000
"""Longest paragraph wrapped; the rest is cut, with a note saying how much. Fact files cap free
text well below this (the summary at 64 KiB), but a diagnosis built by a library user is not
checked, and wrapping megabytes is slow."""

ColorMode = Literal["auto", "always", "never"]

_TOKEN = re.compile(r"\s+|[^\s]")
_NO_LINE_START = set("，。、；：！？）」』】》〉”’,.;:!?)]}…%")
_NO_LINE_END = set("（「『【《〈“‘")


def cell_len(text: str) -> int:
    """Terminal cells ``text`` takes (rich's tables: a Chinese character takes two). ASCII is one
    cell a character, counted without loading the tables (a plain English report loads no rich)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len as cells

    return cells(text)


def chop_cells(text: str, width: int) -> list[str]:
    """``text`` cut into pieces of at most ``width`` cells."""
    if text.isascii():
        return [text[i : i + width] for i in range(0, len(text), width)] or [""]
    from rich.cells import chop_cells as chop

    return chop(text, width)


def _narrow(ch: str) -> bool:
    return ch.isascii() or cell_len(ch) == 1


def report_width(env: Mapping[str, str] | None = None, stream: IO[str] | None = None) -> int:
    """``COLUMNS`` if set to a number, else the width of ``stream``'s terminal, else :data:`DEFAULT_WIDTH`;
    clamped to :data:`MIN_WIDTH`..:data:`MAX_WIDTH`."""
    env = os.environ if env is None else env
    cols = env.get("COLUMNS", "").strip()
    if cols.isdigit() and int(cols) > 0:
        width = int(cols)
    elif stream is not None and _isatty(stream):
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    else:
        width = DEFAULT_WIDTH
    return max(MIN_WIDTH, min(MAX_WIDTH, width))


def use_color(mode: ColorMode, stream: IO[str] | None, env: Mapping[str, str] | None = None) -> bool:
    """Whether to colour output for ``--color mode`` written to ``stream`` (``None``: a file)."""
    if mode != "auto":
        return mode == "always"
    env = os.environ if env is None else env
    if env.get("NO_COLOR", "") != "" or env.get("TERM") == "dumb":
        return False
    return stream is not None and _isatty(stream)


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _words(text: str) -> list[str]:
    """Break opportunities: a run of spaces, a word of narrow characters, or one wide character
    (closing punctuation stays with what it closes)."""
    out: list[str] = []
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok.isspace():
            out.append(" ")
        elif out and out[-1] != " " and (tok in _NO_LINE_START or out[-1][-1] in _NO_LINE_END or (_narrow(tok) and _narrow(out[-1][-1]))):
            out[-1] += tok  # same word: narrow after narrow, or punctuation that must not start a line
        else:
            out.append(tok)
    return out


def wrap(text: str, width: int, indent: str = "", subsequent: str | None = None) -> list[str]:
    """``text`` (made :func:`~podnet.render.safe.visible`) as lines of at most ``width`` cells, the
    first starting with ``indent``, the others with ``subsequent`` (default: ``indent`` and two spaces).
    A word wider than a line is cut (folded) across lines."""
    if len(text) > MAX_PARAGRAPH:
        text = f"{text[:MAX_PARAGRAPH]} ... (+{len(text) - MAX_PARAGRAPH} characters not shown)"
    text = visible(text)
    rest = indent + "  " if subsequent is None else subsequent
    lines: list[str] = []
    line, used, prefix = "", 0, indent
    space = False

    def room() -> int:
        return max(10, width - cell_len(prefix))

    for word in _words(text):
        if word == " ":
            space = bool(line)
            continue
        w = cell_len(word)
        gap = 1 if space and line else 0
        space = False
        if used + gap + w <= room():
            line, used = line + " " * gap + word, used + gap + w
            continue
        if line:
            lines.append(prefix + line)
            line, used, prefix = "", 0, rest
        if w <= room():
            line, used = word, w
            continue
        pieces = chop_cells(word, room())
        for piece in pieces[:-1]:
            lines.append(prefix + piece)
            prefix = rest
        line, used = pieces[-1], cell_len(pieces[-1])
    if line or not lines:
        lines.append(prefix + line)
    return [ln.rstrip() for ln in lines]


def truncate(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, with an ellipsis when cut."""
    text = visible(text)
    if cell_len(text) <= width:
        return text
    return chop_cells(text, max(1, width - 1))[0].rstrip() + "…"


class Lines:
    """The lines of a report, each plain text with one rich style (``""``: none), or several
    ``(text, style)`` spans."""

    def __init__(self) -> None:
        self._lines: list[list[tuple[str, str]]] = []

    def add(self, text: str = "", style: str = "") -> None:
        self._lines.append([(text, style)])

    def extend(self, texts: Iterable[str], style: str = "") -> None:
        for t in texts:
            self.add(t, style)

    def spans(self, *spans: tuple[str, str]) -> None:
        """One line made of several styled pieces."""
        self._lines.append(list(spans))

    def __len__(self) -> int:
        return len(self._lines)

    def render(self, color: bool = False) -> str:
        """The lines as text; with ``color``, styled with ANSI escapes (every value is escaped
        by :func:`~podnet.render.safe.visible` first either way)."""
        if not color:
            return "".join("".join(visible(t) for t, _ in spans) + "\n" for spans in self._lines)
        import io

        from rich.console import Console
        from rich.text import Text

        buf = io.StringIO()
        console = Console(
            file=buf, force_terminal=True, color_system="standard", no_color=False, highlight=False,
            emoji=False, markup=False, soft_wrap=True, width=MAX_WIDTH, legacy_windows=False,
        )
        for spans in self._lines:
            line = Text()
            for t, style in spans:
                line.append(visible(t), style=style or None)
            console.print(line, soft_wrap=True, crop=False, overflow="ignore")
        return buf.getvalue()
