"""podnet batch: many cases in one run, one JSON record per case, a bad case never stops the batch."""

from __future__ import annotations

import json
import os
import shutil
import sys

import pytest

from podnet import diagnose, load_facts
from podnet.batch import BatchOptions, Shard, iter_cases, run_batch
from podnet.batch.local import run_local
from tests.conftest import EXAMPLES, run_podnet

CASES = sorted(p for p in EXAMPLES.glob("*.json"))[:6]


def _records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def _jsonl(path, lines: list[str]) -> str:
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


@pytest.fixture
def mixed(tmp_path):
    """A JSON Lines file: good cases with bad ones in the middle (bad JSON, a schema error, a blank line)."""
    good = [json.dumps(json.loads(p.read_text())) for p in CASES]
    lines = good[:2] + ['{"case": {"id": "broken"', "", '{"case": {"id": "x"}, "observations": []}'] + good[2:]
    return _jsonl(tmp_path / "cases.jsonl", lines)


def _expected_causes(facts_path, top=3):
    return [{"id": c.id, "confidence": c.confidence} for c in diagnose(load_facts(facts_path)).causes[:top]]


def test_folder_gives_one_record_per_case_with_the_causes_diagnose_gives(tmp_path):
    for p in CASES:
        shutil.copy(p, tmp_path / p.name)
    r = run_podnet("batch", str(tmp_path))
    assert r.returncode == 0, r.stderr
    records = _records(r.stdout)
    assert [rec["n"] for rec in records] == list(range(len(CASES)))
    for rec, path in zip(records, CASES):
        assert rec["source"] == str(tmp_path / path.name)
        assert rec["id"] == load_facts(path).case.id
        assert rec["causes"] == _expected_causes(path)
        assert rec["status"] == ("cause" if rec["causes"] else "no_cause")
        assert rec["exit"] == (0 if rec["causes"] else 1)
    assert f"{len(CASES)} cases" in r.stderr and "top cause" in r.stderr


def test_a_bad_case_in_the_middle_is_a_located_record_and_the_batch_goes_on(mixed):
    r = run_podnet("batch", mixed, "--top", "1")
    assert r.returncode == 2, r.stderr
    records = _records(r.stdout)
    assert len(records) == len(CASES) + 2  # the blank line is no case
    bad_json, bad_schema = records[2], records[3]
    assert bad_json["status"] == "error" and bad_json["exit"] == 2
    assert bad_json["source"] == f"{mixed}:3"
    assert bad_json["error"]["code"] == "E-FACTS-JSON"
    assert bad_json["error"]["location"] == f"{mixed}:3:25"  # FILE:LINE:COLUMN
    assert bad_schema["source"] == f"{mixed}:5" and bad_schema["error"]["code"] == "E-FACTS-SCHEMA"
    assert bad_schema["error"]["location"].startswith(f"{mixed}:5: $.")
    good = [rec for rec in records if rec["status"] != "error"]
    assert [rec["causes"] for rec in good] == [_expected_causes(p, top=1) for p in CASES]
    assert "2 errors" in r.stderr and "E-FACTS-JSON 1" in r.stderr and "E-FACTS-SCHEMA 1" in r.stderr


def test_jobs_2_gives_the_same_output_as_a_serial_run(mixed, tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    for p in CASES:
        shutil.copy(p, folder / p.name)
    (folder / "not-json.json").write_text("nope")
    args = ["batch", mixed, str(folder), str(tmp_path / "missing.json"), "--chunk-size", "2", "-q"]
    serial = run_podnet(*args)
    parallel = run_podnet(*args, "--jobs", "2")
    assert serial.returncode == parallel.returncode == 2
    assert parallel.stdout == serial.stdout
    records = _records(serial.stdout)
    assert [r["n"] for r in records] == list(range(len(records)))
    assert records[-1]["error"]["code"] == "E-FACTS-MISSING"
    assert parallel.stderr == serial.stderr == ""  # -q: no summary


def test_stdin_is_json_lines_and_a_glob_with_no_match_is_an_error_record(tmp_path):
    text = "".join(json.dumps(json.loads(p.read_text())) + "\n" for p in CASES[:2])
    r = run_podnet("batch", "-", str(tmp_path / "*.json"), stdin=text)
    records = _records(r.stdout)
    assert [rec["source"] for rec in records] == ["<stdin>:1", "<stdin>:2", str(tmp_path / "*.json")]
    assert records[2]["error"]["code"] == "E-FACTS-MISSING"
    assert r.returncode == 2


def test_glob_and_jsonl_in_a_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    shutil.copy(CASES[0], tmp_path / "sub" / "a.json")
    _jsonl(tmp_path / "sub" / "b.jsonl", [json.dumps(json.loads(CASES[1].read_text()))])
    r = run_podnet("batch", str(tmp_path / "**" / "*.json*"))
    assert r.returncode == 0, r.stderr
    assert [rec["source"] for rec in _records(r.stdout)] == [str(tmp_path / "sub" / "a.json"), f"{tmp_path / 'sub' / 'b.jsonl'}:1"]


def test_a_line_over_the_size_limit_is_refused_and_the_next_line_read(tmp_path):
    small = json.dumps(json.loads(CASES[0].read_text()))
    path = _jsonl(tmp_path / "c.jsonl", ['{"pad": "' + "x" * 5000 + '"}', small])
    env_limit = str(len(small) + 10)
    records = list(run_batch(iter_cases([path], max_bytes=int(env_limit))))
    assert records[0]["error"]["code"] == "E-FACTS-SIZE" and records[0]["source"] == f"{path}:1"
    assert records[1]["status"] == "cause" and records[1]["source"] == f"{path}:2"


def test_shards_split_the_cases_and_together_cover_them(mixed):
    everything = run_podnet("batch", mixed, "-q").stdout.splitlines()
    parts = []
    for i in range(3):
        r = run_podnet("batch", mixed, "-q", "--shard", f"{i}/3")
        parts += r.stdout.splitlines()
        assert all(json.loads(line)["n"] % 3 == i for line in r.stdout.splitlines())
    assert sorted(parts, key=lambda line: json.loads(line)["n"]) == everything


def test_shard_from_env_reads_job_completion_index(mixed, monkeypatch):
    monkeypatch.setenv("JOB_COMPLETION_INDEX", "1")
    r = run_podnet("batch", mixed, "-q", "--shard-from-env", "2")
    assert [json.loads(line)["n"] for line in r.stdout.splitlines()] == [1, 3, 5, 7]
    monkeypatch.delenv("JOB_COMPLETION_INDEX")
    r = run_podnet("batch", mixed, "--shard-from-env", "2")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("podnet: E-USAGE --shard-from-env: JOB_COMPLETION_INDEX is not set")
    for bad in ("3/3", "1", "a/b"):
        r = run_podnet("batch", mixed, "--shard", bad)
        assert r.returncode == 2 and "E-USAGE --shard:" in r.stderr and r.stdout == ""
    with pytest.raises(Exception):
        Shard.from_env(2, {"JOB_COMPLETION_INDEX": "x"})


def test_bad_knowledge_stops_before_any_case(tmp_path, mixed):
    rules = tmp_path / "rules" / "common"
    rules.mkdir(parents=True)
    (rules / "bad.yaml").write_text("id: bad\nwhen: {fact: nothing}\n")
    r = run_podnet("batch", mixed, "--rules", str(tmp_path / "rules"), "--jobs", "2")
    assert r.returncode == 3 and r.stdout == ""
    assert r.stderr.startswith("podnet: E-RULE")


def test_out_file_is_written_whole(tmp_path, mixed):
    out = tmp_path / "results.jsonl"
    r = run_podnet("batch", mixed, "--out", str(out), "-q")
    assert r.returncode == 2 and r.stdout == ""
    assert len(_records(out.read_text())) == len(CASES) + 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_usage_errors(mixed):
    for args in (["--jobs", "-1"], ["--top", "x"], ["--address", "auto"], ["--engine", "dask"]):
        r = run_podnet("batch", mixed, *args)
        assert r.returncode == 2 and r.stderr.startswith("podnet: E-USAGE"), (args, r.stderr)


def test_an_internal_error_in_one_case_is_its_record_and_exit_70(monkeypatch, mixed):
    import podnet.reasoning.diagnose as diagnose_module

    real = diagnose_module.rank

    def failing(kb, firings):
        if any(f.rule.spec.then.cause == "node_dual_address_vxlan" for f in firings):
            raise RuntimeError("boom\nsecond line")
        return real(kb, firings)

    monkeypatch.setattr(diagnose_module, "rank", failing)
    records = list(run_batch(iter_cases([mixed]), BatchOptions(top=1)))
    internal = [r for r in records if r["exit"] == 70]
    assert len(internal) == 1 and internal[0]["error"] == {"code": "E-INTERNAL", "location": f"{mixed}:1", "message": "RuntimeError: boom second line"}
    assert sum(r["status"] != "error" for r in records) == len(CASES) - 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes are forked")
def test_a_worker_that_dies_costs_only_its_own_chunk(monkeypatch, mixed):
    import podnet.batch.work as work

    real = work.diagnose_case

    def deadly(item, options, reasoner=None):
        if item.n == 5:  # the schema-error line's neighbour: a good case
            os._exit(9)
        return real(item, options, reasoner)

    monkeypatch.setattr(work, "diagnose_case", deadly)  # forked workers inherit the patch
    records = list(run_local(iter_cases([mixed]), BatchOptions(), jobs=2, chunk_size=2))
    assert [r["n"] for r in records] == list(range(len(CASES) + 2))
    died = [r["n"] for r in records if r.get("error", {}).get("code") == "E-INTERNAL-WORKER"]
    assert died == [4, 5]  # the chunk holding case 5, and no other


def test_a_progress_line_only_when_stderr_is_a_terminal(mixed, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    out = tmp_path / "r.jsonl"
    child = pexpect.spawn(sys.executable, ["-m", "podnet", "batch", mixed, "--out", str(out)], encoding="utf-8", timeout=120, dimensions=(24, 120))
    screen = child.read()
    child.close()
    assert child.exitstatus == 2
    assert "podnet batch" in screen and " cases, " in screen and "\x1b[" in screen  # rich's live line
    assert len(_records(out.read_text())) == len(CASES) + 2
    piped = run_podnet("batch", mixed)
    assert "\x1b" not in piped.stderr and " cases, " not in piped.stderr
