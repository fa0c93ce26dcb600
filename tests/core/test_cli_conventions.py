"""The command line as kubectl users expect it: -o FORMAT, --out FILE, --version, help, did-you-mean,
- for stdin, and output paths that fail as located usage errors without losing the previous file."""

from __future__ import annotations

import argparse
import json
import os
import re
from importlib.metadata import version

import pytest
import yaml

from podnet.cli.main import COMMANDS, build_parser
from podnet.cli.output import write_output
from podnet.errors import UsageError
from tests.conftest import EXAMPLES, run_podnet

CASE = str(EXAMPLES / "clusterip-dual-address.json")
TOP = "node_dual_address_vxlan"


def _one_usage_error(r, *needles: str) -> str:
    assert r.returncode == 2, r.stdout + r.stderr
    err = r.stderr.strip()
    assert len(err.splitlines()) == 1 and "E-USAGE" in err and "Traceback" not in err, err
    for n in needles:
        assert n in err, err
    return err


# --- -o FORMAT ------------------------------------------------------------------------------

def test_o_json_prints_json_and_never_writes_a_file_named_json(tmp_path):
    r = run_podnet("diagnose", CASE, "-o", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["causes"][0]["id"] == TOP
    assert list(tmp_path.iterdir()) == []


def test_o_yaml_is_the_json_model_as_yaml():
    as_json = json.loads(run_podnet("diagnose", CASE, "-o", "json").stdout)
    r = run_podnet("diagnose", CASE, "--output", "yaml")
    assert r.returncode == 0, r.stderr
    assert yaml.safe_load(r.stdout) == as_json


def test_o_text_markdown_and_wide_render_reports():
    text = run_podnet("diagnose", CASE, "-o", "text")
    assert text.returncode == 0 and TOP in text.stdout.splitlines()[0]  # compact: the top cause first
    assert run_podnet("diagnose", CASE).stdout == text.stdout  # text is the default
    md = run_podnet("diagnose", CASE, "-o", "markdown")
    assert md.returncode == 0 and md.stdout.startswith("# ")
    wide = run_podnet("diagnose", CASE, "-o", "wide")
    assert wide.returncode == 0 and f"[{TOP}]" in wide.stdout
    assert len(wide.stdout.splitlines()) > 3 * len(text.stdout.splitlines())  # wide: the full report
    assert run_podnet("diagnose", CASE, "--verbose").stdout == wide.stdout


def test_old_format_option_still_works_but_is_not_advertised():
    r = run_podnet("diagnose", CASE, "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["causes"][0]["id"] == TOP
    helptext = run_podnet("diagnose", "--help").stdout
    assert "--format" not in helptext and "-o FORMAT, --output FORMAT" in helptext


@pytest.mark.parametrize(
    "value, needle",
    [("jsn", "did you mean 'json'?"), ("yml", "did you mean 'yaml'?"), ("md", "did you mean 'markdown'?"), ("xml", "choose from text, wide")],
)
def test_unknown_o_value_is_a_usage_error_with_did_you_mean(value, needle, tmp_path):
    _one_usage_error(run_podnet("diagnose", CASE, "-o", value, cwd=tmp_path), f"unknown output format {value!r}", needle)
    assert list(tmp_path.iterdir()) == []


def test_o_with_a_file_name_points_at_out(tmp_path):
    _one_usage_error(run_podnet("diagnose", CASE, "-o", "report.txt", cwd=tmp_path), "to write to a file use --out report.txt")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv, formats",
    [
        (["capture-plan", CASE], ("text", "markdown", "json", "yaml")),
        (["schema"], ("json", "yaml")),
        (["rules", "graph"], ("dot", "json")),
        (["ingest", str(EXAMPLES / "raw" / "clusterip-dual-address")], ("json",)),
    ],
)
def test_every_command_with_a_format_takes_o(argv, formats):
    for fmt in formats:
        r = run_podnet(*argv, "-o", fmt)
        assert r.returncode == 0, f"{argv} -o {fmt}: {r.stderr}"
        if fmt == "json":
            json.loads(r.stdout)
        if fmt == "yaml":
            assert isinstance(yaml.safe_load(r.stdout), dict)
    _one_usage_error(run_podnet(*argv, "-o", "nope"), "unknown output format 'nope'")


def test_collect_checks_its_format_before_probing(monkeypatch):
    """Without --diagnose collect writes a fact file; -o text is refused before any probe runs."""
    import podnet.collect
    from podnet.cli.collect_cmd import run

    def no_probe(*a, **k):
        raise AssertionError("probes must not run")

    monkeypatch.setattr(podnet.collect, "collect", no_probe)
    args = build_parser("collect").parse_args(["collect", "--to", "198.18.0.1:80", "-o", "text"])
    with pytest.raises(UsageError, match="-o text needs --diagnose"):
        run(args)


# --- --out FILE -----------------------------------------------------------------------------

@pytest.mark.parametrize("option", ["--out", "--output-file"])
def test_out_writes_the_file_and_prints_nothing(option, tmp_path):
    target = tmp_path / "r.json"
    r = run_podnet("diagnose", CASE, "-o", "json", option, str(target))
    assert r.returncode == 0 and r.stdout == "", r.stderr
    assert json.loads(target.read_text())["causes"][0]["id"] == TOP
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left


def test_out_dash_is_stdout():
    r = run_podnet("diagnose", CASE, "-o", "json", "--out", "-")
    assert r.returncode == 0 and json.loads(r.stdout)["causes"][0]["id"] == TOP


def test_out_replaces_an_existing_file_keeping_its_mode(tmp_path):
    target = tmp_path / "r.txt"
    target.write_text("old report\n")
    target.chmod(0o640)
    assert run_podnet("diagnose", CASE, "--out", str(target)).returncode == 0
    assert TOP in target.read_text().splitlines()[0]
    assert target.stat().st_mode & 0o777 == 0o640


def test_a_new_output_file_gets_the_usual_permissions(tmp_path):
    mask = os.umask(0o022)
    try:
        write_output("x\n", str(tmp_path / "new.txt"))
    finally:
        os.umask(mask)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600


def test_out_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_output("new\n", str(link))
    assert link.is_symlink() and real.read_text() == "new\n"


def _bad_out_cases(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    return [
        ("/nonexistent/dir/r.txt", "the folder /nonexistent/dir does not exist"),
        (str(tmp_path), "is a folder"),
        (str(plain / "r.txt"), "is not a folder"),
        ("/proc/podnet-cannot-create.txt", "cannot write"),  # unwritable even for root
    ]


def test_bad_output_paths_are_located_usage_errors_naming_the_users_path(tmp_path):
    for path, needle in _bad_out_cases(tmp_path):
        r = run_podnet("diagnose", CASE, "--out", path)
        err = _one_usage_error(r, f"--out {path}:", needle)
        assert ".tmp" not in err and "E-INTERNAL" not in err and r.stdout == ""


def test_unwritable_folder_for_an_ordinary_user(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: not str(path).startswith(str(folder)))
    with pytest.raises(UsageError, match="no permission to write in the folder") as info:
        write_output("x", str(folder / "r.txt"))
    assert info.value.location == f"--out {folder / 'r.txt'}" and info.value.exit_code == 2


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "r.txt"
    target.write_text("previous\n")
    with pytest.raises(UnicodeEncodeError):
        write_output("half \udcff written", str(target))  # fails while writing the temporary file
    assert target.read_text() == "previous\n" and [p.name for p in tmp_path.iterdir()] == ["r.txt"]

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(UsageError, match="No space left on device") as info:
        write_output("new\n", str(target))
    assert info.value.location == f"--out {target}"
    assert target.read_text() == "previous\n" and [p.name for p in tmp_path.iterdir()] == ["r.txt"]


def test_the_output_path_is_checked_before_the_work():
    """A bad --out fails before the input is even read (no work is done for nothing)."""
    r = run_podnet("diagnose", "/nonexistent/facts.json", "--out", "/nonexistent/dir/r.txt")
    _one_usage_error(r, "--out /nonexistent/dir/r.txt")


# --- --version, help, did-you-mean ----------------------------------------------------------

def test_version_is_the_package_version():
    r = run_podnet("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"podnet {version('podnet')}"


@pytest.mark.parametrize("argv", [[], ["help"], ["--debug"]])
def test_bare_podnet_and_help_print_the_overview(argv):
    r = run_podnet(*argv)
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.startswith("usage: podnet")
    for command in COMMANDS:
        assert re.search(rf"^    {command}\b", r.stdout, flags=re.M), command
    assert "podnet help COMMAND" in r.stdout


@pytest.mark.parametrize("argv, needle", [(["help", "diagnose"], "usage: podnet diagnose"), (["help", "rules", "list"], "usage: podnet rules list")])
def test_help_command_prints_that_commands_help(argv, needle):
    r = run_podnet(*argv)
    assert r.returncode == 0 and r.stdout.startswith(needle), r.stderr
    assert r.stdout == run_podnet(*argv[1:], "--help").stdout


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["diagnos", CASE], "unknown command 'diagnos'; did you mean 'diagnose'?"),
        (["help", "captureplan"], "unknown command 'captureplan'; did you mean 'capture-plan'?"),
        (["rules", "lst"], "invalid choice: 'lst'; did you mean 'list'?"),
        (["help", "rules", "tset"], "unknown command 'tset'; did you mean 'test'?"),
        (["diagnose", CASE, "--lang", "zn"], "did you mean 'zh'?"),
        (["diagnose", CASE, "--stirct"], "did you mean '--strict'?"),
    ],
)
def test_did_you_mean(argv, needle):
    _one_usage_error(run_podnet(*argv), needle)


def _actions(parser: argparse.ArgumentParser, path: str):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield f"{path} {choice.dest}", choice
            for name, sub in action.choices.items():
                yield from _actions(sub, f"{path} {name}")
        else:
            yield f"{path} {'/'.join(action.option_strings) or action.dest}", action


HIDDEN = {"--format"}
"""Deprecated spellings kept working but left out of --help."""


def test_every_option_of_every_command_has_help():
    actions = list(_actions(build_parser(), "podnet"))
    assert len(actions) > 80  # every subcommand was built
    missing = [name for name, a in actions if not (a.help or "").strip()]
    assert missing == []
    hidden = [name for name, a in actions if a.help == argparse.SUPPRESS]
    assert hidden and all(name.rsplit(" ", 1)[1] in HIDDEN for name in hidden), hidden


# --- - for stdin ----------------------------------------------------------------------------

def test_dash_reads_stdin_wherever_a_fact_file_is_read():
    text = (EXAMPLES / "clusterip-dual-address.json").read_text()
    from_file = run_podnet("capture-plan", CASE).stdout
    r = run_podnet("capture-plan", "-", stdin=text)
    assert r.returncode == 0 and r.stdout == from_file.replace(CASE, "<stdin>"), r.stderr
    r = run_podnet("tools", "tcpdump", "--facts", "-", stdin=text)
    assert r.returncode == 0 and "udp port 8472 and host 10.61.187.48" in r.stdout, r.stderr


def test_dash_reads_a_raw_transcript_from_stdin():
    transcript = (EXAMPLES / "raw" / "pu-port-firewall" / "session.txt").read_text()
    r = run_podnet("ingest", "-", "--quiet", stdin=transcript)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["observations"]


def test_stdin_can_be_given_once():
    text = (EXAMPLES / "clusterip-dual-address.json").read_text()
    _one_usage_error(run_podnet("diagnose", "-", "-", stdin=text), "- (stdin) can be given only once")


# --- every problem of an invalid fact file ----------------------------------------------------

def test_debug_lists_every_schema_problem_one_per_line(tmp_path):
    data = json.loads((EXAMPLES / "clusterip-dual-address.json").read_text())
    for i in range(5):
        data["observations"][i]["colour"] = "red"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    r = run_podnet("diagnose", str(bad))
    first = r.stderr.strip()
    assert r.returncode == 2 and len(first.splitlines()) == 1
    assert "(and 4 more: $.observations[1].colour: unknown field;" in first and "1 not shown, --debug lists all" in first
    r = run_podnet("--debug", "diagnose", str(bad))
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and lines[0] == first
    assert lines[1:] == [f"  {bad}: $.observations[{i}].colour: unknown field" for i in range(5)]


# --- collect --diagnose: the same report options as diagnose -----------------------------------

class _Collected:
    """What podnet.collect.collect returns, for a case read from an example (no probe runs)."""

    def __init__(self) -> None:
        from podnet.facts.load import load_facts

        self.facts = load_facts(EXAMPLES / "nu-icmp-filtered.json")

    def texts(self, lang: str = "en") -> list[str]:
        return []


def _collect_report(monkeypatch, capsys, *options: str) -> str:
    import podnet.collect
    from podnet.cli.collect_cmd import run

    monkeypatch.setattr(podnet.collect, "collect", lambda vantages, plan: _Collected())
    monkeypatch.delenv("NO_COLOR", raising=False)
    args = build_parser("collect").parse_args(["collect", "--to", "198.18.0.1:80", "--diagnose", *options])
    assert run(args) in (0, 1)
    return capsys.readouterr().out


def test_collect_diagnose_has_diagnose_view_options(monkeypatch, capsys):
    """--verbose / -o wide print the full report, the default the compact one; --color always colours it."""
    compact = _collect_report(monkeypatch, capsys)
    verbose = _collect_report(monkeypatch, capsys, "--verbose")
    wide = _collect_report(monkeypatch, capsys, "-o", "wide")
    coloured = _collect_report(monkeypatch, capsys, "-v", "--color", "always")
    plain = _collect_report(monkeypatch, capsys, "-v", "--color", "never")
    assert "--verbose (or -o wide)" in compact and "--verbose (or -o wide)" not in verbose
    assert verbose == wide == plain and len(verbose.splitlines()) > len(compact.splitlines())
    assert "\x1b[" in coloured and "\x1b[" not in verbose
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_collect_verbose_needs_diagnose(monkeypatch):
    import podnet.collect
    from podnet.cli.collect_cmd import run

    def no_probe(*a, **k):
        raise AssertionError("probes must not run")

    monkeypatch.setattr(podnet.collect, "collect", no_probe)
    args = build_parser("collect").parse_args(["collect", "--to", "198.18.0.1:80", "--verbose"])
    with pytest.raises(UsageError, match="--verbose needs --diagnose"):
        run(args)
    r = run_podnet("collect", "--to", "198.18.0.1:80", "--diagnose", "--color", "sometimes")
    assert r.returncode == 2 and "--color" in r.stderr and "Traceback" not in r.stderr


def _read_fifo(path, sink: list[str]):
    import threading

    def reader():
        with open(path, encoding="utf-8") as fh:
            sink.append(fh.read())

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    return t


def test_out_to_a_fifo_writes_into_it_and_leaves_it_a_fifo(tmp_path):
    """A target that is not a regular file is written in place: renaming a temporary file over
    `/dev/null` (as root) replaced the machine's /dev/null with a regular file."""
    import stat

    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    got: list[str] = []
    t = _read_fifo(fifo, got)
    write_output("through the pipe\n", str(fifo))
    t.join(timeout=10)
    assert got == ["through the pipe\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode) and [p.name for p in tmp_path.iterdir()] == ["report.fifo"]


def test_diagnose_and_batch_out_dev_null_leave_it_a_device():
    import stat

    before = os.stat("/dev/null")
    assert run_podnet("diagnose", CASE, "--out", "/dev/null").returncode == 0
    assert run_podnet("batch", CASE, "--out", "/dev/null").returncode in (0, 1)
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_rdev, after.st_uid, after.st_mode) == (before.st_rdev, before.st_uid, before.st_mode)
