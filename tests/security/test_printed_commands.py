"""Issue 18 parts 1-2, one regression test per reproduction: printed commands cannot be hijacked.

Hostile values are refused at the schema (exit 2, located, the value never printed); values that
are allowed (free text such as the summary) and values set past the schema by a library caller
are printed so that they cannot start a line, end a comment, add Markdown or close a code block.
"""

from __future__ import annotations

import copy
import json

import pytest

from podnet import diagnose
from podnet.errors import FactFileError
from podnet.facts.load import facts_from_data
from podnet.render import render
from tests.conftest import EXAMPLES, run_podnet

BASE = json.loads((EXAMPLES / "mtu-docker0-default.json").read_text())
SERVICE = json.loads((EXAMPLES / "clusterip-dual-address.json").read_text())
DNS = json.loads((EXAMPLES / "dns-pod-uses-node-resolver.json").read_text())


def _with(data: dict, path: tuple, value: object) -> dict:
    data = copy.deepcopy(data)
    slot = data
    for key in path[:-1]:
        slot = slot[key]
    slot[path[-1]] = value
    return data


def _refused(data: dict, path: str) -> FactFileError:
    with pytest.raises(FactFileError) as err:
        facts_from_data(data, "case.json")
    e = err.value
    assert (e.code, e.exit_code) == ("E-FACTS-SCHEMA", 2)
    assert e.location == f"case.json: {path}"
    return e


def _cli_refuses(tmp_path, data: dict, path: str, payload: str) -> None:
    f = tmp_path / "case.json"
    f.write_text(json.dumps(data))
    for fmt in ("text", "markdown", "json"):
        r = run_podnet("diagnose", "--format", fmt, str(f))
        assert r.returncode == 2, r.stderr
        assert r.stdout == ""
        assert len(r.stderr.strip().splitlines()) == 1 and path in r.stderr, r.stderr
        assert payload not in r.stderr


# --- part 1: zone ids, names with line breaks, Markdown --------------------------------------

ZONE_PAYLOADS = ["fe80::1%$(touch pwned)", "fe80::1%`id`", "fe80::1%eth0;id", "fe80::1%eth0 x", "10.0.0.1%eth0", "fe80::1%"]


@pytest.mark.parametrize("payload", ZONE_PAYLOADS)
def test_a_zone_id_that_is_not_an_interface_name_is_refused(payload):
    _refused(_with(BASE, ("endpoints", "source", "ip"), payload), "$.endpoints.source.ip")
    ping = next(i for i, o in enumerate(BASE["observations"]) if o["kind"] == "ping")
    _refused(_with(BASE, ("observations", ping, "target"), payload), f"$.observations[{ping}].target")


def test_a_zone_id_with_an_interface_name_is_accepted_and_printed_as_one_word():
    d = diagnose(facts_from_data(_with(BASE, ("endpoints", "source", "ip"), "fe80::1%eth0")))
    commands = [s.command for c in d.causes for s in c.remediation + c.verify if s.command]
    assert any("host fe80::1%eth0 and greater 1450" in c for c in commands), commands


def test_the_zone_id_reproduction_is_refused_by_the_cli(tmp_path):
    _cli_refuses(tmp_path, _with(BASE, ("endpoints", "source", "ip"), "fe80::1%$(touch pwned)"), "$.endpoints.source.ip", "touch pwned")


@pytest.mark.parametrize("payload", ["node01\n$ touch pwned", "node01\r\ntouch pwned", "node01\rtouch pwned", "node01\x1b[2K"])
@pytest.mark.parametrize(
    "path",
    [("endpoints", "source", "node"), ("endpoints", "source", "name"), ("cluster", "nodes", 0, "name")],
)
def test_line_breaks_in_node_and_pod_names_are_refused(payload, path):
    where = "$." + ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")
    e = _refused(_with(BASE, path, payload), where)
    assert "pwned" not in str(e) and "\n" not in str(e) and "\x1b" not in str(e)


def test_a_backend_pod_with_a_line_break_is_refused_by_the_cli(tmp_path):
    _cli_refuses(tmp_path, _with(SERVICE, ("endpoints", "destination", "backends", 0, "pod"), "registry-0\ntouch pwned"),
                 "$.endpoints.destination.backends[0].pod", "touch pwned")


FORGED = "Uploads hang.\n```sh\ntouch pwned\n```\n# Ranked causes\n<img src=x onerror=alert(1)>\n    $ touch pwned2\n* [click](http://evil)"


def _markdown_blocks(md: str) -> tuple[list[str], list[object]]:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(md)
    code = [t.content for t in tokens if t.type in ("fence", "code_block")]
    return code, tokens


def _all_inline(tokens: list) -> list:
    out = []
    for t in tokens:
        out.append(t)
        out.extend(t.children or [])
    return out


def test_a_summary_cannot_forge_a_code_block_heading_html_or_link():
    d = diagnose(facts_from_data(_with(BASE, ("case", "summary"), FORGED)))
    md = render(d, "markdown")
    code, tokens = _markdown_blocks(md)
    commands = {s.command for c in d.causes for s in c.remediation + c.verify if s.command} | {c.command for c in d.next_checks}
    assert code and all(block.strip() in commands for block in code), code
    inline = _all_inline(tokens)
    assert not [t for t in inline if t.type in ("html_block", "html_inline", "link_open", "image")]
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert not any("pwned" in h or h == "Ranked causes" for h in headings[:2]), headings
    # the summary is one escaped paragraph right under the title
    paragraph = next(tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "paragraph_open")
    assert "touch pwned" in paragraph and "Uploads hang." in paragraph
    for fmt in ("text", "wide"):
        text = render(d, fmt)
        assert not any(line.lstrip().startswith(("$ touch", "```", "touch pwned")) for line in text.splitlines())


def test_a_pod_name_with_a_fence_set_past_the_schema_stays_inside_its_code_block():
    """A library caller may skip validation: a line break and a fence in a name still do not break out."""
    facts = facts_from_data(copy.deepcopy(BASE))
    facts.endpoints.source.name = "web\n```\n# owned\n````` `touch pwned`"
    facts.endpoints.source.node = "worker-1\n$ touch pwned"
    d = diagnose(facts)
    md = render(d, "markdown")
    code, tokens = _markdown_blocks(md)
    commands = {s.command for c in d.causes for s in c.remediation + c.verify if s.command} | {c.command for c in d.next_checks}
    assert len(code) == sum(1 for c in d.causes for s in c.remediation + c.verify if s.command) + len(d.next_checks)
    for block in code:
        assert "\n" not in block.strip() and block.strip().replace("\\n", "\n") in commands, block
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert "owned" not in " ".join(headings)
    for fmt in ("text", "wide", "markdown"):
        out = render(d, fmt)
        assert "\r" not in out and "\x1b" not in out
        assert not any(line.lstrip().startswith(("$ touch", "touch pwned", "# owned")) for line in out.splitlines()), fmt


def test_where_to_run_is_a_comment_line_before_the_command():
    facts = facts_from_data(copy.deepcopy(BASE))
    facts.endpoints.source.node = "worker-1\n$ touch pwned\r\n"  # past the schema
    d = diagnose(facts)
    compact = render(d, "text").splitlines()  # the compact report: where, on the line before its one command
    now = next(i for i, line in enumerate(compact) if line.startswith("Run now, on worker-1"))
    assert "worker-1\\n$ touch pwned\\r\\n" in compact[now] and compact[now + 1].startswith("  $ ")
    lines = render(d, "wide").splitlines()
    commands = [i for i, line in enumerate(lines) if line.lstrip().startswith("$ ")]
    assert commands
    for i in commands:  # nothing after the command: the old "$ cmd  # 'node' (source_node)" form is gone
        assert "# run on" not in lines[i] and not lines[i].rstrip().endswith(("_node)", "_pod)", "control_plane")), lines[i]
    run_on = [i for i, line in enumerate(lines) if line.lstrip().startswith("# run on worker-1")]
    # only comment lines (a warning, values to fill in) between where to run it and the command
    after = [next(line for line in lines[i + 1 :] if not line.lstrip().startswith("#")) for i in run_on]
    assert run_on and all(line.lstrip().startswith("$ ") for line in after)
    assert all("worker-1\\n$ touch pwned\\r\\n" in lines[i] for i in run_on)


def test_control_characters_past_the_schema_are_escaped_in_json():
    facts = facts_from_data(copy.deepcopy(BASE))
    facts.case.summary = "a\x1b[31m\u009b\u202e\ud800z"  # past the schema (the schema refuses each)
    out = render(diagnose(facts), "json")
    assert not any(ch in out for ch in "\x1b\u009b\u202e\ud800")
    assert json.loads(out)["summary"] == facts.case.summary


@pytest.mark.parametrize("bad", ["a\x1bb", "a\u202eb", "a\ud800b", "a\x00b", "a\u0085b"])
def test_the_schema_refuses_control_characters_in_the_summary(bad):
    _refused(_with(BASE, ("case", "summary"), bad), "$.case.summary")


# --- part 2: option injection ----------------------------------------------------------------

OPTION_NAMES = ["--server=https://evil.example", "-oyaml", "--kubeconfig=/tmp/x", "-"]


@pytest.mark.parametrize("payload", OPTION_NAMES)
@pytest.mark.parametrize(
    "data, path",
    [
        (BASE, ("cluster", "nodes", 0, "name")),
        (BASE, ("endpoints", "source", "node")),
        (BASE, ("endpoints", "source", "name")),
        (BASE, ("endpoints", "source", "namespace")),
        (SERVICE, ("endpoints", "destination", "backends", 0, "pod")),
        (SERVICE, ("endpoints", "destination", "name")),
        (DNS, ("endpoints", "destination", "dns_name")),
        (BASE, ("cluster", "nodes", 0, "nic")),
    ],
)
def test_option_looking_names_are_refused(payload, data, path):
    where = "$." + ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")
    _refused(_with(data, path, payload), where)


def test_the_server_node_name_reproduction_is_refused_by_the_cli(tmp_path):
    _cli_refuses(tmp_path, _with(BASE, ("endpoints", "source", "node"), "--server=https://evil.example"),
                 "$.endpoints.source.node", "evil.example")


@pytest.mark.parametrize("name", ["yq01-aip-aikefu12", "node-1.example.com", "ip-10-0-1-21.ec2.internal", "worker-1"])
def test_real_node_names_pass(name):
    data = _with(BASE, ("cluster", "nodes", 0, "name"), name)
    data = _with(data, ("endpoints", "source", "node"), name)
    facts = facts_from_data(data)
    assert facts.endpoints.source.node == name


@pytest.mark.parametrize("nic", ["eth0", "enp26s0f0", "flannel.1", "vxlan.calico", "bond0.100", "cali1a2b3c4d5e6", "br-4f2a9c1d0e7b"])
def test_real_interface_names_pass(nic):
    assert facts_from_data(_with(BASE, ("cluster", "nodes", 0, "nic"), nic)).cluster.nodes[0].nic == nic


@pytest.mark.parametrize("nic", ["eth0;id", ".", "..", "a/b", "abcdefghijklmnop", "-i", "eth 0", "eth0:1", "ｅｔｈ0"])
def test_interface_names_outside_the_kernel_rules_are_refused(nic):
    _refused(_with(BASE, ("cluster", "nodes", 0, "nic"), nic), "$.cluster.nodes[0].nic")


@pytest.mark.parametrize("option, value", [("--iface", "eth0;touch pwned"), ("--iface", "-w/tmp/x"), ("--pid", "1 $(id)")])
def test_tools_refuses_values_that_are_not_an_interface_or_a_pid(option, value):
    r = run_podnet("tools", option, value)
    assert r.returncode == 2 and r.stdout == ""
    assert option in r.stderr and len(r.stderr.strip().splitlines()) == 1
