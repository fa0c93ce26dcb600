"""podnet batch --engine ray: the same records as a serial run, on a local Ray instance.

Ray is the optional extra ``podnet[ray]``; ``make test`` (and so CI) installs it. Where it is
missing the test is skipped with its reason shown, except in CI (``CI`` set), where a missing
Ray is a failure: the test must not vanish silently.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys

import pytest

from podnet.errors import UsageError
from tests.conftest import EXAMPLES, run_podnet

CASES = sorted(EXAMPLES.glob("*.json"))[:5]


def _require_ray() -> None:
    if importlib.util.find_spec("ray") is None:
        if os.environ.get("CI"):
            pytest.fail("ray is not installed: CI installs '.[test,ray]' (make test)")
        pytest.skip("ray is not installed (pip install 'podnet[ray]')")


def test_ray_local_mode_gives_the_records_of_a_serial_run(tmp_path, monkeypatch):
    _require_ray()
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")  # no token file written for a throw-away local instance
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    good = [json.dumps(json.loads(p.read_text())) for p in CASES]
    lines = good[:2] + ['{"case": {"id": "broken"', '{"case": {"id": "x"}, "observations": []}'] + good[2:]
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(lines) + "\n")
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(CASES[0], folder / "a.json")
    (folder / "b.json").write_text("[1, 2")
    args = ["batch", str(cases), str(folder), str(tmp_path / "missing.json"), "--chunk-size", "2", "--titles"]
    serial = run_podnet(*args, "-q")
    ray = run_podnet(*args, "--engine", "ray", "--jobs", "2")
    assert ray.returncode == serial.returncode == 2, ray.stderr[-2000:]
    assert ray.stdout == serial.stdout
    records = [json.loads(line) for line in ray.stdout.splitlines()]
    assert [r["status"] for r in records[2:4]] == ["error", "error"]  # the bad cases in the middle
    assert records[-2]["error"]["location"].startswith(str(folder / "b.json"))
    assert records[-1]["error"]["code"] == "E-FACTS-MISSING"
    assert sum(r["status"] == "cause" for r in records) == sum(1 for r in records if r.get("causes"))
    assert "(ray, 2 jobs" in ray.stderr and "4 errors" in ray.stderr


def test_engine_ray_without_ray_installed_is_a_usage_error(monkeypatch):
    from podnet.batch.ray_engine import _import_ray

    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` fail
    with pytest.raises(UsageError) as err:
        _import_ray()
    assert "pip install 'podnet[ray]'" in str(err.value) and err.value.exit_code == 2
