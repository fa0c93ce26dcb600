"""The text catalogue (kb/messages/*.yaml, read only by podnet.messages): every message id the code
uses exists in English and Chinese with the fields the call passes, every entry is used, the loader
refuses an entry whose languages use different fields, and no ``lang ==`` branch chooses a text
outside the views. (The ingest and collect areas' call sites: tests/core/test_messages.py.)"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from podnet.errors import KnowledgeError
from podnet.messages import CATALOGUES, catalogue, template_fields

from ..conftest import ROOT

ENGINE = ROOT / "engine"

AREA_FILES: dict[str, list[Path]] = {
    "report": [*(ENGINE / "render").rglob("*.py"), *(ENGINE / "web").rglob("*.py"), *(ENGINE / "cli").rglob("*.py"), ENGINE / "knowledge" / "templates.py", ENGINE / "messages.py"],
    "reasoning": [*(ENGINE / "reasoning").rglob("*.py")],
    "path": [*(ENGINE / "path").rglob("*.py"), ENGINE / "web" / "svg.py", ENGINE / "cli" / "capture_plan_cmd.py"],
    "triage": [*(ENGINE / "triage").rglob("*.py"), ENGINE / "cli" / "triage_cmd.py", *(ENGINE / "web").rglob("*.py")],
    "web": [*(ENGINE / "web").rglob("*.py")],
    "cli": [*(ENGINE / "cli").rglob("*.py"), ENGINE / "knowledge" / "catalogue.py", *(ENGINE / "batch").rglob("*.py")],
}
"""Where each area's ids are used (the ingest and collect areas are checked by test_messages)."""

TEMPLATE_NAMES = {"triage": "M", "report": "L", "web": "T"}
"""The names the web templates give an area's table (``{{ M.question }}``)."""


def _const(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _prefix(node: ast.AST | None) -> str | None:
    """The literal start of a composed id (``f"role_{role}"``, ``"note_" + n`` -> ``role_``, ``note_``)."""
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _const(node.left)
    return None


def _fields_passed(call: ast.Call, dict_arg: ast.AST | None) -> set[str] | None:
    """The field names a call passes (keywords, or a literal dict); None when not literal (``**x``)."""
    if dict_arg is not None:
        if isinstance(dict_arg, ast.Dict) and all(_const(k) is not None for k in dict_arg.keys):
            return {_const(k) for k in dict_arg.keys}  # type: ignore[misc]
        return None
    names = {k.arg for k in call.keywords}
    return None if None in names else names  # type: ignore[return-value]


def _sites() -> list[tuple[str, str, str, bool, set[str] | None]]:
    """(where, area, id or id prefix, is_prefix, fields passed or None) of every catalogued call."""
    out = []
    for area, files in AREA_FILES.items():
        for path in sorted(set(files)):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr if isinstance(node.func, ast.Attribute) else ""
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                if name in ("render", "localized") and len(node.args) >= 2 and _const(node.args[0]) == area:
                    code_node = node.args[1]
                    passed = _fields_passed(node, node.args[3] if name == "render" and len(node.args) > 3 else None)
                elif name == "text" and area == "path" and node.args and (_const(node.args[0]) or _prefix(node.args[0])):
                    code_node, passed = node.args[0], _fields_passed(node, None)
                else:
                    continue
                code = _const(code_node)
                out.append((where, area, code if code is not None else _prefix(code_node) or "", code is None, passed))
    return out


SITES = _sites()


def _used_ids(area: str) -> set[str]:
    """Ids of ``area`` the code names: string literals in its files, f-string and startswith
    prefixes, and ``{{ M.id }}`` in the web templates."""
    words: set[str] = set()
    prefixes: set[str] = set()
    for path in set(AREA_FILES[area]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (c := _const(node)) is not None:
                words.add(c)
            if (p := _prefix(node)) is not None:
                prefixes.add(p)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "startswith" and node.args:
                prefixes.add(_const(node.args[0]) or "")
            if isinstance(node, ast.Tuple) and len(node.elts) >= 2 and _const(node.elts[0]) == area and (p := _const(node.elts[1])):
                prefixes.add(p)  # ("reasoning", "hop_", ids): an id prefix of this area (reasoning/explain.py ROLE_WORDS)
    letter = TEMPLATE_NAMES.get(area)
    if letter:
        for page in (ENGINE / "web" / "templates").glob("*.html"):
            source = page.read_text(encoding="utf-8")
            words |= set(re.findall(rf"\b{letter}\.([a-z_]+)", source)) | set(re.findall(rf"\b{letter}\['([a-z_]+)'\]", source))
            prefixes |= set(re.findall(rf"\b{letter}\['([a-z_]+)' ~", source))  # T['probe_' ~ probe]
    return {code for code in catalogue(area) if code in words or any(p and code.startswith(p) for p in prefixes)}


def test_call_sites_are_found() -> None:
    areas = {area for _, area, _, _, _ in SITES}
    assert areas == {"reasoning", "path", "cli", "report"}, areas
    assert len(SITES) >= 40


@pytest.mark.parametrize("where,area,code,is_prefix,passed", SITES, ids=[s[0] for s in SITES])
def test_every_message_used_exists_in_both_languages_with_the_fields_passed(where, area, code, is_prefix, passed) -> None:
    table = catalogue(area)
    codes = [c for c in table if c.startswith(code)] if is_prefix else [code]
    assert codes and all(c in table for c in codes), f"{where}: {code!r} is not in kb/messages/{area}.yaml"
    if passed is None:
        return  # fields passed on from a dict: checked where they are made
    for c in codes:
        for lang in ("en", "zh"):
            assert template_fields(table[c][lang]) <= passed, f"{where}: {c} [{lang}] needs {sorted(template_fields(table[c][lang]))}, gets {sorted(passed)}"


def test_views_look_up_only_catalogued_labels() -> None:
    """``L["id"]`` (report labels) and ``M["id"]`` (triage words) name entries that exist."""
    pattern = re.compile(r"""\b(L|M|self\.M|MESSAGES\[[^\]]+\])\[["']([a-z_]+)["']\]""")
    seen = 0
    for area, letters in (("report", {"L"}), ("triage", {"M", "self.M"})):
        for path in sorted(set(AREA_FILES[area])):
            source = path.read_text(encoding="utf-8")
            if area == "report" and "from .labels import LABELS" not in source:
                continue  # L is another table there (render/compact_labels.py, command_notes.py: not yet in the catalogue)
            for m in pattern.finditer(path.read_text(encoding="utf-8")):
                if m.group(1) in letters or (area == "triage" and m.group(1).startswith("MESSAGES")):
                    assert m.group(2) in catalogue(area), f"{path.relative_to(ROOT)}: {m.group(0)} is not in kb/messages/{area}.yaml"
                    seen += 1
    assert seen >= 60


@pytest.mark.parametrize("area", sorted(AREA_FILES))
def test_every_catalogued_message_is_used(area: str) -> None:
    unused = set(catalogue(area)) - _used_ids(area)
    assert not unused, f"ids in kb/messages/{area}.yaml no code uses: {sorted(unused)}"


def test_every_area_has_both_languages_and_chinese_text() -> None:
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for area in CATALOGUES:
        table = catalogue(area)
        assert table, area
        for code, texts in table.items():
            assert set(texts) == {"en", "zh"}, (area, code)
            assert template_fields(texts["en"]) == template_fields(texts["zh"]), (area, code)
        assert sum(bool(cjk.search(t["zh"])) for t in table.values()) >= len(table) * 0.6, area


def test_loader_refuses_languages_with_different_fields(tmp_path, monkeypatch) -> None:
    import podnet.messages as messages

    folder = tmp_path / "messages"
    folder.mkdir()
    (folder / "report.yaml").write_text('case:\n  en: "Case {id}"\n  zh: "案例"\n', encoding="utf-8")
    monkeypatch.setattr(messages, "_root", lambda: folder)
    with pytest.raises(KnowledgeError) as err:
        messages._parse("report")
    assert err.value.code == "E-KB-SCHEMA"
    assert "kb/messages/report.yaml: case" in err.value.one_line() and "different fields" in err.value.one_line()
    (folder / "report.yaml").write_text('case:\n  en: "Case"\n', encoding="utf-8")
    with pytest.raises(KnowledgeError, match="needs exactly the texts en, zh"):
        messages._parse("report")


LANG_BRANCH = re.compile(r"""\blang\s*(==|!=)\s*["']|\bif\s+lang\s*(==|!=)|["']\s*(==|!=)\s*lang\b""")
"""A text chosen by comparing the language: ``"..." if lang == "en" else "..."``."""

VIEWS = ("engine/render/", "engine/web/", "engine/messages.py")
"""Views choose the language; the catalogue's loader renders it."""


def test_no_language_branch_outside_the_views() -> None:
    found = []
    for path in sorted(ENGINE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(VIEWS):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if LANG_BRANCH.search(line):
                found.append(f"{rel}:{n}: {line.strip()}")
    assert not found, "texts chosen by language outside the views:\n" + "\n".join(found)


def test_language_branch_pattern_finds_the_old_forms() -> None:
    for line in ('x = "a" if lang == "en" else "b"', "if lang == other:", "    if lang != 'zh':", 'y = "zh" != lang'):
        assert LANG_BRANCH.search(line), line
    for line in ("if lang not in MESSAGES:", "if lang:  # given", "def text(self, lang):", "slang == 1"):
        assert not LANG_BRANCH.search(line), line


def test_rules_check_reports_a_broken_catalogue_entry_located(tmp_path, monkeypatch) -> None:
    import shutil

    import podnet.messages as messages
    from podnet.knowledge.checks import check_knowledge

    folder = tmp_path / "messages"
    shutil.copytree(ROOT / "kb" / "messages", folder)
    text = (folder / "reasoning.yaml").read_text(encoding="utf-8")
    (folder / "reasoning.yaml").write_text(text.replace("用于判断属于哪一类网络异常", "用于判断属于哪一类网络异常 {x}"), encoding="utf-8")
    monkeypatch.setattr(messages, "_root", lambda: folder)
    problems = check_knowledge().problems
    assert [p for p in problems if "kb/messages" in p] == [
        "E-KB-SCHEMA kb/messages/reasoning.yaml: check_symptom_class: the languages use different fields (en: none; zh: x)"
    ]


# --- no user-facing sentence in Python -------------------------------------------------------------

SPEAKING = ("engine/cli/", "engine/batch/", "engine/triage/", "engine/reasoning/", "engine/path/", "engine/collect/", "engine/__init__.py", "engine/neutral.py", "engine/diagnosis.py")
"""The parts whose output people read besides the views (engine/render/, engine/web/): what they
print or put in a diagnosis must come from the catalogue. The parts left out make data, not words
for people: the fact model and its loading (field descriptions are the JSON schema's reference
documentation), inputs/ and netfilter/ (the literals there are other tools' output they parse), and
knowledge/ (the loader's located errors and the knowledge authors' checks)."""

DOC_KEYWORDS = {"help", "description", "epilog", "metavar", "what", "usage"}
"""Keyword arguments that document the command line or the model (argparse help, pydantic Field):
reference text in English, like ``kubectl --help``; --lang chooses the language of results, and the
help is printed before any option is read."""

NOT_WORDS_CALLS = {
    # located errors (E-* codes, one line, English: stable for scripts and for searching a support base)
    "error", "exit", "fail", "_missing", "_wrong_type", "ArgumentTypeError", "Forbidden", "LimitExceeded",
    "NotAskable", "NotPlain", "Problem", "need", "node_or_fill",
    # patterns of other tools' output, and commands podnet runs or prints
    "compile", "search", "match", "fullmatch", "sub", "split", "findall", "finditer", "render_command", "obs", "emit",
    # the command line's reference documentation
    "Field", "add_argument", "add_parser", "add_subparsers", "_Parser", "ArgumentParser", "add_output", "add_out",
}

SENTENCE_ALLOWED: dict[str, str] = {
    "podnet collect from {} towards {}": "the collected case's summary: data in the fact file, like a summary a user writes",
    "TCP connect {}:{} (timeout {} s)": "what a probe ran (an observation's provenance note: a command)",
    "the worker process diagnosing this case's chunk died (killed or out of memory)": "a located error in a batch record (E-BATCH-WORKER)",
    "the Ray task diagnosing this case's chunk failed: {}: {}": "a located error in a batch record",
    "; did you mean {}?": "part of a located usage error",
    " (see 'podnet rules list')": "part of a located usage error",
    "{}invalid choice: {}{} (choose from {})": "argparse's usage error, reworded",
    "podnet: E-INTERNAL: {}: {} (run with --debug for details)": "the internal error line",
    ", examples not checked (no examples/ folder; pass --examples DIR)": "podnet rules check: the knowledge authors' tool (English, like its problems)",
    "is not set": "part of a located usage error (JOB_COMPLETION_INDEX ...)",
    "is {}, not a number": "part of a located usage error",
    "not a namespace file": "part of a located usage error",
    "Operation not permitted": "ping's own output, matched",
    "#   kubectl get pods -A -o wide{}": "a commented command in a capture plan",
    'VETH=$(ip -o link | awk -F\': \' -v idx="$(nsenter -t "$PID" -n cat /sys/class/net/eth0/iflink)" \'$1 == idx {sub(/@.*/, "", $2); print $2}\')': "a command",
    'nsenter -t "$PID" -n tcpdump -nn -i {}{}': "a command",
    'tcpdump -nn -i "$VETH"{}': "a command",
}
"""Literal sentences in :data:`SPEAKING` that are not words for people in a report, each with why.
A new sentence goes to kb/messages (both languages), or here with its reason."""


def _literal_sentences(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each string literal (f-strings with their fields as ``{}``) of three words or
    more that is not a docstring nor given to a call of :data:`NOT_WORDS_CALLS` or a keyword of
    :data:`DOC_KEYWORDS`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parent: dict[int, ast.AST] = {}
    docs: set[int] = set()
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parent[id(child)] = node
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            docs.add(id(node.value))  # docstrings, and the attribute docstrings after an assignment
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs and not isinstance(parent.get(id(node)), ast.JoinedStr):
            text = node.value
        else:
            continue
        if len(re.findall(r"[A-Za-z]{2,}", text)) < 3 or " " not in text.strip() or text.startswith(("kb/", "rules/")):
            continue  # a word or two, or where in the knowledge a text comes from
        up, exempt = node, False
        while (up := parent.get(id(up))) is not None and not isinstance(up, ast.stmt):
            if isinstance(up, ast.keyword) and up.arg in DOC_KEYWORDS:
                exempt = True
            if isinstance(up, ast.Call):
                name = up.func.id if isinstance(up.func, ast.Name) else up.func.attr if isinstance(up.func, ast.Attribute) else ""
                if name in NOT_WORDS_CALLS or name.endswith(("Error", "Exception")):
                    exempt = True
        if isinstance(up, ast.Raise):
            exempt = True
        if not exempt:
            out.append((node.lineno, text))
    return sorted(out)


def test_no_user_facing_sentence_outside_the_catalogue() -> None:
    found = []
    for path in sorted(ENGINE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(SPEAKING):
            found += [f"{rel}:{line}: {text!r}" for line, text in _literal_sentences(path) if text not in SENTENCE_ALLOWED]
    assert not found, "sentences for people in Python (move them to kb/messages, en and zh):\n" + "\n".join(found)


def test_sentence_finder_finds_a_new_one(tmp_path) -> None:
    """The finder is not blind: a printed sentence, a warning put in a diagnosis and a sentence
    assigned first are found; errors, help, docstrings and patterns are not."""
    source = tmp_path / "speaking.py"
    source.write_text(
        '"""A module docstring with many words."""\n'
        'import argparse, re, sys\n'
        'def f(p, d, n):\n'
        '    """A function docstring with words."""\n'
        '    print(f"checked {n} cases and found nothing")\n'
        '    d.warnings.append(Warning(message="the input looks cut off"))\n'
        '    note = "this one is assigned first"\n'
        '    p.add_argument("--x", help="the help of an option")\n'
        '    raise UsageError(f"must be between 0 and {n} seconds", location="--x")\n'
        'PATTERN = re.compile(r"^Kernel IP routing table")\n',
        encoding="utf-8",
    )
    assert [t for _, t in _literal_sentences(source)] == ["checked {} cases and found nothing", "the input looks cut off", "this one is assigned first"]


def test_every_allowed_sentence_is_still_there() -> None:
    seen = {text for path in ENGINE.rglob("*.py") if path.relative_to(ROOT).as_posix().startswith(SPEAKING) for _, text in _literal_sentences(path)}
    assert not set(SENTENCE_ALLOWED) - seen, f"allowed but gone (remove from SENTENCE_ALLOWED): {sorted(set(SENTENCE_ALLOWED) - seen)}"
