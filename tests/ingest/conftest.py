"""Fixtures for the raw-input tests: the namespace lab and small ingest helpers."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from podnet.inputs.ingest import IngestResult, ingest, parse_runs
from podnet.inputs.model import IngestWarning, Record

from ..labpolicy import lab_unavailable
from . import netlab

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture(scope="session")
def lab() -> Iterator[netlab.Lab]:
    """The two-namespace lab; one that cannot be built fails as root (CI) and is skipped otherwise
    (tests/labpolicy.py)."""
    try:
        built = netlab.build()
    except netlab.LabUnavailable as exc:
        lab_unavailable(f"ingest lab: {exc}")
    try:
        yield built
    finally:
        netlab.destroy(built)


def transcript(lab: netlab.Lab, ns: str, prompt: str, commands: list[tuple[list[str], tuple[str, ...]]]) -> str:
    """Run each command in the lab and write it the way a customer pastes it: prompt, command, output."""
    parts = []
    for argv, targets in commands:
        parts.append(f"{prompt}{shlex.join(argv)}\n{lab.run(ns, argv, targets=targets)}")
    return "".join(parts)


def ingest_text(tmp_path: Path, text: str, context: dict[str, Any] | None = None, name: str = "transcript.txt") -> IngestResult:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return ingest(path, context)


def observations(result: IngestResult, kind: str | None = None) -> list[dict[str, Any]]:
    """The observations as plain dicts (computed fields included), optionally of one kind."""
    out = [o.model_dump(mode="json") for o in result.facts.observations]
    return [o for o in out if kind is None or o["kind"] == kind]


NODE_A = {"kind": "node", "name": "lab-a", "node": "lab-a", "ip": netlab.A_IP, "node_ip": netlab.A_IP}


def context(dst_ip: str = netlab.B_IP, port: int | None = netlab.WEB_PORT, kind: str = "pod", **extra: Any) -> dict[str, Any]:
    dst: dict[str, Any] = {"kind": kind, "ip": dst_ip, "name": "lab-b", "node": "lab-b", **extra}
    if port:
        dst["port"] = port
    return {"case": {"id": "lab"}, "endpoints": {"source": dict(NODE_A), "destination": dst}}


def read_paste(text: str, tmp_path: Path) -> tuple[list[Record], list[IngestWarning]]:
    """The runs ingest reads from ``text`` pasted as ``paste.txt``, and its warnings."""
    paste = tmp_path / "paste.txt"
    paste.write_text(text)
    warnings: list[IngestWarning] = []
    return parse_runs(paste, warnings), warnings
