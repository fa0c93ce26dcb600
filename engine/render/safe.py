"""Printing values safely: control characters made visible, Markdown escaped, code fences that hold.

Reports carry values from the fact file (names, notes, the case summary) and are read in
terminals, pasted into tickets and copied into shells. A value must not be able to move the
cursor, recolour the terminal, start a new line that looks like a command, or close a Markdown
code block. These helpers are the one place where that is done:

* :func:`visible` — every control character (C0, DEL, C1), Unicode bidirectional override and lone
  surrogate becomes a visible escape: ``\\n``, ``\\r``, ``\\t``, ``\\x1b``, ``\\u202e``, ``\\ud800``.
* :func:`one_line` — whitespace runs (line breaks included) become one space, then :func:`visible`.
* :func:`md_text` — :func:`visible` plus Markdown escaping of inline syntax, and of block syntax
  at the start (``#``, ``>``, ``-``, ``1.``...), so a value is shown as text, never as markup.
* :func:`md_code_span` and :func:`md_fence` — inline code and fenced blocks whose backtick run is
  longer than any run inside.
* :func:`json_text` — JSON text with C1 controls, bidi overrides and lone surrogates written as
  ``\\uXXXX`` escapes (the same data once parsed; C0 controls JSON escapes itself).
"""

from __future__ import annotations

import re

_UNSAFE = "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_RE = re.compile(f"[{_UNSAFE}]")
_JSON_UNSAFE_RE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

_MD_INLINE = re.compile(r"([\\`*_\[\]<|~&])")
_MD_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control character, bidi override and lone surrogate escaped visibly."""
    return _UNSAFE_RE.sub(_escape, text)


def one_line(text: str) -> str:
    """A multi-line value (the case summary) as one line: whitespace runs become one space."""
    return visible(" ".join(text.split()))


def md_text(text: str) -> str:
    """A value for Markdown prose: control characters visible, inline and block markup escaped."""
    out = _MD_INLINE.sub(r"\\\1", visible(text)).strip()
    return _MD_BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), out, count=1)


def _longest_run(text: str, ch: str = "`") -> int:
    runs = re.findall(f"{re.escape(ch)}+", text)
    return max((len(r) for r in runs), default=0)


def md_code_span(text: str) -> str:
    """Inline code holding ``text`` literally, whatever backticks it contains."""
    body = visible(text)
    ticks = "`" * (_longest_run(body) + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or not body.strip() else ""
    return f"{ticks}{pad}{body}{pad}{ticks}"


def md_fence(lines: list[str], info: str = "", indent: str = "") -> list[str]:
    """A fenced code block of ``lines`` (control characters made visible), with a fence longer than
    any backtick run inside, each line indented by ``indent`` (inside a list item)."""
    body = [visible(line) for line in lines]
    fence = "`" * max(3, _longest_run("\n".join(body)) + 1)
    return [f"{indent}{fence}{info}", *(f"{indent}{line}" for line in body), f"{indent}{fence}"]


def json_text(text: str) -> str:
    """JSON text with the characters terminals act on, which JSON leaves raw, as ``\\uXXXX``."""
    return _JSON_UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
