"""sudo's own complaint that it cannot resolve the machine's host name, printed before the output of
the command it runs (``sudo: unable to resolve host k8s-master-node: Connection timed out``): a failed
lookup of the node's own name through its resolver (sudo calls getaddrinfo on the host name and
prints the resolver's error). Read as a ``dns_lookup`` of that name; the line is taken out of the
command's output so that the command's parser never sees it.

Errors and the result they show (glibc's messages): ``Connection timed out`` a timeout (no server
answered), ``Name or service not known`` / ``No address associated with hostname`` an nxdomain,
anything else (``Temporary failure in name resolution``, ``Resource temporarily unavailable``) a
lookup that failed without its mode.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import CommandRun, ParseResult

_UNABLE = re.compile(r"^\s*sudo: unable to resolve host ([\w.-]+)(?:: (.+?))?\s*$")
_RESULTS = ((re.compile(r"timed out", re.IGNORECASE), "timeout"),
            (re.compile(r"Name or service not known|No address associated with hostname", re.IGNORECASE), "nxdomain"))


def sudo_lookups(run: CommandRun) -> tuple[ParseResult, CommandRun]:
    """The lookups sudo's ``unable to resolve host`` lines show, and the run without those lines."""
    res = ParseResult()
    kept: list[tuple[int, str]] = []
    for n, text in run.output:
        m = _UNABLE.match(text)
        if m is None:
            kept.append((n, text))
            continue
        why = m.group(2) or ""
        result = next((r for pattern, r in _RESULTS if pattern.search(why)), "failed")
        res.add(run, "dns_lookup", {"name": m.group(1), "result": result, "answers": []}, n)
    return res, (replace(run, output=kept) if res.records else run)
