"""Clean pasted terminal text: encodings, Windows line endings, ANSI colour codes."""

from __future__ import annotations

import html
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


_FENCE = re.compile(r"^\s*(?:```|~~~)(?!.*```\s*$)")
_ONE_LINE_FENCE = re.compile(r"^\s*```(?P<body>.*?[^`\s].*?)```\s*$")
"""A fence opened and closed on one line (```` ```plugin/errors: ... i/o timeout``` ````): its text is the line."""
_CODE_SPAN_LINE = re.compile(r"^\s*`(?!`)")
_BOLD_LINE = re.compile(r"^(\s*)\*\*(\S.*?)\*\*\s*$")


def unmarkdown(line: str) -> str:
    """A line as the terminal showed it, when it was pasted into an issue as Markdown: a code fence
    (```` ``` ````) is a blank line, a fence closed on its own line is its text; a line opened by a code span (`` `user@host:~$ curl ...` ``)
    loses its backticks; a row made bold (``**name  1/1  Running**``, or twice over) loses its stars."""
    if m := _ONE_LINE_FENCE.match(line):
        return m.group("body")
    if _FENCE.match(line):
        return ""
    if _CODE_SPAN_LINE.match(line):
        return line.replace("`", "")
    while m := _BOLD_LINE.match(line):  # ``****Address: 10.0.0.1****``: bold typed twice
        line = m.group(1) + m.group(2)
    return line


_EM_OPEN = re.compile(r"^(\s*)([*_])(?![*_\s])")
_EM_CLOSE = re.compile(r"(?<![\s*_])([*_])\s*$")
_NOT_EMPHASIS = re.compile(r"^\s*\*(?:filter|nat|mangle|raw|security)\s*$|^\s*\*(?:\.|/\S)|^\s*_gateway\b")
"""``*filter`` opens an iptables-save table, ``*.txt`` / ``*/5`` is a glob or crontab and ``_gateway`` is
systemd-resolved's name for the default gateway (``arp -a``): not Markdown."""


def unemphasize(lines: list[str]) -> list[str]:
    """Lines without the Markdown emphasis an issue thread puts around a paste: ``*text*`` or
    ``_text_`` around a whole line, or opened at the start of one line and closed at the end of a
    later line of the same paragraph (``_telnet 10.0.0.5 53`` ... ``Trying 10.0.0.5..._``). Inside a
    code fence, and where the marker is shell (a glob, ``-j KUBE-SVC-*``, ``*filter``), nothing changes."""
    out = list(lines)
    in_fence, i = False, 0
    while i < len(out):
        line = out[i]
        if _FENCE.match(line):
            in_fence = not in_fence
        opened = None if in_fence else _EM_OPEN.match(line)
        if opened is None or _NOT_EMPHASIS.match(line):
            i += 1
            continue
        marker = opened.group(2)
        for j in range(i, len(out)):
            if j > i and (not out[j].strip() or _FENCE.match(out[j])):
                break  # emphasis does not cross a paragraph
            body = out[j][opened.end() :] if j == i else out[j]
            closed = _EM_CLOSE.search(body)
            if closed and closed.group(1) == marker and body[: closed.start()].strip():
                out[i] = opened.group(1) + line[opened.end() :]
                if j == i:
                    out[i] = opened.group(1) + body[: closed.start()]
                else:
                    out[j] = body[: closed.start()]
                i = j
                break
        i += 1
    return out


_QUOTE = re.compile(r"^ {0,3}> ?")
_HTTP_REQUEST = re.compile(r"^> [A-Z]+ \S+ HTTP/")


def unquote(lines: list[str]) -> list[str]:
    """Lines without the Markdown block quote an issue thread puts around a paste (``> listening on
    cali0...``): a paragraph whose every line opens with ``>``, after a blank line or at the start,
    outside a code fence, at least two lines long. A ``>`` line right after a command is the shell's
    PS2 continuation, curl -v prints its request as ``> GET ...`` lines, and a fenced paste keeps its
    own text: they stay."""
    out = list(lines)
    in_fence, i = False, 0
    while i < len(out):
        if _FENCE.match(out[i]):
            in_fence = not in_fence
        starts = not in_fence and _QUOTE.match(out[i]) and (i == 0 or not out[i - 1].strip())
        if not starts:
            i += 1
            continue
        j = i
        while j < len(out) and out[j].strip() and _QUOTE.match(out[j]):
            j += 1
        if (j < len(out) and out[j].strip()) or j - i < 2 or _HTTP_REQUEST.match(out[i]):
            # the paragraph goes on without ">", or one ">" line (curl -v's request headers, each
            # after a blank line when the terminal doubled its CRs): not a block quote
            i = max(j, i + 1)
            continue
        for k in range(i, j):
            out[k] = _QUOTE.sub("", out[k], count=1)
        i = j
    return out


_PRE_OPEN = re.compile(r"^\s*<pre(?:\s[^>]*)?>(?:<code(?:\s[^>]*)?>)?", re.IGNORECASE)
_PRE_CLOSE = re.compile(r"(?:</code>)?</pre>\s*$", re.IGNORECASE)


def unhtml(lines: list[str]) -> list[str]:
    """Lines without the HTML block an issue thread wraps around a paste (``<pre><code>NAME  READY ...``
    ... ``k8s-3</code></pre>``): the tags at the start of the first line and the end of the last go, and
    the lines between are unescaped (``&lt;none&gt;`` is ``<none>``). Tags inside a line are left alone."""
    out: list[str] = []
    inside = False
    for line in lines:
        opened = _PRE_OPEN.match(line)
        if opened:
            line, inside = line[opened.end() :], True
        if inside:
            closed = _PRE_CLOSE.search(line)
            if closed:
                line, inside = line[: closed.start()], False
            line = html.unescape(line)
        out.append(line)
    return out


def clean_lines(text: str) -> list[str]:
    """Split text into lines without ANSI codes or carriage returns (CRLF, CR or LF endings), and
    without the Markdown or HTML an issue thread wraps around a paste (:func:`unhtml`, :func:`unquote`,
    :func:`unemphasize`, :func:`unmarkdown`)."""
    text = text.replace("\r\n", "\n")
    return [unmarkdown(line) for line in unemphasize(unquote(unhtml([strip_ansi(line) for line in text.split("\n")])))]
