"""A question that asks the customer to try a change (kind ``workaround``, issue #14): its command
changes the node, so it carries kb/destructive.yaml's warning, printed before the command; the
diagnosis's next checks never list it; a fact file naming a change outside kb/workarounds.yaml is a
located one-line error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from podnet.errors import PodnetError
from podnet.facts.load import load_facts
from podnet.knowledge.destructive import is_destructive
from podnet.triage.conversation import prompt_text
from podnet.triage.model import Prompt
from podnet.triage.questions import knowledge, render_question

CASE = {
    "case": {"id": "T-OFFLOAD", "summary": "Pods on different nodes cannot talk (flannel VXLAN)"},
    "cluster": {"cni": "flannel", "mode": "vxlan"},
    "endpoints": {"source": {"kind": "pod", "node": "node-a"}, "destination": {"kind": "pod", "node": "node-b"}},
    "observations": [{"kind": "reachability", "at": "source_pod", "scope": "cross_node", "result": "failed"}],
}


def _facts(tmp_path: Path, data: dict) -> object:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    return load_facts(path)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_trying_the_change_is_warned_before_its_command(tmp_path: Path, lang: str) -> None:
    facts = _facts(tmp_path, CASE)
    q = render_question(knowledge(), facts, ("workaround", "source_node"), 0.1, lang)  # type: ignore[arg-type]
    assert q.command == "ethtool -K flannel.1 tx-checksum-ip-generic off" and is_destructive(q.command)
    assert q.warning and "node-a" in q.text
    text = prompt_text(Prompt(type="observation", key=q.key, title=q.title, text=q.text, command=q.command,
                              run_in=q.run_in, at=q.at, options=q.answers, question=q), 1, lang)
    lines = text.splitlines()
    assert lines.index(f"  ⚠ {q.warning}") < next(i for i, line in enumerate(lines) if line.endswith(q.command))


def test_a_reading_question_has_no_warning(tmp_path: Path) -> None:
    q = render_question(knowledge(), _facts(tmp_path, CASE), ("nic_offload", "source_node"), 0.1, "en")  # type: ignore[arg-type]
    assert q.warning is None


def test_next_checks_never_ask_to_change_the_node(tmp_path: Path) -> None:
    """The offload is on and cross-node traffic fails: the checks for vxlan_checksum_offload are
    listed, the trial that would decide it (turning the offload off) is not."""
    from podnet import diagnose

    data = json.loads(json.dumps(CASE))
    data["observations"].append({"kind": "nic_offload", "at": "source_node", "interface": "flannel.1", "tx_checksum_ip_generic": True})
    d = diagnose(_facts(tmp_path, data))
    assert any("vxlan_checksum_offload" in c.causes for c in d.next_checks)
    assert not any(is_destructive(c.command) for c in d.next_checks)


def test_an_unknown_change_is_a_located_error(tmp_path: Path) -> None:
    data = json.loads(json.dumps(CASE))
    data["observations"].append({"kind": "workaround", "at": "source_node", "change": "ethtool_off", "effect": "fixed"})
    with pytest.raises(PodnetError) as exc:
        _facts(tmp_path, data)
    line = exc.value.one_line()
    assert "$.observations[1].change" in line and "tunnel_checksum_offload_off" in line and "\n" not in line
    assert "ethtool_off" not in line  # a refused value is never echoed (it may be a payload)
