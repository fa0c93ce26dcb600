"""Start-up: each command imports only what it needs (issue 16). Which modules a run loads, not how
long it takes (no timed assertions: the figures are in bench/bench_diagnose.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import EXAMPLES, ROOT

PLAIN = EXAMPLES / "dns-coredns-crashloop.json"
"""No captures, no firewall ruleset."""
CAPTURES = EXAMPLES / "clusterip-dual-address.json"

_PROBE = """
import io, contextlib, json, sys
from podnet.cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules(*args: str, cache: str | None = None) -> set[str]:
    env = dict(os.environ)
    if cache:
        env["PODNET_CACHE_DIR"] = cache
    r = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout.splitlines()[-1])
    return set(data["modules"])


def _loaded(modules: set[str], package: str) -> bool:
    return package in modules or any(m.startswith(package + ".") for m in modules)


def test_help_loads_no_engine_and_no_triage():
    modules = _modules("--help")
    for package in ("pydantic", "experta", "networkx", "jinja2", "yaml", "rich", "podnet.triage.session", "podnet.facts", "podnet.knowledge"):
        assert not _loaded(modules, package), package


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
    cache = str(tmp_path_factory.mktemp("cache"))
    _modules("diagnose", str(CAPTURES), cache=cache)  # fills the knowledge and path-profile caches
    return cache


def test_a_case_without_captures_or_ruleset_loads_no_graph_tracer_yaml_or_rich(warm_cache):
    modules = _modules("diagnose", str(PLAIN), cache=warm_cache)
    assert _loaded(modules, "experta") and _loaded(modules, "pydantic")
    for package in ("networkx", "podnet.path", "podnet.netfilter", "yaml", "rich", "podnet.triage"):
        assert not _loaded(modules, package), package


def test_a_case_with_captures_reads_no_yaml_once_cached(warm_cache):
    modules = _modules("diagnose", str(CAPTURES), "-o", "json", cache=warm_cache)
    assert _loaded(modules, "podnet.path")  # the packet path is drawn...
    assert not _loaded(modules, "networkx")  # ...walking its chain in plain Python
    assert not _loaded(modules, "yaml")  # knowledge and path profiles come from the cache


def test_batch_off_a_terminal_loads_no_rich(warm_cache):
    modules = _modules("batch", str(PLAIN), "-q", cache=warm_cache)
    assert not _loaded(modules, "rich") and not _loaded(modules, "networkx")
