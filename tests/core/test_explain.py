"""``podnet explain CAUSE``: its templates rendered, with named fill-ins or a case's values."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from podnet.cli.main import main
from podnet.knowledge.load import load_knowledge
from tests.conftest import EXAMPLES

CAUSES = sorted(load_knowledge().causes)


def _explain(capsys, *args: str) -> str:
    assert main(["explain", *args]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_cause_renders_its_templates(capsys, lang):
    for cause in CAUSES:
        out = _explain(capsys, cause, "--lang", lang)
        assert not re.search(r"\{\{\s*[a-z_]|\{%", out), (cause, out)
        lines = out.splitlines()
        for i, line in enumerate(lines):
            if not line.lstrip().startswith("$ "):
                continue
            cmd = line.lstrip()[2:]
            assert not re.search(r"'<[a-z-]+>'", cmd), (cause, cmd)  # prose keeps <name>, commands never
            wanted = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):\?set \1 to ", cmd))
            notes = {m.group(1) for j in range(max(0, i - 8), i) if (m := re.search(r"# (?:fill in|需填写): ([A-Z0-9_]+) ", lines[j]))}
            assert wanted <= notes, (cause, cmd, notes)


def test_a_destructive_step_is_warned_and_fill_ins_stop_bash(capsys):
    out = _explain(capsys, "mtu_docker_bridge")
    lines = out.splitlines()
    delete = next(i for i, line in enumerate(lines) if "$ kubectl delete pod" in line)
    assert any("# WARNING: Deletes Pods" in line for line in lines[delete - 5 : delete])
    cmd = lines[delete].lstrip()[2:]
    r = subprocess.run([shutil.which("bash") or "/bin/bash", "-c", cmd], capture_output=True, text=True, env={"PATH": "/nonexistent"})
    assert r.returncode != 0 and "SOURCE_NAMESPACE: set SOURCE_NAMESPACE to the source Pod namespace" in r.stderr


def test_with_facts_the_case_values_are_filled_in(capsys):
    out = _explain(capsys, "mtu_host_nic", "--facts", str(EXAMPLES / "mtu-underlay-1450.json"))
    assert "192.168.56.12" in out and "${" not in out.replace("${PATH_MTU:?", "") and "<" not in out
    assert "--facts FILE" not in out


def test_an_unknown_cause_is_a_usage_error(capsys):
    assert main(["explain", "mtu_host_nc"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "podnet: E-USAGE CAUSE_ID: unknown cause 'mtu_host_nc'; did you mean 'mtu_host_nic'?"


def test_chinese_explain_names_roles_and_sections_in_chinese(capsys):
    """Where a step runs and the section headings read in the language asked for (issue 15: every
    label translated); the command keeps its English shell message."""
    raw = re.compile(r"(?<![\w.-])(source_node|destination_node|source_pod|destination_pod|control_plane)(?![\w-])")
    for cause in CAUSES:
        out = _explain(capsys, cause, "--lang", "zh")
        prose = [line for line in out.splitlines() if not line.lstrip().startswith("$ ")]
        assert not [line for line in prose if raw.search(line)], cause
        assert "  remediation:" not in out and "  verify:" not in out and "  处理步骤:" in out, cause
    en = _explain(capsys, "node_dual_address_vxlan")
    assert "# run at: source node" in en and "  remediation:" in en
