"""Issue 18 part 4: the knowledge cache cannot run code, and a bad one is rebuilt.

The cache is JSON of plain data, validated again when read, and read only from a file and folder
owned by the current user that no one else may write. Each test gives podnet a cache folder of its
own (``PODNET_CACHE_DIR``) and runs the real command.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import EXAMPLES, ROOT
from ..labpolicy import require_root

CASE = EXAMPLES / "dns-coredns-crashloop.json"


@pytest.fixture(autouse=True)
def _own_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A temporary directory of the test's own, where the cache falls back to."""
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))


def _diagnose(cache: Path, *extra_env: tuple[str, str]) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PODNET_CACHE_DIR=str(cache), PYTHONDONTWRITEBYTECODE="1")
    env.pop("PODNET_NO_CACHE", None)
    env.pop("PODNET_DEBUG", None)
    env.update(dict(extra_env))
    return subprocess.run([sys.executable, "-m", "podnet", "diagnose", str(CASE)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def _cache_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("knowledge-*"))


@pytest.fixture
def warm_cache(tmp_path: Path) -> tuple[Path, Path, str]:
    """A cache folder filled by a first run: (folder, the cache file, the report printed)."""
    cache = tmp_path / "cache"
    first = _diagnose(cache)
    assert first.returncode in (0, 1), first.stderr
    files = _cache_files(cache)
    assert len(files) == 1 and files[0].suffix == ".json", files
    return cache, files[0], first.stdout


class _Payload:
    """Unpickling this runs ``touch MARKER``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.marker}",))


def _tamper_titles(path: Path, title: str) -> None:
    data = json.loads(path.read_text())
    for cause in data["causes"]:
        cause["title"]["en"] = title
    path.write_text(json.dumps(data))
    os.chmod(path, 0o600)


def test_the_cache_is_plain_json_and_really_used(warm_cache: tuple[Path, Path, str]) -> None:
    cache, path, report = warm_cache
    assert path.read_bytes()[:1] == b"{"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    _tamper_titles(path, "TITLE-FROM-THE-CACHE")  # proves the next run reads the file (the other tests rely on it)
    again = _diagnose(cache)
    assert "TITLE-FROM-THE-CACHE" in again.stdout


def test_a_pickle_payload_in_the_cache_never_executes(warm_cache: tuple[Path, Path, str], tmp_path: Path) -> None:
    cache, path, report = warm_cache
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Payload(marker))
    path.write_bytes(payload)  # the current key's file
    (cache / (path.stem + ".pickle")).write_bytes(payload)  # and the old format's name beside it
    proc = _diagnose(cache)
    assert not marker.exists(), "the cache payload ran"
    assert proc.stdout == report and "Traceback" not in proc.stderr
    assert json.loads(path.read_text())["format"] >= 1  # rebuilt in place
    assert [p.suffix for p in _cache_files(cache)] == [".json"]  # the stale pickle is gone


@pytest.mark.parametrize("content", [b"", b"{", b"\xff\xfe\x00", b"[]", b'{"format": 1, "rules": "x"}', b"null",
                                     b'{"format": 1}', b"9" * 5000])
def test_a_corrupt_cache_file_is_ignored_and_rebuilt(warm_cache: tuple[Path, Path, str], content: bytes) -> None:
    cache, path, report = warm_cache
    path.write_bytes(content)
    proc = _diagnose(cache, ("PODNET_DEBUG", "1"))
    assert proc.stdout == report
    assert any(line.startswith("podnet: debug: knowledge cache: ignoring") for line in proc.stderr.splitlines()), proc.stderr
    assert "Traceback" not in proc.stderr
    assert json.loads(path.read_text())["format"] >= 1


@pytest.mark.parametrize("how", ["group-writable", "world-writable", "other-owner", "symlink"])
def test_a_cache_file_someone_else_could_write_is_not_read(warm_cache: tuple[Path, Path, str], how: str, tmp_path: Path) -> None:
    cache, path, report = warm_cache
    _tamper_titles(path, "TAMPERED")
    if how == "group-writable":
        os.chmod(path, 0o620)
    elif how == "world-writable":
        os.chmod(path, 0o602)
    elif how == "other-owner":
        require_root("to give the file to another user")
        os.chown(path, 65534, 65534)
    else:
        target = tmp_path / "elsewhere.json"
        path.rename(target)
        path.symlink_to(target)
    proc = _diagnose(cache)
    assert "TAMPERED" not in proc.stdout
    assert proc.stdout == report


def test_a_shared_cache_folder_is_not_used(warm_cache: tuple[Path, Path, str]) -> None:
    cache, path, report = warm_cache
    _tamper_titles(path, "TAMPERED")
    os.chmod(cache, 0o777)
    proc = _diagnose(cache, ("PODNET_DEBUG", "1"))
    assert "TAMPERED" not in proc.stdout and proc.stdout == report
    assert "writable by group or others" in proc.stderr


def test_an_unusable_cache_folder_falls_back_to_a_private_temporary_one(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cache = blocker / "cache"  # cannot be created: its parent is a file
    quiet = _diagnose(cache)
    assert quiet.returncode in (0, 1) and quiet.stderr == ""
    fallback = tmp_path / "tmpdir" / f"podnet-cache-{os.geteuid()}"
    assert oct(fallback.stat().st_mode & 0o777) == "0o700"
    [entry] = _cache_files(fallback)
    _tamper_titles(entry, "FROM-THE-TEMPORARY-CACHE")  # the next run reads it
    loud = _diagnose(cache, ("PODNET_DEBUG", "1"))
    assert "FROM-THE-TEMPORARY-CACHE" in loud.stdout
    hints = [line for line in loud.stderr.splitlines() if line.startswith("podnet: debug: knowledge cache:")]
    assert len(hints) == 1 and "cannot create" in hints[0] and f"using {fallback} instead" in hints[0], loud.stderr
    debug_flag = subprocess.run([sys.executable, "-m", "podnet", "--debug", "diagnose", str(CASE)], capture_output=True, text=True,
                                cwd=ROOT, env=dict(os.environ, PODNET_CACHE_DIR=str(cache)), timeout=120)
    assert f"using {fallback} instead" in debug_flag.stderr  # --debug says it too


def test_a_temporary_folder_someone_else_owns_is_not_used(tmp_path: Path) -> None:
    require_root("to give the folder to another user")
    fallback = tmp_path / "tmpdir" / f"podnet-cache-{os.geteuid()}"
    fallback.mkdir(mode=0o700)
    os.chown(fallback, 65534, 65534)  # planted by another user
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    loud = _diagnose(blocker / "cache", ("PODNET_DEBUG", "1"))
    assert loud.returncode in (0, 1)
    assert "owned by uid 65534" in loud.stderr and _cache_files(fallback) == []


def test_entries_for_two_rule_sets_live_side_by_side(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    rules = tmp_path / "site-rules" / "common"
    rules.mkdir(parents=True)
    extra = ("--rules", str(tmp_path / "site-rules"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, PODNET_CACHE_DIR=str(cache))
        return subprocess.run([sys.executable, "-m", "podnet", "diagnose", str(CASE), *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)

    run()
    run(*extra)
    entries = _cache_files(cache)
    assert len(entries) == 2
    for entry in entries:
        _tamper_titles(entry, "STILL-CACHED")
    assert "STILL-CACHED" in run().stdout and "STILL-CACHED" in run(*extra).stdout  # neither evicted the other


def test_the_least_recently_used_entries_go_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from podnet.knowledge import cache
    from podnet.knowledge.load import load_knowledge

    load_knowledge()  # the modules of the key imported
    monkeypatch.setenv("PODNET_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setattr(cache, "MAX_ENTRIES", 2)
    monkeypatch.setattr(cache, "_USABLE", {})
    roots = []
    for i in range(3):
        root = tmp_path / f"r{i}"
        root.mkdir()
        (root / "x.yaml").write_text(f"n: {i}\n")
        roots.append(root)
    built: list[int] = []

    def get(i: int) -> object:
        def build() -> dict[str, int]:
            built.append(i)
            return {"n": i}
        return cache.cached_plain("test", [roots[i]], build, lambda v: v, lambda d: d)

    assert [get(0), get(1), get(0)] == [{"n": 0}, {"n": 1}, {"n": 0}] and built == [0, 1]  # the third was a hit
    os.utime(next(p for p in (tmp_path / "c").glob("test-*") if json.loads(p.read_text()) == {"n": 1}), ns=(0, 0))  # 1 is the oldest
    get(2)
    kept = sorted(json.loads(p.read_text())["n"] for p in (tmp_path / "c").glob("test-*"))
    assert kept == [0, 2]


def test_the_key_covers_podnets_version_and_the_knowledge_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import podnet
    import podnet._version
    from podnet.knowledge import cache, load

    load.load_knowledge()  # every module of the key imported
    rules = tmp_path / "rules" / "common"
    rules.mkdir(parents=True)
    rule = rules / "x.yaml"
    rule.write_text("id: x\n")
    roots = [load._kb_root(), load._bundled_rules_root(), tmp_path / "rules"]
    key = cache.fingerprint(roots)
    assert key == cache.fingerprint(roots)
    monkeypatch.setattr(podnet._version, "package_version", lambda: "999.0")  # what podnet.__version__ reads
    assert podnet.__version__ == "999.0" and cache.fingerprint(roots) != key
    monkeypatch.undo()
    st = rule.stat()
    rule.write_text("id: y\n")  # same size
    os.utime(rule, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the old mtime: the ctime still moves
    assert cache.fingerprint(roots) != key


def test_plain_data_round_trip_gives_the_same_knowledge() -> None:
    from podnet.knowledge.load import load_knowledge
    from podnet.knowledge.plain import from_plain, to_plain

    kb = load_knowledge()
    back = from_plain(json.loads(json.dumps(to_plain(kb))))
    assert back == kb
    assert [r.condition for r in back.rules] == [r.condition for r in kb.rules]
