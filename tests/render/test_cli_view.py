"""``podnet diagnose``'s text views from the command line: colour only on a terminal (``--color``,
``NO_COLOR``), the width of the terminal or ``COLUMNS``, ``--verbose`` / ``-o wide`` for the full
report, and the machine formats untouched by any of these options."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys

import pytest
import yaml
from rich.cells import cell_len

from podnet import diagnose
from podnet.render.markdown import render_markdown
from tests.conftest import EXAMPLES, ROOT

CASE = str(EXAMPLES / "clusterip-dual-address.json")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "TERM")}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def _piped(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "podnet", *args], capture_output=True, text=True, cwd=ROOT, env=_env(**env), timeout=120)


def _on_terminal(*args: str, **env: str) -> str:
    """stdout of podnet on a pseudo-terminal (what a user at a terminal sees)."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "podnet", *args], stdout=follower, stderr=subprocess.PIPE, cwd=ROOT, env=_env(TERM="xterm", **env))
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the terminal closes when podnet exits
                break
            if not data:
                break
            chunks.append(data)
        assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        os.close(leader)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_piped_output_has_no_colour():
    r = _piped("diagnose", CASE)
    assert r.returncode == 0 and "\x1b" not in r.stdout
    assert "node_dual_address_vxlan" in r.stdout.splitlines()[0]


def test_terminal_output_is_coloured_unless_no_color_or_never():
    coloured = _on_terminal("diagnose", CASE, COLUMNS="100")
    assert ANSI.search(coloured), coloured[:200]
    plain = ANSI.sub("", coloured)
    assert plain == _piped("diagnose", CASE, COLUMNS="100").stdout  # the same report, only coloured
    assert "\x1b" not in _on_terminal("diagnose", CASE, COLUMNS="100", NO_COLOR="1")
    assert "\x1b" not in _on_terminal("diagnose", CASE, "--color", "never", COLUMNS="100")


def test_color_always_colours_a_pipe_and_never_a_value():
    r = _piped("diagnose", CASE, "--color", "always", NO_COLOR="1")  # the explicit option wins
    assert r.returncode == 0 and ANSI.search(r.stdout)
    assert ANSI.sub("", r.stdout) == _piped("diagnose", CASE).stdout
    assert "\x1b" not in ANSI.sub("", r.stdout)  # every escape is a colour; no stray control sequence


def test_out_file_has_no_colour_in_auto(tmp_path):
    target = tmp_path / "r.txt"
    assert _piped("diagnose", CASE, "--out", str(target)).returncode == 0
    assert "\x1b" not in target.read_text()


def _too_wide(text: str, width: int) -> list[str]:
    """Lines wider than ``width`` cells, commands aside (they are never broken, to be copied whole)."""
    return [line for line in text.splitlines() if cell_len(line) > width and not line.lstrip().startswith("$ ")]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [60, 200])
@pytest.mark.parametrize("view", [[], ["--verbose"]], ids=["compact", "verbose"])
def test_columns_is_honoured(lang, width, view):
    r = _piped("diagnose", CASE, "--lang", lang, *view, COLUMNS=str(width))
    assert r.returncode == 0, r.stderr
    assert _too_wide(r.stdout, width) == []
    if width == 200 and view:
        # the room is used: the path's hops are drawn on one line each (over 100 cells)
        assert max(cell_len(line) for line in r.stdout.splitlines() if not line.lstrip().startswith("$ ")) > 100
    if width == 60:
        assert _piped("diagnose", CASE, "--lang", lang, *view).stdout != r.stdout


def test_default_width_when_piped_is_100_and_bounds_hold():
    assert _too_wide(_piped("diagnose", CASE, "--verbose").stdout, 100) == []
    tiny = _piped("diagnose", CASE, COLUMNS="5").stdout  # kept to the minimum width, 40
    assert _too_wide(tiny, 40) == [] and tiny == _piped("diagnose", CASE, COLUMNS="40").stdout


def test_wide_and_verbose_are_the_full_report():
    wide = _piped("diagnose", CASE, "-o", "wide").stdout
    assert _piped("diagnose", CASE, "--verbose").stdout == wide
    assert _piped("diagnose", CASE, "-v", "-o", "text").stdout == wide
    d = diagnose(CASE)
    flat = " ".join(wide.split())
    for c in d.causes:
        assert f"[{c.id}]" in wide
        for step in c.remediation + c.verify:
            assert step.command is None or f"$ {step.command}" in wide
    for chk in d.next_checks:
        assert f"$ {chk.command}" in wide
    assert "Packet path (from the captures):" in wide and "X [3]" in wide
    assert all(ev.rule in flat for c in d.causes for ev in c.evidence)


def test_machine_formats_ignore_the_view_options():
    d = diagnose(CASE)
    noisy = ("--verbose", "--color", "always")
    j = _piped("diagnose", CASE, "-o", "json", *noisy, COLUMNS="60")
    assert j.returncode == 0 and "\x1b" not in j.stdout
    assert json.loads(j.stdout) == json.loads(d.model_dump_json())
    assert j.stdout == _piped("diagnose", CASE, "-o", "json").stdout
    y = _piped("diagnose", CASE, "-o", "yaml", *noisy, COLUMNS="60")
    assert yaml.safe_load(y.stdout) == json.loads(j.stdout)
    md = _piped("diagnose", CASE, "-o", "markdown", *noisy, COLUMNS="60")
    assert md.stdout == render_markdown(d) == _piped("diagnose", CASE, "-o", "markdown").stdout
