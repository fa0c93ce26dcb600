"""Issue 18: no printed command can be hijacked by a value from the fact file.

For every example, shell payloads (and awkward but valid values) are put into every string field.
Values the schema refuses must be refused with an exit-2 located error. For values it accepts,
the diagnosis is rendered as text, Markdown and JSON, and the capture plan as text, Markdown and
JSON; every printed command is extracted from each view independently (``$ `` lines, ``sh``
fences, JSON fields) and run through bash with logging stub programs on PATH, in an empty
working folder. The test asserts that

* no payload runs: no marker file appears, no program outside the stubs is started;
* every value that reaches a command arrives in exactly one argv element, whole, and never where
  an option is read (starting with ``-`` before any ``--``).

The figures (variants, refusals, commands run, executions, option injections) are printed with
``pytest -s`` and written to ``$PODNET_INJECTION_REPORT`` when set.
"""

from __future__ import annotations

import copy
import json
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

from podnet.errors import FactFileError
from podnet.facts.load import facts_from_data
from tests.conftest import EXAMPLES, run_podnet
from tests.printed import MARKER, Run, fill_in_env, printed_commands, run_commands

SHELL_PAYLOADS = [
    f"$(touch {MARKER})",
    f"`touch {MARKER}`",
    f"x; touch {MARKER}",
    f"x\ntouch {MARKER}",
    f"x\r\ntouch {MARKER}",
    f"x' ; touch {MARKER} ; '",
    f'x" ; touch {MARKER} ; "',
    f"x && touch {MARKER} #",
    f"x | touch {MARKER}",
    "--server=https://evil.example",
    "-oyaml",
    f"fe80::1%$(touch {MARKER})",
    f"x\uff1b touch {MARKER}",  # fullwidth semicolon
    "\uff0d\uff0dserver=evil",  # fullwidth hyphen-minus
    "\u2013-server=evil",  # en dash
    f"x\x1b]0;{MARKER}\x07",
    f"x\n```sh\ntouch {MARKER}\n```",
]
"""Put in place of a value, and appended to it."""

AWKWARD_VALID = ["fe80::1%eth0", "::ffff:198.18.0.5", "a-b.c-d", "n0.example.", "eth0.100", "_x._y.example", "br-1_a@b"]
"""Values some kinds accept: they must reach commands intact (they show the harness sees values)."""

def _leaves(x: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from _leaves(v, path + (i,))
    elif isinstance(x, str):
        yield path


def _json_path(path: tuple[Any, ...]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _set(data: Any, path: tuple[Any, ...], value: str) -> Any:
    """A copy of ``data`` with the leaf at ``path`` replaced (only the containers on the path copied)."""
    if not path:
        return value
    out = copy.copy(data)
    out[path[0]] = _set(data[path[0]], path[1:], value)
    return out


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        data = data[p]
    return data


# --- the test ----------------------------------------------------------------------------------


@dataclass
class Tally:
    variants: int = 0
    refused: int = 0
    refused_by_field: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    accepted: int = 0
    commands: int = 0
    executions: list[str] = field(default_factory=list)
    option_injections: list[str] = field(default_factory=list)
    split_values: list[str] = field(default_factory=list)
    arrivals: int = 0
    awkward_arrivals: int = 0
    printed: int = 0


def _payloads() -> list[tuple[str, bool]]:
    """(payload, appended?): each shell payload in place of a value, those that can hide in a longer
    value also after it; the awkward valid values in place."""
    appended = [p for p in SHELL_PAYLOADS if not p.lstrip("-\uff0d\u2013").startswith(("server", "oyaml", "fe80"))]
    return [(p, False) for p in SHELL_PAYLOADS] + [(p, True) for p in appended] + [(v, False) for v in AWKWARD_VALID]


def _check_arrival(value: str, cmd: str, run: Run, tally: Tally, where: str) -> None:
    """A value in a printed command arrives whole in one argv element, never as an option."""
    holders = [(inv, j) for inv in run.invocations for j, arg in enumerate(inv) if j > 0 and value in arg]
    if not holders:
        if value in cmd:  # printed but never seen whole by any program: split or swallowed
            tally.split_values.append(f"{where}: {value!r} in {cmd!r}")
        return
    tally.arrivals += 1
    for inv, j in holders:
        arg = inv[j]
        if arg.startswith("-") and arg.startswith(value) and "--" not in inv[1:j]:
            tally.option_injections.append(f"{where}: {value!r} as an option of {inv[0]}: {inv!r}")


def _refusal(e: FactFileError, example: str, path: tuple[Any, ...], where: str) -> None:
    """A refused value: exit 2, a located one-line error that does not repeat the payload."""
    assert e.exit_code == 2 and e.code.startswith("E-FACTS"), (where, e)
    assert e.location and e.location.startswith(example), (where, e)
    if e.code in ("E-FACTS-SCHEMA", "E-FACTS-KIND"):
        assert _json_path(path) in e.location, (where, e.location)
    text = str(e)
    assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]", text), (where, text)
    if e.code == "E-FACTS-SCHEMA":  # a value that fails its kind is never repeated
        assert MARKER not in text and "evil" not in text, (where, text)


def test_no_printed_command_runs_a_payload_or_takes_a_value_as_an_option(tmp_path):
    """Each payload goes into every string field of every example: one field at a time for the
    schema, then into all the fields that accept it at once for the views (one diagnosis per
    example and payload; single fields again only if the combination is refused as a whole)."""
    start = time.perf_counter()
    tally = Tally()
    checks: list[tuple[str, str, str]] = []  # (value, command, where)
    commands: dict[str, str] = {}
    cli_samples: dict[str, tuple[dict[str, Any], str]] = {}
    examples = sorted(EXAMPLES.glob("*.json"))
    assert len(examples) >= 20

    def views(data: dict[str, Any], values: dict[str, str], where: str) -> None:
        facts = facts_from_data(data, where)
        printed = printed_commands(facts)
        tally.printed += len(printed)
        for cmd, view in printed.items():
            commands.setdefault(cmd, f"{where} ({view})")
            for field_where, value in values.items():
                if value in cmd or value.split("\n")[0] in cmd:
                    checks.append((value, cmd, field_where))

    for example in examples:
        base = json.loads(example.read_text())
        views(base, {}, example.name)
        leaves = list(_leaves(base))
        for payload, appended in _payloads():
            accepted: dict[tuple[Any, ...], str] = {}
            for path in leaves:
                value = _get(base, path) + payload if appended else payload
                where = f"{example.name} {_json_path(path)}"
                tally.variants += 1
                try:
                    facts_from_data(_set(base, path, value), example.name)
                except FactFileError as e:
                    _refusal(e, example.name, path, where)
                    tally.refused += 1
                    tally.refused_by_field[str(path[-1] if isinstance(path[-1], str) else path[-2])] += 1
                    cli_samples.setdefault(f"{e.code}:{path[-1]}", (_set(base, path, value), _json_path(path)))
                    continue
                tally.accepted += 1
                accepted[path] = value
            if not accepted:
                continue
            combined = base
            for path, value in accepted.items():
                combined = _set(combined, path, value)
            label = f"{example.name} {payload!r}{' appended' if appended else ''} in {len(accepted)} fields"
            named = {f"{example.name} {_json_path(p)}": v for p, v in accepted.items()}
            try:
                views(combined, named, label)
            except FactFileError:  # refused only in combination (e.g. two fields now contradict)
                for path, value in accepted.items():
                    views(_set(base, path, value), {f"{example.name} {_json_path(path)}": value}, f"{example.name} {_json_path(path)}")
        assert base == json.loads(example.read_text()), "a variant changed the example it was made from"
    ordered = list(commands)
    runs = dict(zip(ordered, run_commands(ordered, tmp_path, fill_in_env(ordered))))  # fill-ins set, as a user would
    tally.commands = len(ordered)
    for cmd, run in runs.items():
        if run.marker or run.unexpected:
            tally.executions.append(f"{commands[cmd]}: {cmd!r} -> {run.unexpected or 'marker file'}")
    for value, cmd, where in checks:
        _check_arrival(value, cmd, runs[cmd], tally, where)
        tally.awkward_arrivals += value in AWKWARD_VALID and any(value in a for inv in runs[cmd].invocations for a in inv[1:])

    # A sample of refusals through the command line: exit 2, one located line, the value not echoed.
    for data, path in list(cli_samples.values())[:8]:
        f = tmp_path / "case.json"
        f.write_text(json.dumps(data))
        r = run_podnet("diagnose", str(f))
        assert r.returncode == 2 and r.stdout == "", r.stderr
        line = r.stderr.strip()
        assert "\n" not in line and path in line and MARKER not in line, line

    elapsed = time.perf_counter() - start
    report = {
        "examples": len(examples),
        "variants": tally.variants,
        "refused_exit_2_located": tally.refused,
        "accepted": tally.accepted,
        "printed_commands": tally.printed,
        "distinct_commands_run": tally.commands,
        "executions": len(tally.executions),
        "option_injections": len(tally.option_injections),
        "values_split": len(tally.split_values),
        "value_arrivals_checked": tally.arrivals,
        "awkward_valid_arrivals": tally.awkward_arrivals,
        "seconds": round(elapsed, 1),
    }
    print("\ninjection test:", json.dumps(report))
    if os.environ.get("PODNET_INJECTION_REPORT"):
        Path(os.environ["PODNET_INJECTION_REPORT"]).write_text(json.dumps(report, indent=2) + "\n")
    assert not tally.executions, "\n".join(tally.executions[:20])
    assert not tally.option_injections, "\n".join(tally.option_injections[:20])
    assert not tally.split_values, "\n".join(tally.split_values[:20])
    # the harness sees values: the base commands ran programs, and awkward valid values reached them
    assert sum(len(r.invocations) for r in runs.values()) > tally.commands
    assert tally.awkward_arrivals > 0 and tally.refused > 0 and tally.accepted > 0


def test_the_harness_detects_an_executed_payload_and_an_option(tmp_path):
    """The stubs and markers do catch what the main test asserts never happens."""
    runs = run_commands(
        [
            f"echo 'x'$(touch {MARKER})",
            f"ping -c 1 x; touch {MARKER}",
            "kubectl get node --server=https://evil.example",
            "unknownprogram --flag",
            "tcpdump -i eth0 -nn host 10.0.0.1 and greater 1450",
        ],
        tmp_path,
    )
    assert runs[0].marker and runs[0].unexpected[0][0] == "@unexpected:touch"
    assert runs[1].marker and runs[1].invocations == [["ping", "-c", "1", "x"]]
    tally = Tally()
    _check_arrival("--server=https://evil.example", "kubectl get node --server=https://evil.example", runs[2], tally, "t")
    assert len(tally.option_injections) == 1
    assert runs[3].unexpected == [["@missing:unknownprogram", "--flag"]]
    assert runs[4].invocations == [["tcpdump", "-i", "eth0", "-nn", "host", "10.0.0.1", "and", "greater", "1450"]]
    assert not runs[4].unexpected and not runs[4].marker
