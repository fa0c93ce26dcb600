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


def _dev_null_state() -> tuple[int, int, int, int] | None:
    try:
        st = os.stat("/dev/null")
    except OSError:
        return None
    return (st.st_mode, st.st_rdev, st.st_uid, st.st_gid)


_DEV_NULL = _dev_null_state()


@pytest.fixture(autouse=True)
def dev_null_stays_a_device(request):
    """Fail the test after which /dev/null is no longer the device it was (a lab's dnsmasq once
    chowned it to nobody through ``--log-facility=/dev/null``; ``--out /dev/null`` renamed a file
    over it). The test that changed it is named, instead of later tests failing strangely."""
    yield
    import stat

    now = _dev_null_state()
    if _DEV_NULL is not None and stat.S_ISCHR(_DEV_NULL[0]) and now != _DEV_NULL:
        pytest.fail(f"/dev/null changed during {request.node.nodeid}: mode/rdev/uid/gid {_DEV_NULL} -> {now}", pytrace=False)
