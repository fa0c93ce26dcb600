"""Shared test helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.labpolicy import use_run_lab_names

use_run_lab_names()  # before tests/lab/topology.py is imported: this run's own namespaces (tests/labpolicy.py)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run_podnet(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the installed ``podnet`` command as a subprocess (the way users and CI call it)."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-m", "podnet", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


@pytest.fixture
def podnet_cli():
    return run_podnet
