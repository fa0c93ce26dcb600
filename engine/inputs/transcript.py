"""Split a pasted terminal transcript (or one file per command) into :class:`CommandRun` blocks.

Prompts recognised (the host they name tells where the command ran):

==============================  ===========================================================
``[root@node1 ~]# cmd``         RHEL/CentOS shell on host ``node1`` (a node, unless a Pod of
                                that name is listed by ``kubectl get pods``)
``root@node1:~# cmd``           Debian/Ubuntu shell on host ``node1`` (same rule)
``/ # cmd``, ``~ $ cmd``        busybox/alpine ``ash`` inside a container: a Pod, named by the
                                ``kubectl exec POD -- sh`` line that opened the shell, if any
``bash-4.4# cmd``               a shell without a hostname: a container (Pod)
``C:\\>``, ``PS C:\\>``          a Windows workstation (outside the cluster)
``$ cmd``, ``# cmd``            a shell that does not say where it is (``# `` only when a known
                                command follows, because comments look the same)
==============================  ===========================================================

A ``kubectl exec POD -- cmd`` (or ``docker exec``, ``nsenter -t PID -n``, ``ip netns exec NS``)
command line runs ``cmd`` in that Pod whatever the prompt says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import InputError
from ..files import kind_of, read_source, too_large
from ..limits import max_raw_bytes
from .commands import (
    KNOWN_COMMANDS,
    family_of_file_name,
    parse_command,
    sniff_family,
    split_words,
)
from .model import CommandRun, Host, IngestWarning
from .text import clean_lines, decode

_PROMPTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\[(?P<user>[\w.-]+)@(?P<host>[\w.-]+)(?:\s[^\]]*)?\]\s?[#$]\s?(?P<cmd>.*)$"), "host"),
    (re.compile(r"^(?P<user>[\w.-]+)@(?P<host>[\w.-]+):[^\s#$]*\s?[#$]\s?(?P<cmd>.*)$"), "host"),
    (re.compile(r"^(?:/[^\s#$]*|~)\s[#$]\s?(?P<cmd>.*)$"), "ash"),
    (re.compile(r"^(?:bash|sh)-\d+(?:\.\d+)*[#$]\s?(?P<cmd>.*)$"), "container"),
    (re.compile(r"^(?:PS )?[A-Za-z]:\\[^>]*>\s?(?P<cmd>.*)$"), "windows"),
    (re.compile(r"^\$\s(?P<cmd>\S.*)$"), "bare"),
    (re.compile(r"^#\s?(?P<cmd>\S.*)$"), "bare_hash"),
)


@dataclass
class _Prompt:
    style: str
    host: str | None
    command: str


def match_prompt(line: str) -> _Prompt | None:
    """The prompt and command on a line, or None when the line is output."""
    stripped = line.rstrip()
    for pattern, style in _PROMPTS:
        m = pattern.match(stripped)
        if not m:
            continue
        cmd = m.group("cmd").strip()
        if style == "bare_hash":
            words = split_words(cmd)
            if not words or words[0].split("/")[-1] not in KNOWN_COMMANDS:
                return None
        return _Prompt(style, m.groupdict().get("host"), cmd)
    return None


_SHELLS = {"sh", "ash", "bash", "/bin/sh", "/bin/bash", "/bin/ash", "zsh"}


def split_transcript(lines: list[str], origin: str, warnings: list[IngestWarning], default_host: Host | None = None) -> list[CommandRun]:
    """Cut a transcript into command runs at every prompt line."""
    runs: list[CommandRun] = []
    current: CommandRun | None = None
    exec_pod: Host | None = None  # an interactive `kubectl exec -it POD -- sh` session
    for index, text in enumerate(lines, start=1):
        prompt = match_prompt(text)
        if prompt is None:
            if current is not None:
                current.output.append((index, text))
            continue
        # Which host does this prompt name?
        if prompt.style == "host":
            host: Host | None = Host(None, prompt.host, None, "prompt")
            exec_pod = None
        elif prompt.style in ("ash", "container"):
            host = exec_pod or Host("pod", None, None, "container prompt")
        elif prompt.style == "windows":
            host = Host("workstation", None, None, "windows prompt")
            exec_pod = None
        else:
            host = exec_pod or default_host
        if not prompt.command:
            current = None
            continue
        parsed = parse_command(prompt.command)
        if parsed.host is not None:
            # kubectl exec POD -- cmd: the command ran in the Pod; with a shell, later prompts too.
            # nsenter/docker exec/ip netns exec enter a container of the node the prompt names.
            on_node = host.name if host is not None and host.kind is None and parsed.host.how != "kubectl exec" else None
            host = replace(parsed.host, node=on_node) if on_node else parsed.host
            if parsed.argv and parsed.argv[0] in _SHELLS and len(parsed.argv) == 1:
                exec_pod = parsed.host
                current = None
                continue
        if parsed.argv[:1] == ["exit"]:
            exec_pod = None
            current = None
            continue
        if parsed.family and parsed.family.startswith("kubectl"):
            host = Host("control", host.name if host else None, None, "kubectl")
        current = CommandRun(origin, index, prompt.command, parsed.argv, parsed.family, [], host, parsed.piped)
        runs.append(current)
    return runs


def runs_from_text(text: str, origin: str, warnings: list[IngestWarning], name_hint: str | None = None, default_host: Host | None = None) -> list[CommandRun]:
    """Runs of one file: a transcript when it has prompts, else one command named by the file name or content."""
    lines = clean_lines(text)
    first = next(((i, t) for i, t in enumerate(lines, start=1) if t.strip()), None)
    if first is None:
        warnings.append(IngestWarning.of(f"{origin}:1", "empty_file"))
        return []
    if match_prompt(first[1]) is not None:
        return split_transcript(lines, origin, warnings, default_host)
    any_prompt = next((i for i, t in enumerate(lines, start=1) if match_prompt(t)), None)
    if any_prompt is not None:
        runs = split_transcript(lines, origin, warnings, default_host)
        warnings.append(IngestWarning.of(f"{origin}:{first[0]}", "lines_before_prompt", first=first[0], last=any_prompt - 1))
        return runs
    family = family_of_file_name(name_hint) if name_hint else None
    how = "file name"
    if family is None:
        family = sniff_family(lines)
        how = "content"
    output = [(i, t) for i, t in enumerate(lines, start=1)]
    run = CommandRun(origin, first[0], "", [], family, output, default_host, False)
    if family is None:
        return [run]
    if family.startswith("kubectl"):
        run.host = Host("control", None, None, "kubectl")
    run.command = f"<{family} recognised from its {how}>"
    # A file named like the command may still hold its arguments (`ping-s-1472-M-do-10.0.0.1`): unused.
    return [run]


def read_input(path: Path, warnings: list[IngestWarning], *, max_bytes: int | None = None) -> list[CommandRun]:
    """All command runs of a folder (one file per command, sub-folders naming hosts), a file, or
    stdin (``-``). Only regular files are read (a FIFO, device or socket in a folder is skipped
    with a warning, never opened), and no more than ``max_bytes`` in all (``PODNET_MAX_RAW_BYTES``)."""
    budget = max_raw_bytes() if max_bytes is None else max_bytes
    if str(path) == "-" or not path.is_dir():
        data = read_source(str(path), budget, prefix="E-INGEST", variable="PODNET_MAX_RAW_BYTES")
        name = "<stdin>" if str(path) == "-" else str(path)
        return runs_from_text(decode(data), name, warnings, None if str(path) == "-" else path.name)
    runs: list[CommandRun] = []
    sum_read = 0
    for file in sorted(path.rglob("*")):
        rel = file.relative_to(path)
        if any(part.startswith(".") for part in rel.parts) or file.suffix.lower() in (".json", ".md") and rel.name.lower() in ("context.json", "readme.md"):
            continue
        try:
            mode = file.stat().st_mode
        except OSError as exc:
            warnings.append(IngestWarning.of(f"{file}:1", "cannot_read", error=str(exc.strerror or exc)))
            continue
        what = kind_of(mode)
        if what == "a folder":
            continue
        if what is not None:
            warnings.append(IngestWarning.of(f"{file}:1", "not_regular_file"))
            continue
        host = Host(None, rel.parts[0], None, "folder") if len(rel.parts) > 1 else None
        try:
            data = read_source(str(file), budget, prefix="E-INGEST", variable="PODNET_MAX_RAW_BYTES")
        except InputError as exc:
            if exc.code == "E-INGEST-SIZE":
                raise too_large(str(path), budget + sum_read, "E-INGEST", "PODNET_MAX_RAW_BYTES") from None
            warnings.append(IngestWarning.of(f"{file}:1", "cannot_read", error=exc.message))
            continue
        budget -= len(data)
        sum_read += len(data)
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            warnings.append(IngestWarning.of(f"{file}:1", "binary_file"))
            continue
        runs.extend(runs_from_text(decode(data), str(file), warnings, file.name, host))
    return runs
