"""Fixtures of the web tests: the app (built once per module), a live server on 127.0.0.1, the
ClusterIP case as one pasted transcript, and a truthful customer for triage."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES

RAW_CASE = EXAMPLES / "raw" / "clusterip-dual-address"
CASE_FILE = EXAMPLES / "clusterip-dual-address.json"


def clusterip_transcript() -> str:
    """What a customer pastes: the ClusterIP case's command outputs one after another, each
    starting with its prompt line (``[root@yq01-aip-aikefu12 ~]# curl ...``)."""
    return "".join(p.read_text() for p in sorted(RAW_CASE.glob("*.txt")))


@pytest.fixture(scope="module")
def app() -> Any:
    from podnet.web import create_app

    return create_app()


@pytest.fixture(scope="module")
def client(app: Any) -> Any:
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


def triage_start_facts(path: Path = CASE_FILE) -> dict[str, Any]:
    """The case's fact file with its observations taken away: where a triage starts."""
    data = json.loads(path.read_text())
    data["observations"] = []
    data.pop("unobservable", None)
    return data


class Customer:
    """Answers every question truthfully from the case's full fact file (as bench/triage_bench.py
    does): the recorded answer and what was really probed, or "unknown" when the file has no such observation."""

    def __init__(self, path: Path = CASE_FILE) -> None:
        from podnet.facts.load import load_facts
        from podnet.triage.answers import observed_probes
        from podnet.triage.questions import knowledge

        self.kinds = knowledge().observation_kinds
        self.truth = observed_probes(load_facts(str(path)), self.kinds)

    def reply(self, prompt: dict[str, Any]) -> tuple[str, str | None]:
        """The reply to any prompt the API returns: what fails (the guide's class the recorded
        observations show: the ClusterIP times out, nothing else answers either), an observation
        question from the file, "unknown" for anything else."""
        if prompt["type"] == "symptom":
            return "network_unreachable", None
        if prompt["type"] == "observation":
            kind, _, at = prompt["key"].partition("@")
            return self.answer(kind, at)
        return "unknown", None

    def answer(self, kind: str, at: str) -> tuple[str, str | None]:
        from podnet.triage.answers import probe_name

        got = self.truth.get((kind, at))
        if got is None:
            return "unknown", None
        return got[0], probe_name(self.kinds[kind], at, got[1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """``podnet serve``'s app under uvicorn in a thread, on 127.0.0.1 and a free port."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
