"""One policy for a missing lab (tests/labpolicy.py) and lab names of the run's own."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests import labpolicy
from tests.conftest import ROOT


@pytest.mark.parametrize(("uid", "ci"), [(0, None), (0, "true"), (1000, "true")])
def test_as_root_or_in_ci_a_missing_lab_fails(monkeypatch, uid, ci):
    monkeypatch.setattr(os, "geteuid", lambda: uid)
    monkeypatch.delenv("CI", raising=False)
    if ci:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="LAB CANNOT RUN: no ip"):
        labpolicy.lab_unavailable("no ip")


def test_without_root_a_missing_lab_is_a_skip_with_its_reason(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"LAB NOT RUN \(needs root\): not running as root"):
        labpolicy.require_lab()


def test_a_missing_tool_fails_as_root(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    with pytest.raises(pytest.fail.Exception, match="missing no-such-tool-here"):
        labpolicy.require_lab("no-such-tool-here")


def test_no_lab_suite_decides_on_its_own():
    """Skipping or failing for want of root is labpolicy's alone."""
    own = []
    for path in (ROOT / "tests").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name not in ("labpolicy.py", "test_lab_policy.py") and "geteuid() != 0" in text and ("pytest.skip(" in text or "pytest.fail(" in text):
            own.append(str(path.relative_to(ROOT)))
    assert own == []


def test_a_pytest_run_names_the_scenario_lab_after_itself():
    from tests.lab import topology as t

    assert t.PREFIX == os.environ[labpolicy.LAB_PREFIX_VARIABLE] != "podnet-lab-"
    assert t.CLIENT == f"{t.PREFIX}client" and all(ns.startswith(t.PREFIX) for ns in t.NAMESPACES)
    assert not t.PREFIX.startswith("podnet-lab-"), "the manual lab's teardown (podnet-lab-*) would remove it"
    assert t.STATE_DIR.name == t.PREFIX.rstrip("-")


def test_the_manual_lab_keeps_the_names_of_docs_lab_md():
    env = {k: v for k, v in os.environ.items() if k != labpolicy.LAB_PREFIX_VARIABLE}
    code = "from tests.lab import topology as t; print(t.CLIENT, t.STATE_DIR, t.LOCK_FILE)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["podnet-lab-client", "/run/podnet-lab", "/run/podnet-lab.lock"], out.stderr
