"""Clean pasted terminal text: encodings, Windows line endings, ANSI colour codes."""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode(data: bytes) -> str:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (Chinese Windows);
    never fails: what no encoding explains becomes U+FFFD."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # a BOM does not make the rest valid (an odd length, a lone surrogate): replace what is not
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


def strip_ansi(line: str) -> str:
    """Remove colour/cursor escape sequences and stray control characters (keeps tabs)."""
    line = _ANSI.sub("", line)
    # A carriage return inside a line (progress meters) keeps only what was drawn last.
    if "\r" in line:
        line = line.rstrip("\r").split("\r")[-1]
    return _CONTROL.sub("", line)


_FENCE = re.compile(r"^\s*(?:```|~~~)")
_CODE_SPAN_LINE = re.compile(r"^\s*`(?!`)")
_BOLD_LINE = re.compile(r"^(\s*)\*\*(\S.*?)\*\*\s*$")


def unmarkdown(line: str) -> str:
    """A line as the terminal showed it, when it was pasted into an issue as Markdown: a code fence
    (```` ``` ````) is a blank line; a line opened by a code span (`` `user@host:~$ curl ...` ``)
    loses its backticks; a row made bold (``**name  1/1  Running**``) loses its stars."""
    if _FENCE.match(line):
        return ""
    if _CODE_SPAN_LINE.match(line):
        return line.replace("`", "")
    m = _BOLD_LINE.match(line)
    return m.group(1) + m.group(2) if m else line


def clean_lines(text: str) -> list[str]:
    """Split text into lines without ANSI codes or carriage returns (CRLF, CR or LF endings), and
    without the Markdown an issue thread wraps around a paste (:func:`unmarkdown`)."""
    text = text.replace("\r\n", "\n")
    return [unmarkdown(strip_ansi(line)) for line in text.split("\n")]
