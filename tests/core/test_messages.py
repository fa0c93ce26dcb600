"""The message catalogues of ``podnet ingest`` and ``podnet collect`` (kb/messages/*.yaml): every id
the code uses exists in English and Chinese, with exactly the fields the call site passes."""

from __future__ import annotations

import ast
import json
import re
import string

import pytest
from podnet.collect.base import Unobservable
from podnet.errors import KnowledgeError
from podnet.inputs.ingest import ingest
from podnet.messages import Message, catalogue, render

from ..conftest import ROOT, run_podnet

SAMPLES = ROOT / "tests" / "ingest" / "samples"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _code_values(node: ast.expr) -> list[str] | None:
    """The message ids a call's id argument can take: a literal, or a conditional of literals."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        a, b = _code_values(node.body), _code_values(node.orelse)
        return a + b if a is not None and b is not None else None
    return None


def _passes_id_on(node: ast.expr) -> bool:
    """``code`` or ``self.code``: a wrapper handing on an id its caller gave."""
    return (isinstance(node, ast.Name) and node.id == "code") or (isinstance(node, ast.Attribute) and node.attr == "code")


def _call_sites() -> list[tuple[str, str, list[str], set[str] | None]]:
    """(where, catalogue, ids, field names passed or None when not literal) of every catalogued message."""
    sites = []
    for folder, default in (("inputs", "ingest"), ("collect", "collect")):
        for path in sorted((ROOT / "engine" / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                if name == "Message":
                    cat, code_arg = node.args[0], node.args[1]
                    if _passes_id_on(code_arg):
                        continue  # the generic wrapper (IngestWarning.of, Unobservable): its callers are checked
                    fields_arg = node.args[2] if len(node.args) > 2 else None
                    if fields_arg is None:
                        fields: set[str] | None = set()
                    elif isinstance(fields_arg, ast.Dict) and all(isinstance(k, ast.Constant) for k in fields_arg.keys):
                        fields = {k.value for k in fields_arg.keys}  # type: ignore[union-attr]
                    else:
                        fields = None
                    assert isinstance(cat, ast.Constant), where
                    codes = _code_values(code_arg)
                    assert codes is not None, f"{where}: the message id must be a literal"
                    sites.append((where, cat.value, codes, fields))
                    continue
                if name == "not_understood" and isinstance(func, ast.Attribute):
                    # ParseResult.not_understood(run, lines, code=...): one warning per stretch, with first, last and text
                    code_kw = next((k.value for k in node.keywords if k.arg == "code"), None)
                    codes = ["lines_not_understood"] if code_kw is None else _code_values(code_kw)
                    if code_kw is not None and _passes_id_on(code_kw):
                        continue  # its own default and wrappers
                    assert codes is not None, f"{where}: the message id must be a literal"
                    sites.append((where, "ingest", codes, {"first", "last", "text"}))
                    continue
                is_ingest_warning = name == "of" and getattr(getattr(func, "value", None), "id", None) == "IngestWarning"
                if (name == "warn" and isinstance(func, ast.Attribute)) or is_ingest_warning:
                    cat = "ingest"
                elif name == "Unobservable":
                    cat = "collect"
                else:
                    continue
                if len(node.args) < 2:
                    continue  # not a catalogued call (e.g. warnings.warn)
                if _passes_id_on(node.args[1]):
                    continue  # a wrapper passing its caller's id on (ParseResult.warn): the callers are checked
                codes = _code_values(node.args[1])
                assert codes is not None, f"{where}: the message id must be a literal"
                kw = {k.arg for k in node.keywords}
                sites.append((where, cat, codes, None if None in kw else kw))  # type: ignore[arg-type]
    return sites


def _fields(template: str) -> set[str]:
    return {re.split(r"[.\[]", f)[0] for _, f, _, _ in string.Formatter().parse(template) if f is not None}


SITES = _call_sites()


def test_call_sites_are_found() -> None:
    assert len({c for _, cat, codes, _ in SITES if cat == "ingest" for c in codes}) >= 70
    assert len({c for _, cat, codes, _ in SITES if cat == "collect" for c in codes}) >= 15


@pytest.mark.parametrize("where,cat,codes,passed", SITES, ids=[s[0] for s in SITES])
def test_every_message_used_exists_in_both_languages_with_the_fields_passed(where, cat, codes, passed) -> None:
    assert passed is not None, f"{where}: pass the fields by name (no **kwargs)"
    table = catalogue(cat)
    for code in codes:
        assert code in table, f"{where}: message id {code!r} is not in kb/messages/{cat}.yaml"
        for lang in ("en", "zh"):
            used = _fields(table[code][lang])
            assert used == passed, f"{where}: {code} [{lang}] uses {sorted(used)}, the call passes {sorted(passed)}"
            table[code][lang].format(**{f: "x" for f in passed})


def test_every_catalogued_message_is_used() -> None:
    for cat in ("ingest", "collect"):  # the other areas: tests/core/test_catalogue.py
        used = {c for _, k, codes, _ in SITES if k == cat for c in codes}
        assert set(catalogue(cat)) - used == set(), f"unused ids in kb/messages/{cat}.yaml"
        assert all(CJK.search(t["zh"]) for t in catalogue(cat).values())


def test_unknown_id_or_missing_field_is_a_clear_knowledge_error() -> None:
    with pytest.raises(KnowledgeError, match="unknown message id 'nope'"):
        render("ingest", "nope", "zh", {})
    with pytest.raises(KnowledgeError, match="field not given"):
        render("ingest", "no_parser", "zh", {})


def test_ingest_samples_render_in_both_languages() -> None:
    seen = 0
    context = {"endpoints": {"source": {"kind": "node", "name": "node-1"}, "destination": {"kind": "pod", "ip": "10.244.2.15"}}}
    for sample in sorted(SAMPLES.iterdir()):
        result = ingest(sample, context)
        for w in result.warnings:
            assert w.code and w.text("en") == w.message
            assert CJK.search(w.message_zh) and w.message_zh == w.text("zh"), (w.code, w.message_zh)
            seen += 1
    assert seen >= 3
    result = ingest(SAMPLES / "transcript-busybox-pod.txt")
    (w,) = result.warnings
    assert (w.code, w.message, w.message_zh) == ("unit_status_without_log", "`systemctl status` shows only the unit's state (active (running)), no log lines; not used",
                                                 "`systemctl status` 只显示了单元状态（active (running)），没有日志行；未使用")


ZH_UNIT = "`systemctl status` 只显示了单元状态（active (running)），没有日志行；未使用"


def test_ingest_and_diagnose_raw_print_chinese_warnings_with_lang_zh() -> None:
    sample = str(SAMPLES / "transcript-busybox-pod.txt")
    proc = run_podnet("ingest", sample, "--lang", "zh")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == f"podnet: warning: {sample}:33: {ZH_UNIT}"
    proc = run_podnet("diagnose", "--raw", sample, "--lang", "zh", "--format", "json")
    warnings = [w for w in json.loads(proc.stdout)["warnings"] if w["code"] == "W-INGEST"]
    assert [(w["location"], w["message"]) for w in warnings] == [(f"{sample}:33", ZH_UNIT)]
    proc = run_podnet("diagnose", "--raw", sample, "--format", "json")
    assert [w["message"] for w in json.loads(proc.stdout)["warnings"] if w["code"] == "W-INGEST"] == ["`systemctl status` shows only the unit's state (active (running)), no log lines; not used"]


def test_collect_gap_renders_its_reason_in_the_same_language() -> None:
    exc = Unobservable(("ping", "mtu_probe"), "tool_not_installed", tool="ping")
    assert exc.reason == str(exc) == "ping is not installed"
    gap = Message("collect", "could_not_observe", {"kinds": "ping, mtu_probe", "where": "current (source_pod)", "reason": exc.note})
    assert gap.text("en") == "could not observe ping, mtu_probe at current (source_pod): ping is not installed"
    assert gap.text("zh") == "无法在 current (source_pod) 观测 ping, mtu_probe：未安装 ping"
    assert len(dict.fromkeys([gap, Message("collect", "could_not_observe", dict(gap.fields))])) == 1
