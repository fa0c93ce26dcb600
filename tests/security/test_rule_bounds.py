"""Issue 18 parts 5 and 7 (rule folders): a rule folder cannot hang podnet or end it with exit 70.

Every reproduction from the issue is a site rule folder given to the real command. Each must end
in exit 3 with one located line (the file, and the rule id where there is one), fast: the
subprocess timeout is the hang guard, not a speed assertion.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ..conftest import EXAMPLES, ROOT

CASE = EXAMPLES / "dns-coredns-crashloop.json"
HANG_GUARD = 60


def _podnet(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PODNET_NO_CACHE="1")
    return subprocess.run([sys.executable, "-m", "podnet", *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=HANG_GUARD, stdin=subprocess.DEVNULL)


def _rule(when: str, because: str = "a plain reason", rule_id: str = "site-rule") -> str:
    """A site rule concluding a DNS cause; ``because`` goes in verbatim (a YAML block scalar)."""
    return (
        f"id: {rule_id}\n"
        "title: {en: a site rule, zh: 站点规则}\n"
        f"when: {when.strip()}\n"
        "then: {cause: dns_service_down, weight: 0.2}\n"
        "because:\n"
        f"  en: |-\n    {because}\n"
        "  zh: 原因\n"
    )


def _folder(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    folder = tmp_path / "site-rules"
    (folder / "common").mkdir(parents=True)
    for name, content in files.items():
        path = folder / "common" / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return folder


def _knowledge_error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    lines = proc.stderr.splitlines()
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert len(lines) == 1, proc.stderr[-2000:]
    assert lines[0].startswith("podnet: E-"), lines[0]
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


SOURCE = "{fact: source}"


def test_a_plain_site_rule_loads(tmp_path: Path) -> None:
    """The folder shape the other tests use is itself fine: their failures come from what they add."""
    folder = _folder(tmp_path, {"site-rule.yaml": _rule(SOURCE, "{{ 1 + 2 }} {% for i in range(3) %}{{ i }}{% endfor %}")})
    proc = _podnet("rules", "list", "--rules", str(folder))
    assert proc.returncode == 0, proc.stderr
    assert "site-rule" in proc.stdout
    report = _podnet("diagnose", str(CASE), "--rules", str(folder), "--format", "json")
    assert report.returncode in (0, 1), report.stderr
    assert "3 012" in report.stdout  # the template really rendered


# -- YAML ------------------------------------------------------------------------------------


def test_a_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    bomb = textwrap.dedent(
        """\
        id: site-rule
        title: {en: t, zh: t}
        a: &a [x, x, x, x, x, x, x, x, x, x]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
        f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
        g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
        h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
        i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
        when: {all: [{fact: source, as: s}, {fact: cluster, cni: {in: *i}}]}
        then: {cause: dns_service_down, weight: 0.2}
        because: {en: x, zh: x}
        """
    )
    assert len(bomb) < 1200
    folder = _folder(tmp_path, {"site-rule.yaml": bomb})
    _knowledge_error(_podnet("rules", "list", "--rules", str(folder)), "E-KB-YAML", "site-rule.yaml:3", "aliases")


def test_a_merge_key_is_refused_too(tmp_path: Path) -> None:
    text = _rule(SOURCE) + "x: &base {a: 1}\ny:\n  <<: *base\n"
    folder = _folder(tmp_path, {"site-rule.yaml": text})
    _knowledge_error(_podnet("rules", "list", "--rules", str(folder)), "E-KB-YAML", "aliases")


def test_all_nested_400_deep_is_a_located_error(tmp_path: Path) -> None:
    when = "{all: [" * 400 + "{fact: source}" + "]}" * 400
    folder = _folder(tmp_path, {"site-rule.yaml": _rule(when)})
    line = _knowledge_error(_podnet("rules", "list", "--rules", str(folder)), "site-rule.yaml")
    assert "RecursionError" not in line and "deep" in line


def test_all_nested_past_the_condition_limit_names_the_rule(tmp_path: Path) -> None:
    when = "{all: [" * 20 + "{fact: source}" + "]}" * 20
    folder = _folder(tmp_path, {"site-rule.yaml": _rule(when)})
    _knowledge_error(_podnet("rules", "list", "--rules", str(folder)), "E-RULE-CONDITION", "rule site-rule", "16 levels")


def test_eighteen_two_way_any_under_all_is_refused_before_the_engine_expands_it(tmp_path: Path) -> None:
    clauses = ", ".join(f"{{any: [{{fact: source, as: a{i}}}, {{fact: cluster, as: b{i}}}]}}" for i in range(18))
    folder = _folder(tmp_path, {"site-rule.yaml": _rule(f"{{all: [{clauses}]}}")})
    _knowledge_error(_podnet("rules", "list", "--rules", str(folder)), "E-RULE-CONDITION", "rule site-rule: when", "256 alternatives")


@pytest.mark.parametrize("pattern", [
    "{fact: cluster, cni: {in: [[a, b]]}}",
    "{fact: cluster, cni: {eq: {a: 1}}}",
    "{fact: cluster, cni: [a, b]}",
    "{fact: cluster, cni: {not_in: [{x: 1}]}}",
    "{fact: dns_lookup, answers: {contains: [198.18.0.1]}}",
])
def test_an_unhashable_comparison_value_is_a_located_rule_error(tmp_path: Path, pattern: str) -> None:
    folder = _folder(tmp_path, {"site-rule.yaml": _rule(f"{{all: [{{fact: source}}, {pattern}]}}")})
    _knowledge_error(_podnet("rules", "list", "--rules", str(folder)), "E-RULE-CONDITION", "rule site-rule: when", "plain value")


def test_a_fact_kind_that_is_a_list_is_a_located_rule_error(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"site-rule.yaml": _rule("{fact: [source]}")})
    _knowledge_error(_podnet("rules", "list", "--rules", str(folder)), "E-RULE-CONDITION", "rule site-rule: when.fact")


# -- files -----------------------------------------------------------------------------------


def test_a_fifo_named_like_a_rule_never_blocks(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {})
    os.mkfifo(folder / "common" / "x.yaml")
    _knowledge_error(_podnet("rules", "list", "--rules", str(folder)), "E-KB-NOT-FILE", "x.yaml", "FIFO")


def test_a_link_to_dev_zero_is_refused_unread(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {})
    (folder / "common" / "x.yaml").symlink_to("/dev/zero")
    _knowledge_error(_podnet("rules", "list", "--rules", str(folder)), "E-KB-NOT-FILE", "x.yaml", "character device")


def test_a_50_mb_because_is_refused_by_size(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {})
    path = folder / "common" / "site-rule.yaml"
    with path.open("w") as fh:
        fh.write(_rule(SOURCE).split("because:")[0] + "because:\n  zh: x\n  en: \"")
        chunk = "x" * (1 << 20)
        for _ in range(50):
            fh.write(chunk)
        fh.write("\"\n")
    _knowledge_error(_podnet("rules", "list", "--rules", str(folder)), "E-KB-SIZE", "site-rule.yaml")


def test_a_symlink_loop_in_a_rule_folder_ends(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"site-rule.yaml": _rule(SOURCE)})
    (folder / "common" / "loop").symlink_to(folder / "common")
    proc = _podnet("rules", "list", "--rules", str(folder))
    assert proc.returncode in (0, 3) and "Traceback" not in proc.stderr, proc.stderr


def test_bad_utf8_is_a_located_read_error(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"site-rule.yaml": b"id: site-rule\n\xff\xfe bad\n"})
    _knowledge_error(_podnet("rules", "list", "--rules", str(folder)), "E-KB-READ", "site-rule.yaml")


# -- templates -------------------------------------------------------------------------------


@pytest.mark.parametrize("because,code", [
    ("{% include 'x.yaml' %}", "E-TEMPLATE-FORBIDDEN"),
    ("{% import 'x' as y %}", "E-TEMPLATE-FORBIDDEN"),
    ("{% from 'x' import y %}", "E-TEMPLATE-FORBIDDEN"),
    ("{% extends 'x' %}", "E-TEMPLATE-FORBIDDEN"),
    ("{{ 1 +* 2 }}", "E-TEMPLATE"),
])
def test_templates_that_load_other_templates_are_refused_at_load(tmp_path: Path, because: str, code: str) -> None:
    folder = _folder(tmp_path, {"site-rule.yaml": _rule(SOURCE, because)})
    _knowledge_error(_podnet("rules", "list", "--rules", str(folder)), code, "rule site-rule: because.en")


@pytest.mark.parametrize("because,needle", [
    ("{{ 10 ** 5000 }}", "power"),
    ("{{ 9 ** 999999999 > 1 }}", "power"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "range"),
    ("{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}{% endfor %}{% endfor %}{% endfor %}", "loop iterations"),
    ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "recursion"),
    ("{{ 'x' * 1000000000 }}", "longer than"),
    ("{% set s = 'x' * 90000 %}{{ s ~ s }}", "longer than"),
    ("{{ '{0}'.format_map({}) }}", "format_map"),
    ("{{ '{:>999999999}'.format(1) }}", "format"),
    ("{{ 'x'.center(999999999) }}", "center"),
    ("{{ '%0999999999d' % 1 }}", "formatting"),
])
def test_a_template_past_its_limits_is_exit_3_when_rendered(tmp_path: Path, because: str, needle: str) -> None:
    folder = _folder(tmp_path, {"site-rule.yaml": _rule(SOURCE, because)})
    proc = _podnet("diagnose", str(CASE), "--rules", str(folder))
    line = _knowledge_error(proc, "E-TEMPLATE", "rule site-rule: because.en")
    assert needle in line


def test_every_bundled_template_passes_the_load_time_check() -> None:
    from podnet.knowledge.load import load_knowledge
    from podnet.knowledge.templates import check_template

    kb = load_knowledge()
    checked = 0
    for rule in kb.rules:
        for lang in ("en", "zh"):
            check_template(getattr(rule.spec.because, lang), f"{rule.path}: because.{lang}")
            checked += 1
    for cause in kb.causes.values():
        for step in [*cause.remediation, *cause.verify]:
            for source in (step.text.en, step.text.zh, step.command):
                if source:
                    check_template(source, cause.id)
                    checked += 1
    assert checked > 250
