"""Issue 15 point 4: every command podnet prints runs as printed.

Every example (``examples/*.json`` and ``examples/heldout/*.json``) is diagnosed and rendered in
every format (text, wide, Markdown, JSON), and its capture plan in every format; each view's
commands are extracted on their own (``$ `` lines, ``sh`` fences, JSON fields, the plan's setup
and command as one script). Each command must:

* parse (``bash -n``) and hold no ``<...>`` placeholder: a value the case lacks is a shell variable
  (``"${NAME:?set NAME to ...}"``) the view lists to fill in, and unset it stops the command naming it;
* run against logging stub programs (the stubs of :mod:`tests.printed`) with every case value it
  prints arriving whole in one argument, and every fill-in value (set with a space in it) too;
* never ``kubectl exec`` into a node; a capture plan sets ``PID`` on one line that works with either
  runtime; a command that changes the system carries a warning, shown before it in every view.

The figures (commands checked, distinct commands, values checked) print with ``pytest -s``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from podnet import diagnose
from podnet.facts.load import load_facts
from podnet.knowledge.destructive import is_destructive
from podnet.knowledge.templates import fill_ins
from podnet.path import capture_plan, render_plan
from podnet.render import FORMATS, render
from tests.conftest import EXAMPLES
from tests.printed import FILL_IN_VAR, _dollar_lines, _fences, fill_in_env, run_commands

BASH = shutil.which("bash") or "/bin/bash"
"""The real bash (the stubs on PATH include one)."""
ALL_EXAMPLES = sorted(EXAMPLES.glob("*.json")) + sorted((EXAMPLES / "heldout").glob("*.json"))
PLACEHOLDER = re.compile(r"<[a-z][a-z0-9]*(?:-[a-z0-9]+)+>|<(?:port|ip|name|node|nic|pod)>")


def _case_values(data: dict[str, Any]) -> set[str]:
    """The values of a fact file a command may print: addresses, names, ports, interfaces."""
    out: set[str] = set()
    ep = data.get("endpoints", {})
    for end in (ep.get("source", {}), ep.get("destination", {})):
        for key in ("ip", "node", "node_ip", "name", "namespace", "port", "dns_name"):
            if end.get(key) not in (None, ""):
                out.add(str(end[key]))
        for b in end.get("backends", []):
            out.update(str(b[k]) for k in ("ip", "pod", "port", "node", "node_ip") if b.get(k) not in (None, ""))
    cluster = data.get("cluster", {})
    if cluster.get("dns_service_ip"):
        out.add(cluster["dns_service_ip"])
    for n in cluster.get("nodes", []):
        out.update(str(n[k]) for k in ("name", "internal_ip", "nic") if n.get(k))
    return {v for v in out if len(v) >= 2}


def _node_names(data: dict[str, Any]) -> set[str]:
    ep = data.get("endpoints", {})
    names = {n["name"] for n in data.get("cluster", {}).get("nodes", []) if n.get("name")}
    for end in (ep.get("source", {}), ep.get("destination", {})):
        names.update(x for x in (end.get("node"), end.get("name") if end.get("kind") == "node" else None) if x)
        names.update(b["node"] for b in end.get("backends", []) if b.get("node"))
    pods = {e.get("name") for e in (ep.get("source", {}), ep.get("destination", {})) if e.get("kind") == "pod"}
    return names - pods


def _since_item_start(lines: list[str], at: int) -> list[str]:
    """The lines of a step from its numbered first line down to line ``at`` (its command)."""
    start = at
    while start > 0 and not re.match(r"\s*\d+\. ", lines[start]):
        start -= 1
    return lines[start:at]


def _argument_text(cmd: str) -> str:
    """The parts of a command where the shell makes arguments from values: comment lines, the
    template's own single-quoted text (a value is never put there) and redirection targets left out."""
    lines = [line for line in cmd.split("\n") if not line.lstrip().startswith("#")]
    text = re.sub(r"'[^']*'", " ", "\n".join(lines))
    return re.sub(r"[0-9]*>>?\s*\S+", " ", text)


def _inside_substitutions(cmd: str) -> set[str]:
    """Fill-in variables a command uses only inside ``$(...)`` (their error ends that subshell)."""
    top = re.sub(r"\$\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)", " ", cmd)
    return set(FILL_IN_VAR.findall(cmd)) - set(FILL_IN_VAR.findall(top))


def _token(value: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w.:-])" + re.escape(value) + r"(?![\w:-]|\.\w)")


def _views(path: Path) -> tuple[dict[str, Any], list[tuple[str, str]], list[dict[str, Any]], dict[str, str]]:
    """(fact data, [(view, command)], structured steps/checks of the JSON view, {view: text})."""
    data = json.loads(path.read_text(encoding="utf-8"))
    facts = load_facts(str(path))
    d = diagnose(facts)
    commands: list[tuple[str, str]] = []
    texts: dict[str, str] = {}
    items: list[dict[str, Any]] = []
    for fmt in FORMATS:
        out = render(d, fmt)
        texts[fmt] = out
        if fmt == "json":
            doc = json.loads(out)
            for shown, group in ((True, doc["causes"]), (False, doc.get("ruled_out", []))):
                items += [{**s, "shown": shown} for c in group for s in c["remediation"] + c["verify"] if s.get("command")]
            items += [{**chk, "shown": True} for chk in doc["next_checks"]]
            commands += [("json", i["command"]) for i in items]
        elif fmt == "markdown":
            commands += [("markdown", b.rstrip("\n")) for b in _fences(out)]
        else:
            commands += [(fmt, c) for c in _dollar_lines(out)]
    plan = capture_plan(facts)
    for fmt in ("text", "markdown", "json"):
        texts[f"plan-{fmt}"] = render_plan(plan, fmt)  # type: ignore[arg-type]
    for step in json.loads(texts["plan-json"])["steps"]:
        for cap in step["captures"]:
            commands.append(("plan", "\n".join([*cap["setup"], cap["command"]])))
    commands += [("plan-text", c) for c in _dollar_lines(texts["plan-text"])]
    return data, commands, items, texts


@pytest.fixture(scope="module")
def cases() -> list[tuple[Path, dict[str, Any], list[tuple[str, str]], list[dict[str, Any]], dict[str, str]]]:
    return [(p, *_views(p)) for p in ALL_EXAMPLES]


def test_every_example_has_views_and_commands(cases):
    assert len(cases) == len(ALL_EXAMPLES) >= 70
    assert all(cmds for _, _, cmds, _, _ in cases)


def test_no_placeholder_and_every_command_parses(cases, tmp_path):
    bad_placeholder = []
    commands = {c for _, _, cmds, _, _ in cases for _, c in cmds}
    for path, _, cmds, _, _ in cases:
        bad_placeholder += [f"{path.name} ({view}): {c}" for view, c in cmds if PLACEHOLDER.search(c)]
    assert not bad_placeholder, "\n".join(bad_placeholder[:20])
    script = tmp_path / "all.sh"
    failures = []
    for c in sorted(commands):
        script.write_text(c + "\n", encoding="utf-8")
        r = subprocess.run([BASH, "-n", str(script)], capture_output=True, text=True, timeout=30)
        if r.returncode:
            failures.append(f"{c!r}: {r.stderr.strip()}")
    assert not failures, "\n".join(failures[:20])
    print(f"\nprinted commands: {sum(len(c) for _, _, c, _, _ in cases)} in {len(cases)} examples, {len(commands)} distinct, all parse")


def test_values_arrive_whole_in_one_argument(cases, tmp_path):
    """Run every distinct command against the stubs; each case value it prints, and each fill-in
    (set to a value with a space), is seen whole in one argv element of a program it starts."""
    env = fill_in_env([c for _, _, cmds, _, _ in cases for _, c in cmds])
    fill_vars = sorted(env)
    ordered: list[str] = []
    owners: dict[str, set[str]] = {}
    for path, data, cmds, _, _ in cases:
        for _, c in cmds:
            if c not in owners:
                ordered.append(c)
                owners[c] = set()
            owners[c] |= _case_values(data)
    runs = dict(zip(ordered, run_commands(ordered, tmp_path, env)))
    problems, checked, fills_checked = [], 0, 0
    for cmd, run in runs.items():
        if run.unexpected or run.marker:
            problems.append(f"unexpected program or file: {cmd!r} -> {run.unexpected}")
        args = [a for inv in run.invocations for a in inv[1:]]
        where = _argument_text(cmd)
        for value in owners[cmd]:
            pattern = _token(value)
            if not pattern.search(where):
                continue
            checked += 1
            if not any(pattern.search(a) for a in args):
                problems.append(f"{value!r} printed but never one argument: {cmd!r} -> {run.invocations}")
        for var in set(FILL_IN_VAR.findall(where)):
            fills_checked += 1
            if not any(env[var] in a for a in args):
                problems.append(f"fill-in {var} never reaches a program whole: {cmd!r} -> {run.invocations}")
    assert not problems, "\n".join(problems[:20])
    assert checked > 500 and fills_checked > 100, (checked, fills_checked)
    print(f"\nvalues checked: {checked} case values and {fills_checked} fill-ins ({len(fill_vars)} variables) in {len(ordered)} commands")


def test_an_unset_fill_in_stops_the_command_and_names_it(cases, tmp_path):
    first: dict[str, str] = {}
    for _, _, cmds, _, _ in cases:
        for _, c in cmds:
            for var in FILL_IN_VAR.findall(c):
                first.setdefault(var, c)
    assert len(first) >= 10
    run_commands([], tmp_path)  # makes the stubs
    for var, cmd in first.items():
        env = {"PATH": f"{tmp_path / 'stubs'}:/usr/bin:/bin", "PODNET_STUB_LOG": str(tmp_path / "unset.log")}
        env.update({v: "x" for v in FILL_IN_VAR.findall(cmd) if v != var})
        r = subprocess.run([BASH, "-c", cmd], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=30)
        assert f"{var}: set {var} to " in r.stderr, (var, cmd, r.stderr)
        live = [line for line in cmd.split("\n") if line.strip() and not line.lstrip().startswith("#")]
        first = re.split(r"\s(?:\||;|&&|\|\|)\s", live[0])[0] if live else ""
        if var in FILL_IN_VAR.findall(first) and var not in _inside_substitutions(first):
            assert r.returncode != 0, (var, cmd)  # the first command cannot run without it: the whole stops


def test_kubectl_exec_only_into_pods(cases, tmp_path):
    ordered = list(dict.fromkeys(c for _, _, cmds, _, _ in cases for _, c in cmds if "kubectl" in c and " exec " in c))
    runs = dict(zip(ordered, run_commands(ordered, tmp_path, {v: "x" for c in ordered for v in FILL_IN_VAR.findall(c)})))
    nodes_of = {c: set() for c in ordered}
    for _, data, cmds, _, _ in cases:
        for _, c in cmds:
            if c in nodes_of:
                nodes_of[c] |= _node_names(data)
    wrong = []
    for cmd, run in runs.items():
        for inv in run.invocations:
            if inv[0] != "kubectl" or "exec" not in inv:
                continue
            rest, pod = inv[inv.index("exec") + 1 :], None
            while rest:
                a = rest.pop(0)
                if a in ("-n", "--namespace", "-c", "--container"):
                    rest.pop(0)
                elif a == "--":
                    break
                elif not a.startswith("-"):
                    pod = a
                    break
            if pod in nodes_of[cmd]:
                wrong.append(f"node {pod!r} used as a Pod: {cmd!r}")
    assert not wrong, "\n".join(wrong[:10])
    assert ordered


def test_capture_plans_set_the_pid_once_for_either_runtime(cases):
    for path, _, _, _, texts in cases:
        for step in json.loads(texts["plan-json"])["steps"]:
            for cap in step["captures"]:
                live = [line for line in cap["setup"] if not line.lstrip().startswith("#")]
                pid = [line for line in live if line.startswith("PID=")]
                assert len(pid) <= 1, (path.name, cap["setup"])
                if pid:
                    assert "crictl" in pid[0] and "|| docker" in pid[0], pid[0]
                    assert pid[0] in texts["plan-text"] and pid[0] in texts["plan-markdown"]


def test_a_command_that_changes_the_system_is_warned_before(cases):
    """Every destructive step carries a warning in JSON, shown before its command in Markdown and
    both text views; next checks only observe."""
    warned = 0
    for path, _, cmds, items, texts in cases:
        for item in items:
            if "kind" in item:  # a next check
                assert not is_destructive(item["command"]), (path.name, item["command"])
                continue
            if not is_destructive(item["command"]):
                continue
            warned += 1
            assert item.get("warning"), (path.name, item["command"])
            if not item["shown"]:  # a ruled-out cause's steps are in JSON only
                continue
            for view, mark in (("markdown", "⚠"), ("wide", "# WARNING")):
                lines = texts[view].splitlines()
                at = next(i for i, line in enumerate(lines) if line.strip() in (item["command"], f"$ {item['command']}"))
                before = _since_item_start(lines, at)
                assert any(mark in line for line in before), (path.name, view, before)
    assert warned >= 20, warned


def test_fill_ins_are_listed_where_the_command_is(cases):
    for path, _, _, items, texts in cases:
        for item in items:
            expected = [v for v, _ in fill_ins(item["command"])]
            assert [f["variable"] for f in item.get("fill_in", [])] == expected, (path.name, item["command"])
            for var in expected if item["shown"] else []:
                assert f"`{var}`" in texts["markdown"], (path.name, var)
