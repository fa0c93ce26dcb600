"""The package installs as `podnet` only, with its knowledge, from a built wheel (offline)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile

import pytest

from tests.conftest import ROOT


def test_every_engine_subpackage_is_listed():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {"podnet"} | {
        "podnet." + ".".join(p.parent.relative_to(ROOT / "engine").parts) for p in (ROOT / "engine").rglob("__init__.py") if p.parent != ROOT / "engine"
    }
    assert found - listed == set(), f"add to pyproject packages: {found - listed}"


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """Build the wheel (verbose, so that the build backend's warnings are kept)."""
    out = tmp_path_factory.mktemp("wheel")
    cwd = tmp_path_factory.mktemp("build")
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300, cwd=cwd,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return next(out.glob("podnet-*.whl")), r.stdout + r.stderr


@pytest.fixture(scope="module")
def wheel(build):
    return build[0]


def test_build_gives_no_deprecation_warning_about_the_projects_metadata(build):
    """setuptools used to print ~35 lines of `project.license as a TOML table is deprecated`."""
    wheel, log = build
    assert "running bdist_wheel" in log  # the backend's own output is in the log
    warnings = [line for line in log.splitlines() if "deprecat" in line.lower()]
    assert warnings == []
    names = zipfile.ZipFile(wheel).namelist()
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: Apache-2.0" in metadata


def test_wheel_holds_knowledge_and_no_top_level_engine_or_kb(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"podnet"}
    assert "podnet/kb/symptoms.yaml" in names and "podnet/kb/observations.yaml" in names
    assert "podnet/py.typed" in names
    assert any(re.match(r"podnet/rules/cni_failure/case-.*\.yaml", n) for n in names)
    assert any(n.endswith(".test.yaml") for n in names)
    assert any(n.startswith("podnet/kb/causes/") for n in names)


def test_wheel_installed_apart_diagnoses_with_its_own_knowledge(wheel, tmp_path):
    """Install the wheel into a folder of its own (offline, no dependencies: the running
    interpreter has them) and check that `podnet` is imported from there, knowledge included."""
    import os

    target = tmp_path / "site"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    env = dict(os.environ, PYTHONPATH=str(target), PODNET_CACHE_DIR=str(tmp_path / "cache"))
    where = subprocess.run(
        [sys.executable, "-c", "import podnet, podnet.kb, podnet.rules; print(podnet.__file__, podnet.kb.__file__)"],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )
    assert where.stdout.count(str(target)) == 2, where.stdout + where.stderr
    r = subprocess.run(
        [sys.executable, "-m", "podnet", "diagnose", str(ROOT / "examples" / "clusterip-dual-address.json"), "--format", "json"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
    )
    assert r.returncode == 0, r.stderr
    assert '"node_dual_address_vxlan"' in r.stdout
    r = subprocess.run([sys.executable, "-m", "podnet", "rules", "test"], capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert r.returncode == 0 and r.stdout.strip().endswith(" 0 failed"), r.stdout[-500:]
