"""The library as other tools import it: argument types, render at the top level, docs, errors."""

from __future__ import annotations

import json
import pydoc
import subprocess
import sys

import pytest

import podnet
from podnet import ArgumentTypeError, FactFileError, PodnetError, UsageError, diagnose, load_facts, render
from tests.conftest import EXAMPLES, ROOT

CASE = EXAMPLES / "clusterip-dual-address.json"


@pytest.fixture(scope="module")
def diagnosis():
    return diagnose(load_facts(CASE))


# --- wrong argument types -------------------------------------------------------------------

@pytest.mark.parametrize(
    "call, where",
    [
        (lambda: diagnose([1, 2]), "diagnose(facts)"),
        (lambda: diagnose(42), "diagnose(facts)"),
        (lambda: diagnose(None), "diagnose(facts)"),
        (lambda: diagnose(str(CASE), rule_dirs="rules/"), "diagnose(rule_dirs)"),
        (lambda: load_facts([1, 2]), "load_facts(source)"),
        (lambda: load_facts(b"{}"), "load_facts(source)"),
        (lambda: render({"causes": []}), "render(diagnosis)"),
    ],
)
def test_a_wrong_argument_type_is_a_type_error_with_a_code(call, where):
    with pytest.raises(TypeError) as info:
        call()
    err = info.value
    assert isinstance(err, ArgumentTypeError) and isinstance(err, UsageError) and isinstance(err, PodnetError)
    assert err.code == "E-USAGE-TYPE" and err.exit_code == 2 and err.location == where
    assert "no such file" not in str(err)
    assert "expected " in str(err) and "not " in str(err)


def test_diagnose_list_names_the_type_it_got():
    with pytest.raises(TypeError, match=r"diagnose\(facts\): expected .* not list"):
        diagnose([1, 2])


def test_paths_of_every_accepted_kind_still_work(tmp_path):
    from pathlib import Path

    data = json.loads(CASE.read_text())
    assert diagnose(Path(CASE)).top.id == diagnose(str(CASE)).top.id == diagnose(data).top.id == "node_dual_address_vxlan"
    assert diagnose(load_facts(Path(CASE)), rule_dirs=[]).top.id == "node_dual_address_vxlan"


# --- podnet.render --------------------------------------------------------------------------

def test_render_at_top_level_wraps_the_renderers(diagnosis):
    from podnet.render import render as package_render

    assert render(diagnosis, "text") == package_render(diagnosis, "text")
    assert render(diagnosis) == package_render(diagnosis, "text")
    assert render(diagnosis, "markdown") == package_render(diagnosis, "markdown")
    assert json.loads(render(diagnosis, "json")) == diagnosis.model_dump(mode="json")


def test_render_yaml_is_the_json_model(diagnosis):
    import yaml

    assert yaml.safe_load(render(diagnosis, "yaml")) == json.loads(render(diagnosis, "json"))


def test_render_checks_format_and_language(diagnosis):
    with pytest.raises(UsageError, match=r"unknown format 'jsn'; did you mean 'json'\?"):
        render(diagnosis, "jsn")
    assert render(diagnosis, "text", lang="en") == render(diagnosis, "text")
    zh = diagnose(load_facts(CASE), lang="zh")
    assert render(zh, "markdown", lang="zh").startswith("# podnet 诊断报告")
    # one run renders in either language, as a run in that language would
    assert render(diagnosis, "markdown", lang="zh") == render(zh, "markdown")
    assert render(zh, "json", lang="en") == render(diagnosis, "json")
    assert diagnosis.lang == "en" and zh.lang == "zh"  # rendering localizes a copy
    with pytest.raises(UsageError, match=r"unknown language 'fr'"):
        render(diagnosis, "text", lang="fr")
    # a diagnosis read back from its JSON carries one language only
    from podnet.diagnosis import Diagnosis

    read_back = Diagnosis.model_validate_json(render(diagnosis, "json"))
    assert render(read_back, "text", lang="en") == render(diagnosis, "text")
    with pytest.raises(UsageError, match=r"diagnosis is in 'en' only .*call diagnose\(\.\.\., lang='zh'\)"):
        render(read_back, "text", lang="zh")


def test_podnet_render_stays_the_function_after_the_subpackage_is_imported():
    code = (
        "import podnet.render.text, podnet.render.markdown, podnet.cli.diagnose_cmd\n"
        "from podnet.render import render as r\n"
        "import podnet\n"
        "assert callable(podnet.render) and podnet.render.__module__ == 'podnet', podnet.render\n"
        "assert r.__module__ == 'podnet.render'\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr


# --- help(podnet) and the models' docs ------------------------------------------------------

def test_help_podnet_is_short_and_has_no_exception_boilerplate():
    text = pydoc.render_doc(podnet, renderer=pydoc.plaintext)
    lines = text.splitlines()
    assert len(lines) < 120, len(lines)  # was 686 lines, mostly inherited Exception methods
    assert "with_traceback" not in text and "add_note" not in text
    for name in ("diagnose(", "load_facts(", "render("):
        assert name in text


def test_lazy_exports_resolve():
    for name in podnet.__all__:
        assert getattr(podnet, name) is not None, name
    assert podnet.PodnetError.__module__ == "podnet.errors"
    with pytest.raises(AttributeError):
        podnet.no_such_name  # noqa: B018


def test_version_comes_from_the_package_metadata():
    from importlib.metadata import version

    assert podnet.__version__ == version("podnet")


def _public_models():
    from pydantic import BaseModel

    import podnet.diagnosis as dm

    return [m for m in vars(dm).values() if isinstance(m, type) and issubclass(m, BaseModel) and m.__module__ == dm.__name__ and not m.__name__.startswith("_")]


def test_every_public_field_of_the_diagnosis_models_is_described():
    models = _public_models()
    assert {"Diagnosis", "RankedCause", "Step", "Evidence", "NextCheck"} <= {m.__name__ for m in models}
    missing = [f"{m.__name__}.{name}" for m in models for name, field in m.model_fields.items() if not (field.description or "").strip()]
    assert missing == []
    undocumented = [m.__name__ for m in models if not (m.__doc__ or "").strip()]
    assert undocumented == []


def test_run_at_and_run_on_are_told_apart():
    from podnet.diagnosis import Step

    run_at = Step.model_fields["run_at"].description
    run_on = Step.model_fields["run_on"].description
    assert "vantage" in run_at.lower() and "run_on" in run_at
    assert "node" in run_on.lower() and "run_at" in run_on
    assert Step.model_json_schema()["properties"]["run_at"]["description"] == run_at  # `podnet schema --diagnosis` shows it


# --- schema errors list every problem -------------------------------------------------------

BAD = {
    "case": {"id": "x", "bogus": 1},
    "endpoints": {"source": {"kind": "pod"}, "destination": {"kind": "pod"}},
    "observations": [
        {"kind": "ping", "at": "source_pod", "target": "198.18.0.1", "result": "maybe"},
        {"kind": "pingg", "at": "source_pod"},
        {"kind": "tcp_connect", "at": "nowhere", "target": "198.18.0.1", "port": 80, "result": "connected", "extra": 1},
    ],
}
BAD_PATHS = ["$.case.bogus", "$.observations[0].result", "$.observations[1].kind", "$.observations[2].at", "$.observations[2].extra"]


def test_a_schema_error_carries_every_problem():
    with pytest.raises(FactFileError) as info:
        load_facts(BAD)
    err = info.value
    assert err.location == "<facts>: $.case.bogus" and err.message.startswith("unknown field (and 4 more: ")
    assert [d.split(": ")[1] for d in err.details] == BAD_PATHS
    line = err.one_line()
    assert "\n" not in line
    for path in BAD_PATHS[1:4]:  # the next three are named in the line itself
        assert path in line
    assert "1 not shown, --debug lists all" in line


def test_one_problem_names_it_without_a_tail():
    data = json.loads(CASE.read_text())
    data["observations"][0]["result"] = "timed-out"
    with pytest.raises(FactFileError) as info:
        load_facts(data)
    assert "more" not in info.value.message and info.value.location == "<facts>: $.observations[0].result"


def test_two_problems_name_the_second():
    data = json.loads(CASE.read_text())
    data["observations"][0]["result"] = "timed-out"
    data["observations"][2]["colour"] = "red"
    with pytest.raises(FactFileError) as info:
        load_facts(data)
    assert info.value.message.endswith("(and 1 more: $.observations[2].colour: unknown field)")
