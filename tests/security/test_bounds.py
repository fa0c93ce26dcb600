"""Issue 18 parts 2 and 6: bounded work on hostile input, documented exit codes, engine recovery.

Each reproduction from the issue is a test here: FIFOs, devices, pipes and folders are refused
before they are opened (and never block); stdin is read with the byte limit; the number of
observations is capped (``PODNET_MAX_OBSERVATIONS``); repeated observations cost the engine
nothing extra (measured by the work the engine does, never by time); a UTF-16 BOM with bad data,
a lone surrogate, a 10**400 integer and control characters in field names end in exit 2 with one
located line; a diagnosis interrupted by SIGALRM inside the engine leaves nothing behind.
Subprocesses have timeouts, so a regression that blocks fails instead of hanging the suite.
"""

from __future__ import annotations

import copy
import json
import os
import resource
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

import podnet
from podnet import _experta  # noqa: F401  (experta needs its shim before the next import)
from podnet.errors import FactFileError, InputError, PodnetError, UsageError
from podnet.facts.load import facts_from_data, load_facts
from podnet.inputs.ingest import ingest
from podnet.render import render

from ..conftest import EXAMPLES, ROOT

from experta.matchers.rete import nodes as rete_nodes  # noqa: E402

IPTABLES = EXAMPLES / "nu-iptables-forward-drop.json"
CLUSTERIP = EXAMPLES / "clusterip-dual-address.json"
RAW_SESSION = EXAMPLES / "raw" / "nu-iptables-forward-drop" / "session.txt"
HANG_GUARD = 60
"""Seconds after which a subprocess counts as hung (a guard, not a speed assertion)."""


def podnet_run(
    *args: str, stdin: Any = None, env: dict[str, str] | None = None, input: bytes | None = None, memory_mb: int | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``podnet ARGS`` in a child process; bytes out, so that any output encodes. ``memory_mb``
    caps the child's address space, so a run that grows without bound fails instead of
    taking the machine."""

    def limit() -> None:
        if memory_mb:
            resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))

    return subprocess.run(
        [sys.executable, "-m", "podnet", *args],
        stdin=stdin,
        input=input,
        capture_output=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **(env or {})),
        timeout=HANG_GUARD,
        preexec_fn=limit,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[bytes], code: str, exit_code: int = 2) -> str:
    """The run failed with ``exit_code`` and one stderr line naming ``code``; no traceback."""
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == exit_code, err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"podnet: {code}"), err
    return err


def case(path: Path = IPTABLES) -> dict[str, Any]:
    return json.loads(path.read_text())


def repeated(data: dict[str, Any], times: int, vary: tuple[str, ...] = ("id", "note", "host")) -> dict[str, Any]:
    """The case with its observations repeated, each copy distinct in fields no rule reads."""
    out = copy.deepcopy(data)
    out["observations"] = []
    for n in range(times):
        for i, obs in enumerate(data["observations"]):
            o = dict(obs)
            if "id" in vary:
                o["id"] = f"copy{n}-obs{i}"
            if "note" in vary:
                o["note"] = f"copy {n} of observation {i}"
            if "host" in vary:
                o["host"] = f"host-{n}"
            out["observations"].append(o)
    return out


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "case.json"
    os.mkfifo(path)
    yield path


@pytest.fixture
def activations(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts the rule activations experta's network produces (its work, not time)."""
    count = {"n": 0}
    original = rete_nodes.ConflictSetNode._activate

    def counting(self: Any, token: Any) -> Any:
        count["n"] += 1
        return original(self, token)

    monkeypatch.setattr(rete_nodes.ConflictSetNode, "_activate", counting)
    return count


# --------------------------------------------------------------------------- only regular files


def test_diagnose_refuses_a_fifo_without_blocking(fifo: Path) -> None:
    err = assert_one_line_error(podnet_run("diagnose", str(fifo)), "E-FACTS-NOT-FILE")
    assert str(fifo) in err and "FIFO" in err and "podnet COMMAND -" in err


def test_diagnose_refuses_a_device_a_folder_and_a_socket(tmp_path: Path) -> None:
    assert "character device" in assert_one_line_error(podnet_run("diagnose", "/dev/zero"), "E-FACTS-NOT-FILE")
    assert "folder" in assert_one_line_error(podnet_run("diagnose", str(tmp_path)), "E-FACTS-NOT-FILE")
    sock_path = tmp_path / "s.json"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        assert "socket" in assert_one_line_error(podnet_run("diagnose", str(sock_path)), "E-FACTS-NOT-FILE")


def test_process_substitution_is_a_pipe_and_refused() -> None:
    """``podnet diagnose <(yes)``: /dev/fd/N is a pipe that never ends; refused unread."""
    bash = subprocess.run(
        ["bash", "-c", f"exec {sys.executable} -m podnet diagnose <(yes)"],
        capture_output=True,
        cwd=ROOT,
        timeout=HANG_GUARD,
    )
    err = assert_one_line_error(bash, "E-FACTS-NOT-FILE")
    assert "pipe" in err and "/dev/fd/" in err


def test_stdin_is_read_with_the_byte_limit() -> None:
    """``yes | podnet diagnose -``: stdin never ends; read up to the limit, then refused."""
    yes = subprocess.Popen(["yes"], stdout=subprocess.PIPE)
    try:
        proc = podnet_run("diagnose", "-", stdin=yes.stdout, env={"PODNET_MAX_FACT_BYTES": "100000"})
    finally:
        yes.kill()
        yes.wait()
    err = assert_one_line_error(proc, "E-FACTS-SIZE <stdin>")
    assert "100000-byte limit (PODNET_MAX_FACT_BYTES)" in err


def test_stdin_fact_file_still_works() -> None:
    proc = podnet_run("diagnose", "-", "-o", "json", input=IPTABLES.read_bytes())
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["causes"][0]["id"] == "iptables_blocks_traffic"


def test_a_path_swapped_for_a_fifo_after_the_check_does_not_block(fifo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The race the open-time check closes: stat says "regular file", the open finds a FIFO."""
    from podnet import files

    real_stat = os.stat
    regular = real_stat(IPTABLES)
    monkeypatch.setattr(files.os, "stat", lambda p, *a, **k: regular if str(p) == str(fifo) else real_stat(p, *a, **k))
    with pytest.raises(InputError) as err:
        files.read_regular(str(fifo), 10**6)
    assert err.value.code == "E-FACTS-NOT-FILE"


def test_ingest_refuses_fifo_device_and_fifo_context(fifo: Path, tmp_path: Path) -> None:
    assert_one_line_error(podnet_run("ingest", str(fifo)), "E-INGEST-NOT-FILE")
    assert_one_line_error(podnet_run("ingest", "/dev/zero"), "E-INGEST-NOT-FILE")
    err = assert_one_line_error(podnet_run("ingest", str(RAW_SESSION), "--context", str(fifo)), "E-USAGE")
    assert "FIFO" in err


def test_ingest_skips_a_fifo_in_a_folder_and_refuses_a_fifo_context_json(tmp_path: Path) -> None:
    folder = tmp_path / "ticket"
    folder.mkdir()
    (folder / "session.txt").write_bytes(RAW_SESSION.read_bytes())
    os.mkfifo(folder / "capture.txt")
    os.symlink("/dev/zero", folder / "zero.txt")
    result = ingest(folder, {"case": {"id": "T-1"}})
    skipped = [w for w in result.warnings if w.code == "not_regular_file"]
    assert {Path(w.location.rsplit(":", 1)[0]).name for w in skipped} == {"capture.txt", "zero.txt"}
    assert result.facts.observations
    os.mkfifo(folder / "context.json")
    with pytest.raises(InputError) as err:
        ingest(folder)
    assert err.value.code == "E-INGEST-CONTEXT-NOT-FILE"


def test_ingest_reads_stdin_with_its_byte_limit() -> None:
    proc = podnet_run("ingest", "-", "--quiet", input=RAW_SESSION.read_bytes())
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["case"]["id"] == "raw-stdin"
    yes = subprocess.Popen(["yes"], stdout=subprocess.PIPE)
    try:
        proc = podnet_run("ingest", "-", stdin=yes.stdout, env={"PODNET_MAX_RAW_BYTES": "50000"})
    finally:
        yes.kill()
        yes.wait()
    assert_one_line_error(proc, "E-INGEST-SIZE <stdin>")


def test_utf16_bom_with_bad_data_is_bad_input_not_internal(tmp_path: Path) -> None:
    raw = tmp_path / "bom.txt"
    raw.write_bytes(b"\xff\xfeA")
    with pytest.raises(InputError) as err:
        ingest(raw)
    assert err.value.exit_code == 2
    assert_one_line_error(podnet_run("ingest", str(raw)), "E-INGEST-EMPTY")
    assert_one_line_error(podnet_run("diagnose", "--raw", str(raw)), "E-INGEST-EMPTY")


# --------------------------------------------------------------------------- observations


def test_too_many_observations_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    path.write_text(json.dumps(repeated(case(), 3)))  # 27 observations
    err = assert_one_line_error(podnet_run("diagnose", str(path), env={"PODNET_MAX_OBSERVATIONS": "20"}), "E-FACTS-TOO-MANY")
    assert f"{path}: $.observations" in err and "27 observations" in err and "PODNET_MAX_OBSERVATIONS" in err
    assert podnet_run("diagnose", str(path), env={"PODNET_MAX_OBSERVATIONS": "27"}).returncode == 0


def test_the_default_limit_refuses_the_issues_large_case(tmp_path: Path) -> None:
    path = tmp_path / "x400.json"
    path.write_text(json.dumps(repeated(case(), 400)))  # 3600 observations, over 2000
    err = assert_one_line_error(podnet_run("diagnose", str(path)), "E-FACTS-TOO-MANY")
    assert "3600 observations" in err and "limit of 2000" in err


def test_the_limit_holds_for_merged_files_and_library_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PODNET_MAX_OBSERVATIONS", "10")
    facts = load_facts(IPTABLES)  # 9 observations: under the limit
    facts.observations = facts.observations * 2
    with pytest.raises(FactFileError) as err:
        podnet.diagnose(facts)
    assert err.value.code == "E-FACTS-TOO-MANY" and "$.observations" in (err.value.location or "")


@pytest.mark.parametrize("value", ["0", "-5", "many", "1e3"])
def test_a_bad_limit_value_is_a_usage_error(value: str) -> None:
    err = assert_one_line_error(podnet_run("diagnose", str(IPTABLES), env={"PODNET_MAX_OBSERVATIONS": value}), "E-USAGE-LIMIT")
    assert "PODNET_MAX_OBSERVATIONS" in err


@pytest.mark.parametrize("example", [IPTABLES, CLUSTERIP], ids=lambda p: p.stem)
def test_repeated_observations_add_no_engine_work(example: Path, activations: dict[str, int]) -> None:
    """Copies that differ only in what no rule reads, as many as the default limit allows: the
    engine activates the same rules the same number of times as for one copy (it enumerated
    every combination: N² and N³ activations)."""
    size = len(case(example)["observations"])
    copies = 2000 // size
    once = podnet.diagnose(case(example))
    work_once = activations["n"]
    activations["n"] = 0
    many = podnet.diagnose(facts_from_data(repeated(case(example), copies, vary=("id", "note"))))
    assert activations["n"] == work_once
    assert [(c.id, c.confidence) for c in many.causes] == [(c.id, c.confidence) for c in once.causes]
    # the evidence still names every copy: observation k of copy n is at n * size + k
    top_once, top_many = once.causes[0].evidence[0], many.causes[0].evidence[0]
    first = int(top_once.observations[0].split("[")[1].rstrip("]"))
    assert f"$.observations[{(copies - 1) * size + first}]" in top_many.observations
    assert len(top_many.observations) == copies * len([p for p in top_once.observations if p.startswith("$.observations")])


def test_two_pattern_rules_over_varied_numbers_stay_linear(activations: dict[str, int]) -> None:
    """nu-load-normal-both-ends reads each node's load through a predicate: copies with different
    loads (all normal) are one fact for that pattern, so the pairs are not enumerated."""
    base = case(EXAMPLES / "nu-system-overload.json")
    extra = []
    for n in range(60):
        for at in ("source_node", "destination_node"):
            extra.append({"kind": "resource_pressure", "at": at, "load1": 0.1 + n / 100, "cpus": 8, "conntrack_count": 1000 + n, "conntrack_max": 262144})
    base["observations"] = [o for o in base["observations"] if o["kind"] != "resource_pressure"]

    def work(copies: int) -> tuple[int, list[str]]:
        data = copy.deepcopy(base)
        data["observations"] += extra[: 2 * copies]
        activations["n"] = 0
        d = podnet.diagnose(data)
        fired = [e.rule for c in d.causes + d.ruled_out for e in c.evidence]
        return activations["n"], fired

    few, fired_few = work(2)
    many, fired_many = work(60)
    assert "nu-load-normal-both-ends" in fired_many and sorted(fired_few) == sorted(fired_many)
    assert many == few


def test_exact_repeats_count_once_and_are_named() -> None:
    data = case()
    data["observations"] = data["observations"] * 3
    d = podnet.diagnose(data)
    (warning,) = [w for w in d.warnings if w.code == "W-FACTS-REPEATED"]
    assert warning.message.startswith("18 observation(s) repeat earlier ones exactly")
    assert "$.observations[9] = [0]" in warning.message
    single = podnet.diagnose(case())
    assert [(c.id, c.confidence) for c in d.causes] == [(c.id, c.confidence) for c in single.causes]
    for ev in d.causes[0].evidence:  # only the first copy's path, as the single case gives
        assert all(int(p.split("[")[1].rstrip("]")) < 9 for p in ev.observations if p.startswith("$.observations"))


# --------------------------------------------------------------------------- values and exit codes


def test_a_huge_integer_is_a_located_input_error(tmp_path: Path) -> None:
    text = IPTABLES.read_text().replace('"loss_percent": 100', '"loss_percent": ' + "1" + "0" * 400)
    path = tmp_path / "big-int.json"
    path.write_text(text)
    err = assert_one_line_error(podnet_run("diagnose", str(path)), "E-FACTS-JSON")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "1" + "0" * 400 in t)
    assert f"{path}:{line}:" in err and "401 digits" in err
    path.write_text(IPTABLES.read_text().replace('"port": 8080', '"port": ' + "9" * 5000))
    assert_one_line_error(podnet_run("diagnose", str(path)), "E-FACTS-JSON")


def test_control_characters_in_field_names_stay_on_one_line(tmp_path: Path) -> None:
    data = case()
    data["observations"][0]["a\nb"] = 1
    data["observations"][1]["esc\x1b[2Jx"] = 1
    path = tmp_path / "ctrl.json"
    path.write_text(json.dumps(data))
    err = assert_one_line_error(podnet_run("diagnose", str(path)), "E-FACTS-SCHEMA")
    assert "$.observations[0].a\\nb" in err and "esc\\x1b[2Jx" in err and "\x1b" not in err
    debug = podnet_run("--debug", "diagnose", str(path))
    assert debug.returncode == 2 and b"\x1b" not in debug.stderr and b"a\nb" not in debug.stderr


def test_error_one_line_escapes_its_location_and_message() -> None:
    exc = FactFileError("bad\nvalue \ud800 \x1b[31m", location="f\nile\x1b.json: $.a\u202eb")
    line = exc.one_line()
    assert "\n" not in line and "\x1b" not in line and "\u202e" not in line
    line.encode("utf-8")  # no lone surrogate left
    assert line == "E-FACTS f\\nile\\x1b.json: $.a\\u202eb: bad value \\ud800 \\x1b[31m"


def test_a_lone_surrogate_in_a_fact_file_is_bad_input(tmp_path: Path) -> None:
    text = IPTABLES.read_text()
    for field, value in (('"summary": "', '\\ud800 '), ('"name": "frontend', '\\udfff')):
        path = tmp_path / "surrogate.json"
        path.write_text(text.replace(field, field + value, 1))
        assert_one_line_error(podnet_run("diagnose", str(path)), "E-FACTS-SCHEMA")


@pytest.mark.parametrize("fmt", ["text", "wide", "markdown", "json"])
def test_a_lone_surrogate_in_a_library_built_case_is_escaped_when_written(fmt: str) -> None:
    """The schema refuses one in a fact file; a case changed in Python is not re-checked, and
    writing its report must still work."""
    facts = load_facts(IPTABLES)
    facts.case.summary = "summary \ud800 end"
    facts.endpoints.source.name = "front\udfffend"
    out = render(podnet.diagnose(facts), fmt)
    out.encode("utf-8")
    assert "\\ud800" in out or fmt == "text"  # the compact report does not show the summary
    assert "\ud800" not in out and "\udfff" not in out
    if fmt == "json":
        assert json.loads(out)["summary"] == "summary \ud800 end"


def test_a_huge_summary_is_refused_at_load_and_cut_when_built_in_python() -> None:
    data = case()
    data["case"]["summary"] = "word " * 1_400_000  # 7 MB
    with pytest.raises(FactFileError) as err:
        podnet.diagnose(data)
    assert err.value.location and err.value.location.endswith("$.case.summary")
    d = podnet.diagnose(case())
    d.summary = "word " * 1_400_000
    text = render(d, "wide")
    assert "characters not shown" in text and len(text) < 200_000


# --------------------------------------------------------------------------- engine recovery


def test_a_diagnosis_interrupted_by_sigalrm_inside_the_engine_leaves_nothing_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGALRM delivered while the engine propagates facts, its handler raising (as a timeout
    wrapper does); the next diagnosis on the same rule set must be right (it was IndexError)."""
    big = repeated(case(CLUSTERIP), 3, vary=())  # exact copies: different indexes, same facts
    big["observations"][12:] = [dict(o, loss_percent=None) if o["kind"] == "ping" else o for o in big["observations"][12:]]
    small = load_facts(CLUSTERIP)
    small.observations = small.observations[:6]
    expected = podnet.diagnose(small).model_dump()

    class Timeout(Exception):
        pass

    def on_alarm(signum: int, frame: Any) -> None:
        raise Timeout()

    calls = {"n": 0}
    original = rete_nodes.ConflictSetNode._activate

    def alarm_midway(self: Any, token: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 6:
            signal.raise_signal(signal.SIGALRM)  # delivered here, inside engine.declare/run
        return original(self, token)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        monkeypatch.setattr(rete_nodes.ConflictSetNode, "_activate", alarm_midway)
        with pytest.raises(Timeout):
            podnet.diagnose(facts_from_data(big))
    finally:
        signal.signal(signal.SIGALRM, previous)
        monkeypatch.undo()
    assert calls["n"] == 6
    assert podnet.diagnose(small).model_dump() == expected
    assert podnet.diagnose(facts_from_data(big)).causes  # and the big case itself, once more


# --------------------------------------------------------------------------- long input


def test_a_100k_line_transcript_ingests(tmp_path: Path) -> None:
    """The shape that took 15 s (many commands, routes looked up per record): it now parses in
    seconds (bench figures in the README); here only that it completes and is right."""
    text = RAW_SESSION.read_text()
    lines = len(text.splitlines())
    path = tmp_path / "long.txt"
    path.write_text(text * (100_000 // lines + 1))
    with pytest.raises(FactFileError) as err:  # thousands of observations: over the default limit
        ingest(path)
    assert err.value.code == "E-FACTS-TOO-MANY"
    proc = podnet_run("ingest", str(path), "--quiet", "--out", str(tmp_path / "facts.json"), env={"PODNET_MAX_OBSERVATIONS": "100000"}, memory_mb=2048)
    assert proc.returncode == 0, proc.stderr[-2000:]
    facts = json.loads((tmp_path / "facts.json").read_text())
    assert len(facts["observations"]) > 5000


def test_a_library_error_never_escapes_as_internal(tmp_path: Path) -> None:
    """The same reproductions through the library: each is a PodnetError with exit code 2."""
    raw = tmp_path / "bom.txt"
    raw.write_bytes(b"\xff\xfeA\x00\xd8")
    for call in (lambda: ingest(raw), lambda: load_facts("/dev/zero"), lambda: load_facts(str(tmp_path))):
        with pytest.raises(PodnetError) as err:
            call()
        assert err.value.exit_code == 2
    with pytest.raises(UsageError):
        os.environ["PODNET_MAX_FACT_BYTES"] = "nope"
        try:
            load_facts(IPTABLES)
        finally:
            del os.environ["PODNET_MAX_FACT_BYTES"]
