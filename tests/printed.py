"""Printed commands and the programs they run, shared by the tests that check them
(tests/security/test_injection.py, tests/render/test_printed_commands.py).

:func:`printed_commands` extracts every command the views of a case print (each view read on its
own: JSON fields, ``$ `` lines of the text views, ``sh`` fences of Markdown, and the capture plan's);
:func:`run_commands` runs commands in one bash, each in its own subshell, with logging stub programs
first on ``PATH`` and an empty working folder, and returns what each command started (argv).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podnet import diagnose
from podnet.errors import PodnetError
from podnet.path import capture_plan, render_plan
from podnet.render import render

MARKER = "PWNED"
"""A payload that runs creates this file in the working folder."""

STUBS = sorted(
    """kubectl tcpdump ping ping6 ip ethtool nslookup dig host iptables iptables-save ip6tables ipvsadm ss
    netstat conntrack sysctl crictl docker nsenter sed curl wget nc ncat telnet systemctl journalctl
    grep egrep awk cut sort uniq head tail wc tr cat ls route mtr traceroute tracepath firewall-cmd
    dmesg sleep getenforce sestatus setenforce ausearch audit2why audit2allow semodule uptime nproc top sh bash
    timeout xargs watch iptables-legacy iptables-nft lsmod modprobe nstat mpstat ps iptables-legacy-save iptables-nft-save
    update-alternatives calicoctl aws az gcloud openstack last uname ufw""".split()
)
"""Programs the printed commands may run (each a stub that logs its argv)."""

STUB = """#!/bin/bash
printf '%s\\0' "$#" "${0##*/}" "$@" >> "$PODNET_STUB_LOG"
"""

UNEXPECTED = """#!/bin/bash
printf '%s\\0' "$#" "@unexpected:${0##*/}" "$@" >> "$PODNET_STUB_LOG"
: > "$PWD/{marker}"
""".replace("{marker}", MARKER)

RUNNER = r"""
command_not_found_handle() { printf '%s\0' "$(($# - 1))" "@missing:$1" "${@:2}" >> "$PODNET_STUB_LOG"; return 127; }
i=0
while IFS= read -r -d '' cmd; do
  printf '%s\0' 1 "@command" "$i" >> "$PODNET_STUB_LOG"
  ( eval "$cmd" ) </dev/null >/dev/null 2>&1
  if [ -e "$PWD/PWNED" ]; then printf '%s\0' 1 "@marker" "$i" >> "$PODNET_STUB_LOG"; "$PODNET_RM" -f "$PWD/PWNED"; fi
  i=$((i + 1))
done
"""


# --- extracting printed commands ---------------------------------------------------------------


def _fences(md: str) -> list[str]:
    from markdown_it import MarkdownIt

    return [t.content for t in MarkdownIt("commonmark").parse(md) if t.type == "fence" and t.info.strip() == "sh"]


def _dollar_lines(text: str) -> list[str]:
    return [line.lstrip()[2:] for line in text.splitlines() if line.lstrip().startswith("$ ")]


def printed_commands(facts: Any) -> dict[str, str]:
    """Every command the views print for a case: command text -> the view it came from."""
    out: dict[str, str] = {}
    d = diagnose(facts)
    doc = json.loads(render(d, "json"))
    for c in doc["causes"] + doc.get("ruled_out", []):
        for s in c["remediation"] + c["verify"]:
            if s.get("command"):
                out.setdefault(s["command"], "diagnosis json")
    for chk in doc["next_checks"]:
        out.setdefault(chk["command"], "diagnosis json")
    for fmt in ("text", "wide"):  # the compact report's command to run now, and every command of the full one
        for cmd in _dollar_lines(render(d, fmt)):
            out.setdefault(cmd, f"diagnosis {fmt}")
    for block in _fences(render(d, "markdown")):
        out.setdefault(block.rstrip("\n"), "diagnosis markdown")
    try:
        plan = capture_plan(facts)
    except PodnetError:
        return out
    for step in json.loads(plan.model_dump_json())["steps"]:
        for cap in step["captures"]:
            out.setdefault("\n".join([*cap["setup"], cap["command"]]), "capture-plan json")
    for cmd in _dollar_lines(render_plan(plan, "text")):
        out.setdefault(cmd, "capture-plan text")
    for block in _fences(render_plan(plan, "markdown")):
        out.setdefault(block.rstrip("\n"), "capture-plan markdown")
    return out


# --- running commands against stubs ------------------------------------------------------------


@dataclass
class Run:
    invocations: list[list[str]] = field(default_factory=list)  # [program, arg1, ...]
    unexpected: list[list[str]] = field(default_factory=list)
    marker: bool = False


def _parse_log(raw: bytes, count: int) -> list[Run]:
    runs = [Run() for _ in range(count)]
    parts = raw.split(b"\0")
    i, current = 0, None
    while i < len(parts) - 1:
        n = int(parts[i])
        name = parts[i + 1].decode("utf-8", "surrogateescape")
        args = [p.decode("utf-8", "surrogateescape") for p in parts[i + 2 : i + 2 + n]]
        i += 2 + n
        if name == "@command":
            current = runs[int(args[0])]
        elif name == "@marker":
            runs[int(args[0])].marker = True
        elif current is not None and name.startswith("@"):
            current.unexpected.append([name, *args])
        elif current is not None:
            current.invocations.append([name, *args])
    return runs


FILL_IN_VAR = re.compile(r"\$\{([A-Z][A-Z0-9_]*):\?")
"""A fill-in in a printed command: ``"${NAME:?set NAME to ...}"`` (a value the case lacks)."""


def fill_in_env(commands: list[str]) -> dict[str, str]:
    """A value with a space for every fill-in variable the commands read, as a user would set them."""
    return {v: f"fill {v.lower()}" for c in commands for v in FILL_IN_VAR.findall(c)}


def run_commands(commands: list[str], tmp: Path, env_extra: dict[str, str] | None = None) -> list[Run]:
    """Run each command in its own subshell of one bash, stubs first on PATH, cwd an empty folder
    (``env_extra``: more environment, e.g. the fill-in variables the commands read)."""
    stubs, safe, cwd = tmp / "stubs", tmp / "safe", tmp / "cwd"
    for d in (stubs, safe, cwd):
        d.mkdir(exist_ok=True)
    for name in STUBS:
        (stubs / name).write_text(STUB)
        (stubs / name).chmod(0o755)
    for name in ("touch", "rm", "id", "whoami", "env", "python3", "perl"):  # what a payload would run
        (safe / name).write_text(UNEXPECTED)
        (safe / name).chmod(0o755)
    log = tmp / "argv.log"
    log.write_bytes(b"")
    script = tmp / "runner.sh"
    script.write_text(RUNNER)
    rm = shutil.which("rm") or "/bin/rm"
    env = {"PATH": f"{stubs}:{safe}", "PODNET_STUB_LOG": str(log), "PODNET_RM": rm, "HOME": str(cwd), "LC_ALL": "C.UTF-8",
           "PATH_MTU": "1400", **(env_extra or {})}  # printed commands ask the user to set it
    bash = shutil.which("bash") or "/bin/bash"
    data = b"".join(c.encode("utf-8", "surrogateescape") + b"\0" for c in commands)
    subprocess.run([bash, "--norc", "--noprofile", str(script)], input=data, cwd=cwd, env=env, timeout=600, check=True)
    runs = _parse_log(log.read_bytes(), len(commands))
    leftovers = [p.name for p in cwd.iterdir()]
    if leftovers:  # a file made by a redirection or a payload: attribute it to no command, fail
        runs[-1].unexpected.append(["@files", *leftovers])
    return runs


