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
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300, cwd=build,
    )
    assert r.returncode == 0, r.stderr
    return next(out.glob("podnet-*.whl"))


def test_wheel_holds_knowledge_and_no_top_level_engine_or_kb(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"podnet"}
    assert "podnet/kb/symptoms.yaml" in names and "podnet/kb/observations.yaml" in names
    assert "podnet/py.typed" in names
    assert any(re.match(r"podnet/rules/cni_failure/case-.*\.yaml", n) for n in names)
    assert any(n.endswith(".test.yaml") for n in names)
    assert any(n.startswith("podnet/kb/causes/") for n in names)


def test_wheel_installed_in_a_venv_diagnoses(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    pip = venv / "bin" / "pip"
    r = subprocess.run([str(pip), "install", "-q", "--no-deps", "--no-index", str(wheel)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(
        [str(venv / "bin" / "podnet"), "diagnose", str(ROOT / "examples" / "clusterip-dual-address.json"), "--format", "json"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert '"node_dual_address_vxlan"' in r.stdout
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import podnet, podnet.kb; print(podnet.kb.__file__)"], capture_output=True, text=True, cwd=tmp_path)
    assert str(venv) in where.stdout, where.stdout + where.stderr
