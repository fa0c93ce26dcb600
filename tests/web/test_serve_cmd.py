"""``podnet serve`` as a command: located errors before anything starts, and a real server on
127.0.0.1 that asks for its token."""

from __future__ import annotations

import fnmatch
import os
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_podnet
from tests.web.conftest import free_port


def test_a_missing_token_file_is_a_usage_error(tmp_path):
    r = run_podnet("serve", "--port", "0", "--token-file", str(tmp_path / "nope"))
    assert r.returncode == 2 and r.stderr.startswith("podnet: E-USAGE-TOKEN --token-file") and "no such file" in r.stderr


def test_a_short_token_is_refused(tmp_path):
    f = tmp_path / "token"
    f.write_text("abc\n")
    r = run_podnet("serve", "--port", "0", "--token-file", str(f))
    assert r.returncode == 2 and "E-USAGE-TOKEN" in r.stderr and "at least 8" in r.stderr


def test_a_bad_port_is_a_usage_error():
    r = run_podnet("serve", "--port", "70000")
    assert r.returncode == 2 and "E-USAGE" in r.stderr and "70000" in r.stderr


def test_a_taken_port_is_a_located_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run_podnet("serve", "--port", str(port))
    assert r.returncode == 2 and f"E-USAGE-BIND --host 127.0.0.1 --port {port}" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_bad_limit_variable_fails_at_start(monkeypatch):
    monkeypatch.setenv("PODNET_MAX_RAW_BYTES", "lots")
    r = run_podnet("serve", "--port", "0")
    assert r.returncode == 2 and "E-USAGE-LIMIT" in r.stderr


def test_the_server_listens_on_loopback_and_asks_for_its_token(tmp_path):
    import httpx2 as httpx

    token = tmp_path / "token"
    token.write_text("s3cret-token-for-tests\n")
    token.chmod(0o600)
    port = free_port()
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.Popen([sys.executable, "-m", "podnet", "serve", "--port", str(port), "--token-file", str(token)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        first = proc.stderr.readline() if proc.stderr else ""
        assert first.startswith(f"podnet serve: http://127.0.0.1:{port}/") and "token required" in first
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{url}/healthz", timeout=5)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.1)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert httpx.get(f"{url}/v1/causes").status_code == 401
        ok = httpx.get(f"{url}/v1/causes", headers={"authorization": "Bearer s3cret-token-for-tests"})
        assert ok.status_code == 200 and len(ok.json()) >= 24
        assert httpx.get(f"{url}/healthz", headers={"host": "attacker.example"}).status_code == 400
        listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
        local = [line.split()[1] for line in listening if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == port]
        assert local == ["0100007F:" + f"{port:04X}"]  # 127.0.0.1 only
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_templates_and_static_files_are_package_data():
    """Every file the web package reads at run time is installed (pyproject package-data)."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["podnet.web"]
    web = ROOT / "engine" / "web"
    files = [p.relative_to(web).as_posix() for d in ("templates", "static") for p in (web / d).iterdir() if p.is_file()]
    assert files and all(any(fnmatch.fnmatch(f, pattern) for pattern in data) for f in files)
    assert {"static/htmx.min.js", "static/htmx.LICENSE", "static/podnet.js", "templates/page.html"} <= set(files)


@pytest.mark.parametrize("name", ["podnet.css", "podnet.js", "favicon.svg"])
def test_static_files_are_plain_text(name):
    text = (ROOT / "engine" / "web" / "static" / name).read_text().replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in text and "https://" not in text  # nothing loaded from another site


def test_the_server_code_runs_no_command_and_probes_nothing():
    """podnet.web only reads what it is sent: no subprocess, no collector, no resolver, no netlink."""
    import ast

    forbidden = {"subprocess", "os.system", "pty", "podnet.collect", "pyroute2", "dns.resolver", "icmplib", "socket"}
    for path in (ROOT / "engine" / "web").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = ("podnet." + (node.module or "").removeprefix("podnet.")) if node.level else (node.module or "")
                if node.level >= 2 and node.module:
                    base = "podnet." + node.module
                names = [base]
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os":
                names = [f"os.{node.attr}"]
            bad = [n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden)]
            assert not bad, f"{path.name}: {bad}"
