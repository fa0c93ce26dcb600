"""Small helpers shared by the parsers."""

from __future__ import annotations

import ipaddress
import re

IPV4 = r"(?:\d{1,3}\.){3}\d{1,3}"


def is_ip(text: str | None) -> bool:
    if not text:
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def first_ip(words: list[str]) -> str | None:
    for w in words:
        if is_ip(w):
            return w
    return None


def option_value(argv: list[str], *names: str) -> str | None:
    """Value of ``-s 1472``, ``-s1472`` or ``--size=1472`` style options."""
    for i, w in enumerate(argv):
        for n in names:
            if w == n and i + 1 < len(argv):
                return argv[i + 1]
            if n.startswith("--") and w.startswith(n + "="):
                return w.split("=", 1)[1]
            if not n.startswith("--") and len(n) == 2 and w.startswith(n) and len(w) > 2:
                return w[2:]
    return None


def quiet_jc(parser: str, text: str) -> object:
    """Run a jc parser (imported lazily); any exception is returned as None by the callers' choice."""
    import jc

    return jc.parse(parser, text, quiet=True)


def to_int(text: str | None) -> int | None:
    if text is None:
        return None
    m = re.match(r"\s*(\d+)", text)
    return int(m.group(1)) if m else None


def positional(words: list[str], with_value: set[str]) -> list[str]:
    """The non-option words of a command line; options in ``with_value`` take the next word."""
    out, skip = [], False
    for w in words:
        if skip:
            skip = False
        elif w in with_value:
            skip = True
        elif not w.startswith("-"):
            out.append(w)
    return out
