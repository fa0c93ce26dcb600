"""Triage test helpers: a case with endpoints only, built from the rule tests' defaults."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from podnet.facts.load import facts_from_data

ROOT = Path(__file__).resolve().parents[2]
DEFAULTS = yaml.safe_load((ROOT / "rules" / "defaults.test.yaml").read_text())


def answer_until_stop(s, replies: dict[str, str], limit: int = 60) -> list[str]:
    """Answer every prompt of session ``s`` from ``replies`` (by prompt key; "unknown" otherwise)
    until triage stops; the keys asked. Fails when it does not stop within ``limit`` prompts."""
    asked: list[str] = []
    for _ in range(limit):
        p = s.current_question()
        if p is None:
            return asked
        asked.append(p.key)
        s.answer(replies.get(p.key, "unknown"))
    raise AssertionError(f"triage did not stop: {asked}")


def case_data(**observations) -> dict:
    """The rule tests' default case (a Pod -> Service connection), without observations."""
    data = copy.deepcopy(DEFAULTS)
    data["observations"] = []
    return data


@pytest.fixture
def case_facts():
    return facts_from_data(case_data())


@pytest.fixture
def case_file(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case_data()))
    return path


def run_podnet_seeded(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m podnet ARGS`` with a fixed hash seed, so two runs order equal-weight items alike."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0")
    return subprocess.run([sys.executable, "-m", "podnet", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False)
