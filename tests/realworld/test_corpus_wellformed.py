"""Structural checks of the real-world corpus (tests/realworld): every file has its keys, a source URL,
a cause from causes.md and a split made by the pre-registered rule. No podnet code is run here."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
INCIDENTS = sorted((HERE / "incidents").glob("*.yaml"))
PASTE_META = sorted((HERE / "pastes").glob("*.yaml"))
CAPTURED_META = sorted((HERE / "captured").glob("*.yaml"))
URL = re.compile(r"^https?://[^\s/]+/\S+$")


def cause_ids() -> set[str]:
    """Ids listed in the first column of causes.md's table."""
    text = (HERE / "causes.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z0-9_]+)` \|", text, flags=re.MULTILINE))


def rule_split(slug: str) -> str:
    """The split rule fixed before any podnet run (README): sha256 of the slug, first 8 hex digits, mod 5 < 2."""
    return "holdout" if int(hashlib.sha256(slug.encode()).hexdigest()[:8], 16) % 5 < 2 else "tune"


def load(path: Path) -> dict:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), f"{path.name}: not a mapping"
    return doc


def check_source(doc: dict, name: str) -> None:
    src = doc.get("source")
    assert isinstance(src, dict), f"{name}: no source mapping"
    assert URL.match(str(src.get("url", ""))), f"{name}: source.url is not a URL"
    for key in ("repository", "title"):
        assert isinstance(src.get(key), str) and src[key].strip(), f"{name}: source.{key} missing"


def test_corpus_sizes() -> None:
    assert len(INCIDENTS) >= 25
    assert len(PASTE_META) >= 30


def test_cause_list_is_non_empty() -> None:
    assert len(cause_ids()) >= 10


@pytest.mark.parametrize("path", INCIDENTS, ids=lambda p: p.stem)
def test_incident_wellformed(path: Path) -> None:
    doc = load(path)
    check_source(doc, path.name)
    assert doc.get("id") == path.stem, f"{path.name}: id does not match the file name"
    reported = doc.get("reported")
    assert isinstance(reported, list) and reported, f"{path.name}: reported must be a non-empty list"
    assert all(isinstance(s, str) and s.strip() for s in reported), f"{path.name}: empty reported statement"
    assert doc.get("confirmed_cause") in cause_ids(), f"{path.name}: cause not in causes.md"
    for key in ("evidence", "fix"):
        assert isinstance(doc.get(key), str) and doc[key].strip(), f"{path.name}: {key} missing"
    assert isinstance(doc.get("fix_confirmed"), bool), f"{path.name}: fix_confirmed must be true/false"
    slug = path.stem.split("-", 1)[1]
    assert doc.get("split") == rule_split(slug), f"{path.name}: split does not follow the README rule"


@pytest.mark.parametrize("path", PASTE_META, ids=lambda p: p.stem)
def test_paste_wellformed(path: Path) -> None:
    doc = load(path)
    check_source(doc, path.name)
    paste = path.with_suffix(".txt")
    assert doc.get("paste") == paste.name, f"{path.name}: paste field must name {paste.name}"
    assert paste.is_file() and paste.read_text(encoding="utf-8").strip(), f"{paste.name}: missing or empty"
    command = doc.get("command")
    assert command is None or isinstance(command, str) or (
        isinstance(command, list) and command and all(isinstance(c, str) for c in command)
    ), f"{path.name}: command must be a string, a list of strings or null"
    expected = doc.get("expected")
    assert isinstance(expected, dict) and expected.get("kind"), f"{path.name}: expected needs a kind"
    assert isinstance(doc.get("truncated"), bool), f"{path.name}: truncated must be true/false"
    assert doc.get("split") == rule_split(path.stem), f"{path.name}: split does not follow the README rule"


def test_every_paste_text_has_metadata() -> None:
    texts = {p.stem for p in (HERE / "pastes").glob("*.txt")}
    assert texts == {p.stem for p in PASTE_META}


@pytest.mark.parametrize("path", CAPTURED_META, ids=lambda p: p.stem)
def test_captured_wellformed(path: Path) -> None:
    doc = load(path)
    transcript = HERE / "captured" / str(doc.get("transcript", ""))
    assert transcript.is_file() and transcript.stat().st_size > 0, f"{path.name}: transcript missing or empty"
    assert isinstance(doc.get("command"), str) and doc["command"].strip(), f"{path.name}: command missing"
    expected = doc.get("expected")
    assert isinstance(expected, dict) and expected.get("kind"), f"{path.name}: expected needs a kind"
    assert doc.get("split") == rule_split(path.stem), f"{path.name}: split does not follow the README rule"
