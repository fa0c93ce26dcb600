"""The README's examples run as written."""

from __future__ import annotations

import re
import shlex

import pytest

from tests.conftest import ROOT, run_podnet

README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
COMMANDS = [line.strip() for block in BLOCKS for line in block.splitlines() if line.strip().startswith("podnet ")]


def test_readme_has_commands():
    assert len(COMMANDS) >= 5


@pytest.mark.parametrize("line", COMMANDS)
def test_readme_command_runs(line):
    args = shlex.split(line.split("  #")[0])[1:]
    r = run_podnet(*args)
    assert r.returncode == 0, f"{line}: {r.stderr}"
    assert r.stdout.strip()


def test_readme_make_targets_exist():
    makefile = (ROOT / "Makefile").read_text()
    for target in re.findall(r"^make (\w+)", README, flags=re.M):
        assert re.search(rf"^{target}:", makefile, flags=re.M), target
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_library_snippet_runs():
    code = re.search(r"```python\n(.*?)```", README, flags=re.S).group(1)
    import contextlib
    import io
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert out.getvalue().startswith("node_dual_address_vxlan ")


def test_readme_catalogue_is_current():
    from podnet.knowledge.catalogue import catalogue_markdown
    from podnet.knowledge.load import load_knowledge

    m = re.search(r"<!-- catalogue:start -->\n(.*?)<!-- catalogue:end -->", README, flags=re.S)
    assert m, "README lacks the catalogue markers"
    assert m.group(1).strip() == catalogue_markdown(load_knowledge()).strip(), "run: podnet rules catalogue, and paste it into the README"


def test_readme_puts_podnet_on_path_before_the_first_podnet_command():
    block = next(m for m in re.finditer(r"```sh\n(.*?)```", README, flags=re.S) if re.search(r"^podnet ", m.group(1), flags=re.M))
    first = block.start(1) + re.search(r"^podnet ", block.group(1), flags=re.M).start()
    before = README[:first]
    assert ". .venv/bin/activate" in before and "pipx install ." in before


def test_make_demo_ends_with_how_to_put_podnet_on_path():
    import subprocess

    r = subprocess.run(["make", "-n", "demo"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    demo = r.stdout[r.stdout.index("podnet diagnose examples/") :]  # after the demo's own diagnosis
    assert ". .venv/bin/activate" in demo and "pipx install ." in demo
