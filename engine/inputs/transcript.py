"""Split a pasted terminal transcript (or one file per command) into :class:`CommandRun` blocks.

Prompts recognised (the host they name tells where the command ran); leading blanks are ignored
(a paste indented as a Markdown code block):

==============================  ===========================================================
``[root@node1 ~]# cmd``         RHEL/CentOS shell on host ``node1`` (a node, unless a Pod of
                                that name is listed by ``kubectl get pods``)
``root@node1:~# cmd``           Debian/Ubuntu shell on host ``node1`` (same rule)
``core@node1 ~ $ cmd``          Container Linux / Gentoo shell on host ``node1`` (same rule)
``dnstools# cmd``,              a shell showing only its host name (busybox/alpine images such
``dnsutils:/# cmd``             as infoblox/dnstools); only before a known command
``/ # cmd``, ``~ $ cmd``        busybox/alpine ``ash`` inside a container: a Pod, named by the
                                ``kubectl exec POD -- sh`` line that opened the shell, if any
``bash-4.4# cmd``               a shell without a hostname: a container (Pod)
``C:\\>``, ``PS C:\\>``          a Windows workstation (outside the cluster)
``$ cmd``, ``# cmd``            a shell that does not say where it is (``# `` only when a known
                                command follows, because comments look the same)
no prompt at all                a known command line (``kubectl get svc``, ``curl -v URL``) on the
                                first line or after a blank line, or the same command again right
                                after the previous one's output: where it ran is not said
==============================  ===========================================================

A ``kubectl exec POD [--] cmd`` (or ``docker exec``, ``nsenter -t PID -n``, ``ip netns exec NS``)
command line runs ``cmd`` in that Pod whatever the prompt says. Shell continuation lines
(``> do`` after ``for ...``, or after a line ending in ``\\``) belong to the command line. A run
records whether another prompt followed it (the command finished: an empty output is then its
whole output) and whether its output ends with ``^C`` (the user stopped a command that hung).
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
    SHAPE_FAMILIES,
    family_of_file_name,
    parse_command,
    sniff_family,
    split_words,
)
from .model import CommandRun, Host, IngestWarning
from .text import clean_lines, decode

_PROMPTS: tuple[tuple[re.Pattern[str], str], ...] = (
    # ``[root@node-1 ~]#``, NixOS's ``[demo@nixos:~]$``
    (re.compile(r"^\[(?P<user>[\w.-]+)@(?P<host>[\w.-]+)(?:[\s:][^\]]*)?\]\s?[#$]\s?(?P<cmd>.*)$"), "host"),
    (re.compile(r"^(?P<user>[\w.-]+)@(?P<host>[\w.-]+):[^\s#$]*\s?[#$]\s?(?P<cmd>.*)$"), "host"),
    (re.compile(r"^(?P<user>[\w.-]+)@(?P<host>[\w.-]+) [^\s#$]+ [#$]\s?(?P<cmd>.*)$"), "host"),
    # busybox's ``/ #``, a home directory's ``~ $`` or ``~$ cmd``, or a directory in it (``~/.octoprint # cmd``)
    (re.compile(r"^(?:/[^\s#$]*|~(?:/[^\s#$]*)?)(?:\s[#$]\s?|[#$]\s)(?P<cmd>.*)$"), "ash"),
    # a bracket prompt whose "[" was lost when copied (``root@kc0 ~]# kubectl get pods``)
    (re.compile(r"^(?P<user>[\w.-]+)@(?P<host>[\w.-]+)\s[^\]\s]*\]\s?[#$]\s?(?P<cmd>.*)$"), "host_cut"),
    (re.compile(r"^(?:bash|sh)-\d+(?:\.\d+)*[#$]\s?(?P<cmd>.*)$"), "container"),
    (re.compile(r"^(?:PS )?[A-Za-z]:\\[^>]*>\s?(?P<cmd>.*)$"), "windows"),
    (re.compile(r"^(?P<host>[A-Za-z][\w.-]*)(?::[/~][^\s#$]*)?\s?[#$]\s?(?P<cmd>\S.*)$"), "host_only"),
    (re.compile(r"^(?:(?P<host>[A-Za-z][\w.-]*)\s+)?➜\s+(?P<cmd>\S.*)$"), "zsh_arrow"),
    (re.compile(r"^\$\s(?P<cmd>\S.*)$"), "bare"),
    # a host name redacted into a placeholder (``<not-working-host>$ nc 10.0.0.1 80``)
    (re.compile(r"^<(?P<host>[\w .-]+)>\s?[#$]\s?(?P<cmd>\S.*)$"), "placeholder"),
    (re.compile(r"^#\s{0,2}(?P<cmd>\S.*)$"), "bare_hash"),
    # PowerShell's or a minimal PS1's ``> kubectl get svc`` (a quote or a redirection otherwise: only before a known command)
    (re.compile(r"^>\s(?P<cmd>\S.*)$"), "bare_gt"),
)

_NEEDS_KNOWN_COMMAND = ("bare_hash", "bare_gt", "host_only", "zsh_arrow", "placeholder")
"""Prompt styles that look like text (``# comment``, ``word# ...``): a prompt only before a known command."""

_PROMPTLESS = frozenset(
    ["kubectl", "k", "oc", "curl", "wget", "ping", "ping6", "nslookup", "dig", "kdig", "host", "getent", "telnet", "nc", "ncat", "netcat",
     "iptables", "iptables-save", "iptables-legacy-save", "iptables-nft-save", "ip6tables-save", "ipvsadm", "ip", "ss", "netstat",
     "tcpdump", "conntrack", "sysctl", "cat", "dmesg", "journalctl", "sudo", "docker", "crictl", "busybox", "timeout", "route",
     "ethtool", "ifconfig", "nft", "uptime", "nproc", "getenforce", "firewall-cmd", "ausearch", "traceroute", "tracepath", "mtr", "arp"]
)
"""Commands recognised on a line of their own without any prompt (first line, or after a blank line)."""
_NO_ARGS_OK = frozenset(["iptables-save", "iptables-legacy-save", "iptables-nft-save", "ip6tables-save", "dmesg", "uptime", "nproc",
                         "getenforce", "ifconfig", "route", "ipvsadm"])


_ZSH_DIR = re.compile(r"^\S+\s+(?:git:\([^)]*\)\s*)?(?:✗\s*)?")
"""oh-my-zsh's prompt after its arrow: the directory and the git branch (``➜  ~ git:(main) ✗ cmd``)."""


@dataclass
class _Prompt:
    style: str
    host: str | None
    command: str


def _known(command: str) -> bool:
    words = split_words(command)
    return bool(words) and words[0].lstrip("(").split("/")[-1] in KNOWN_COMMANDS


def match_prompt(line: str, seen: set[str] | frozenset[str] = frozenset()) -> _Prompt | None:
    """The prompt and command on a line, or None when the line is output. ``seen`` holds the prompts
    already met with a known command after them: such a prompt alone (``dnstools#`` closing the
    paste) is a prompt too."""
    stripped = line.strip()
    for pattern, style in _PROMPTS:
        m = pattern.match(stripped)
        if not m:
            continue
        cmd = m.group("cmd").strip()
        if style == "zsh_arrow":
            cmd = _ZSH_DIR.sub("", cmd) if not _known(cmd) else cmd
        if style in _NEEDS_KNOWN_COMMAND and not _known(cmd):
            continue
        return _Prompt(style, m.groupdict().get("host"), cmd)
    if stripped and stripped in seen:
        return _Prompt("host_only" if stripped[0].isalpha() else "bare", re.sub(r"[:#$].*$", "", stripped) or None, "")
    return None


def _prompt_text(line: str, prompt: _Prompt) -> str:
    """The prompt part of a prompt line (the line without its command)."""
    stripped = line.strip()
    return stripped[: len(stripped) - len(prompt.command)].strip() if prompt.command and stripped.endswith(prompt.command) else stripped


def promptless_command(line: str) -> _Prompt | None:
    """A command line typed without a prompt (``kubectl get svc``), or None. Only commands podnet
    knows, with their usual words (``curl: (7) ...`` is output: the name is followed by a colon)."""
    words = split_words(line.strip())
    # one blank before the command is the Markdown (" ping 10.0.0.1"); an indented line is output
    if not words or words[0] not in _PROMPTLESS or line[:1] == "\t" or line[:2].isspace():
        return None
    if len(words) == 1 and words[0] not in _NO_ARGS_OK:
        return None
    parsed = parse_command(line.strip())
    if parsed.family is None and words[0] not in ("kubectl", "k", "oc") and parsed.host is None:
        return None
    return _Prompt("none", None, line.strip())


_OUTPUT_ENDS: dict[str, re.Pattern[str]] = {
    "ping": re.compile(r"(?:rtt|round-trip) min/avg/max|\d+(?:\.\d+)?% packet loss"),
    "dig": re.compile(r"^;; MSG SIZE\s+rcvd:|^;; connection timed out|^;; communications error"),
}
"""The line a command's output ends with (ping's statistics, dig's footer): a command line typed
without a prompt right after it is the next command, whatever its family."""


def _output_complete(run: CommandRun) -> bool:
    end = _OUTPUT_ENDS.get(run.family or "")
    return end is not None and any(end.search(text) for _, text in run.output[-2:])


_CONTINUES = re.compile(r"^\s*(?:for|while|until|if|case|select)\b|\\$")
"""A command line the shell continues on the next lines (PS2 ``> ``)."""

_SHELLS = {"sh", "ash", "bash", "/bin/sh", "/bin/bash", "/bin/ash", "zsh"}


_TABLES = frozenset({"kubectl_pods", "kubectl_services", "kubectl_endpoints", "kubectl_nodes", "kubectl_netpol", "kubectl_namespaces"})
"""``kubectl get`` tables: one row per object, name first."""

_EVENTS_BLOCK = re.compile(r"^(?:Events:|Type\s+Reason\s+Age\s+From\s+Message)$")
"""The start of a ``kubectl describe`` Events block, which names its command by itself."""


def split_transcript(lines: list[str], origin: str, warnings: list[IngestWarning], default_host: Host | None = None) -> list[CommandRun]:
    """Cut a transcript into command runs at every prompt line (and every prompt-less command line
    that starts the paste or follows a blank line)."""
    runs: list[CommandRun] = []
    current: CommandRun | None = None
    continuing = False  # the shell is still reading the command line (PS2 "> " lines)
    exec_pod: Host | None = None  # an interactive `kubectl exec -it POD -- sh` session
    previous_blank = True
    seen_prompts: set[str] = set()
    more: list[str] = []  # continuation lines of the current command line
    current_promptless = False  # the current run's command line had no prompt
    for index, text in enumerate(lines, start=1):
        if continuing and current is not None and not current.output and text.lstrip().startswith(">"):
            more.append(text.strip())
            continuing = bool(_CONTINUES.search(text)) or not text.strip().endswith(("done", "fi", "esac"))
            if not continuing:
                _complete(current, more)
            continue
        if more and current is not None:
            _complete(current, more)  # output began (or a prompt) before the loop's "done"
        continuing = False
        prompt = match_prompt(text, seen_prompts)
        if prompt is None and previous_blank:
            prompt = promptless_command(text)
        elif prompt is None and current is not None and current.output and _output_complete(current):
            # a command line straight after an output that has ended (ping's statistics): the next command
            prompt = promptless_command(text)
        elif prompt is None and current is not None and current.output and current.family in _TABLES and not current.piped:
            # a kubectl table's rows never start with a command podnet knows: `kubectl get svc` typed
            # straight after `kubectl get pods`'s last row is the next command
            again = promptless_command(text)
            prompt = again if again is not None and parse_command(again.command).family is not None else None
        elif prompt is None and current is not None and current_promptless and current.output and current.family is not None:
            # the same command again, pasted without a prompt straight after the last one's output
            # (`curl URL1` / `curl: (7) ...` / `curl URL2`): only a command of the same family counts
            again = promptless_command(text)
            prompt = again if again is not None and parse_command(again.command).family == current.family else None
        elif prompt is not None and prompt.command and prompt.style in _NEEDS_KNOWN_COMMAND:
            seen_prompts.add(_prompt_text(text, prompt))
        if prompt is None and previous_blank and current is not None and current.output and text.strip():
            # a routing table or interface stanza pasted after another command's output, without its own command
            # ... or a describe's Events block pasted after another output (the Pod's listing)
            events = _EVENTS_BLOCK.match(text.strip())
            shape = "kubectl_describe" if events else sniff_family(lines[index - 1 : index + 1])
            if (events or shape in SHAPE_FAMILIES) and shape != current.family:
                current = _recognised(CommandRun(origin, index, "", [], shape, [], exec_pod or default_host, False), "content", warnings)
                current_promptless = True
                runs.append(current)
        previous_blank = not text.strip()
        if prompt is None:
            if current is not None:
                current.output.append((index, text))
                if text.rstrip().endswith("^C"):
                    current.interrupted = True
            continue
        if current is not None:
            current.ended_by_prompt = True
        # Which host does this prompt name?
        if prompt.style in ("host", "host_only", "host_cut") or prompt.style == "zsh_arrow" and prompt.host:
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
            on_node = host.name if host is not None and host.kind is None and parsed.host.how not in ("kubectl exec", "kubectl run") else None
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
        current_promptless = prompt.style == "none"
        continuing = bool(_CONTINUES.search(prompt.command))
        runs.append(current)
    if more and current is not None:
        _complete(current, more)
    return runs


def _complete(run: CommandRun, more: list[str]) -> None:
    """Join the continuation lines to the command line (once: a long one stays linear) and read it
    again: a loop around a command podnet knows is that command."""
    run.command = "\n".join([run.command, *more])
    more.clear()
    inner = parse_command(run.command)
    if inner.family is not None:
        run.argv, run.family, run.piped = inner.argv, inner.family, inner.piped
        run.host = inner.host or run.host


def _starts_command(lines: list[str]) -> int | None:
    """Line number of the first prompt or prompt-less command line, or None."""
    previous_blank = True
    for i, t in enumerate(lines, start=1):
        if match_prompt(t) is not None or previous_blank and promptless_command(t) is not None:
            return i
        previous_blank = not t.strip()
    return None


def runs_from_text(text: str, origin: str, warnings: list[IngestWarning], name_hint: str | None = None, default_host: Host | None = None) -> list[CommandRun]:
    """Runs of one file: a transcript when it has prompts, else one command named by the file name or content."""
    lines = clean_lines(text)
    first = next(((i, t) for i, t in enumerate(lines, start=1) if t.strip()), None)
    if first is None:
        warnings.append(IngestWarning.of(f"{origin}:1", "empty_file"))
        return []
    any_prompt = _starts_command(lines)
    if any_prompt == first[0]:
        return split_transcript(lines, origin, warnings, default_host)
    if any_prompt is not None:
        runs = split_transcript(lines, origin, warnings, default_host)
        return _before_first_prompt(lines[: any_prompt - 1], origin, warnings, default_host) + runs
    family = family_of_file_name(name_hint) if name_hint else None
    if family is not None:
        # A file named like the command may still hold its arguments (`ping-s-1472-M-do-10.0.0.1`): unused.
        return [_recognised(CommandRun(origin, first[0], "", [], family, list(enumerate(lines, start=1)), default_host, False), "file name")]
    # a routing table or interface stanza says which command printed it, with a warning; a listing or log says so silently
    return [_recognised(run, "content", warnings if run.family in SHAPE_FAMILIES else None) if run.family else run
            for run in _blocks(lines, origin, default_host)]


def _before_first_prompt(lines: list[str], origin: str, warnings: list[IngestWarning], default_host: Host | None) -> list[CommandRun]:
    """Output pasted above the first command of a transcript (a Pod listing, a curl error, then
    ``$ ping ...``): read like a paste without commands, each block by its content (:func:`_blocks`);
    a block nothing recognises is warned as lines before the first prompt, never guessed at."""
    runs: list[CommandRun] = []
    for run in _blocks(lines, origin, default_host):
        if run.family:
            runs.append(_recognised(run, "content", warnings if run.family in SHAPE_FAMILIES else None))
        else:
            numbers = [n for n, t in run.output if t.strip()]
            warnings.append(IngestWarning.of(f"{origin}:{numbers[0]}", "lines_before_prompt", first=numbers[0], last=numbers[-1]))
    return runs


_TABLE_HEADER = re.compile(r"^(?:NAMESPACE\s+)?NAME\s+[A-Z][A-Z()/-]*(?:\s+[A-Z][A-Z()/-]*)+\s*$")
"""A kubectl listing's header row: a new table after a blank line in a paste without commands."""


_CUT_FAMILIES = SHAPE_FAMILIES | {"dmesg", "iptables_save", "iptables_list"}
"""Outputs recognised from one line of their own: after a blank line they start a new block of a
paste without commands (an iptables fragment, then a kernel line)."""


def _blocks(lines: list[str], origin: str, default_host: Host | None) -> list[CommandRun]:
    """Output pasted without its commands: one run, recognised from its content, cut where a blank
    line is followed by a listing header of another kind (``get pods`` then ``get svc``) or by a
    line of a :data:`_CUT_FAMILIES` output of another kind."""
    runs: list[CommandRun] = []
    start = 0
    current: str | None | bool = False  # the family of the block from `start` (False: not sniffed yet)
    for k in range(1, len(lines)):
        if lines[k - 1].strip() or not lines[k].strip():
            continue
        family = sniff_family(lines[k:k + 2])
        if not _TABLE_HEADER.match(lines[k].strip()) and family not in _CUT_FAMILIES:
            continue
        if current is False:
            current = sniff_family(lines[start:k])
        if family is not None and family != current:
            runs.append(_block(lines, start, k, origin, default_host))
            start, current = k, False
    runs.append(_block(lines, start, len(lines), origin, default_host))
    return [r for r in runs if r.nonblank]


def _block(lines: list[str], start: int, end: int, origin: str, default_host: Host | None) -> CommandRun:
    output = [(i, lines[i - 1]) for i in range(start + 1, end + 1)]
    first = next((i for i, t in output if t.strip()), start + 1)
    return CommandRun(origin, first, "", [], sniff_family(lines[start:end]), output, default_host, False)


_INFERRED_COMMAND = {"ip_route": "ip route", "route": "route -n", "ip_addr": "ip addr", "ifconfig": "ifconfig"}
"""How a warning names a command inferred from its output's shape (:data:`commands.SHAPE_FAMILIES`)."""


def _recognised(run: CommandRun, how: str, warnings: list[IngestWarning] | None = None) -> CommandRun:
    """A run without a command line, named by the family its file name or content showed; with
    ``warnings``, a located warning says the command was inferred from the output's shape."""
    if run.family and run.family.startswith("kubectl"):
        run.host = Host("control", None, None, "kubectl")
    run.command = f"<{run.family} recognised from its {how}>"
    if warnings is not None:
        first = next((n for n, t in run.output if t.strip()), run.line)
        shown = _INFERRED_COMMAND.get(run.family or "", run.family)
        warnings.append(IngestWarning.of(run.where(first), "command_inferred", family=f"`{shown}`"))
    return run


_CONTROL_BYTES = bytes(set(range(32)) - {9, 10, 13, 27})


def is_binary(data: bytes) -> bool:
    """Not text a terminal showed: a NUL, or many control bytes, in the first 4 KiB (a pcap, a core
    file, random bytes). UTF-16 with its BOM is text."""
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in head or len(head.translate(None, _CONTROL_BYTES)) < len(head) * 0.95


def read_input(path: Path, warnings: list[IngestWarning], *, max_bytes: int | None = None) -> list[CommandRun]:
    """All command runs of a folder (one file per command, sub-folders naming hosts), a file, or
    stdin (``-``). Only regular files are read (a FIFO, device or socket in a folder is skipped
    with a warning, never opened), and no more than ``max_bytes`` in all (``PODNET_MAX_RAW_BYTES``)."""
    budget = max_raw_bytes() if max_bytes is None else max_bytes
    if str(path) == "-" or not path.is_dir():
        data = read_source(str(path), budget, prefix="E-INGEST", variable="PODNET_MAX_RAW_BYTES")
        name = "<stdin>" if str(path) == "-" else str(path)
        if is_binary(data):
            warnings.append(IngestWarning.of(f"{name}:1", "binary_file"))
            return []
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
        if is_binary(data):
            warnings.append(IngestWarning.of(f"{file}:1", "binary_file"))
            continue
        runs.extend(runs_from_text(decode(data), str(file), warnings, file.name, host))
    return runs
