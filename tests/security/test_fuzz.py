"""Issue 18 part 7 (fuzz half): fact files and raw input, mutated and random, never end in exit 70.

Hypothesis drives three kinds of input through the library (load, diagnose, every report format,
written as UTF-8) and a few through the real command:

* fact files: the examples mutated (a field replaced by a value of the wrong type, a huge or
  negative integer, NaN, a lone surrogate, control characters, a shell payload, a 70,000-character
  string, JSON nested 1,000 deep; fields deleted or added; observations repeated or swapped) and
  random JSON;
* raw input: random bytes, random text, and transcripts built from prompts, the commands podnet
  knows and real output lines (examples/raw, tests/ingest/samples), cut, shuffled and salted
  with ANSI codes, carriage returns, BOMs and junk;
* ``shell_words`` (the fast path of shlex splitting) against ``shlex.split`` itself.

Every run must end in a result or a PodnetError with exit code 2 or 3 whose message is one line
that encodes as UTF-8; never another exception (exit 70), never a traceback; each run under 10 s
(measured per example) and within 1 GiB more address space (the library runs under a raised-only-
for-this-test ``RLIMIT_AS``; the command under ``RLIMIT_AS`` of 1 GiB). The budget is fixed:
``derandomize=True`` and ``max_examples`` chosen so the file runs in well under a minute on the
2-core development machine.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import podnet
from podnet.errors import PodnetError
from podnet.facts.load import facts_from_data
from podnet.inputs.commands import KNOWN_COMMANDS, shell_words
from podnet.inputs.ingest import ingest
from podnet.render import render

from ..conftest import EXAMPLES, ROOT

RUN_SECONDS = 10.0
MEMORY_BYTES = 1 << 30
FORMATS = ("text", "wide", "markdown", "json")

BUDGET = settings(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)

EXAMPLE_DATA = [json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("*.json"))]
FIELD_VALUES: dict[str, list[Any]] = {}
"""Every scalar value each field name takes in the examples: mutations that keep a case valid."""


def _collect(node: Any, key: str | None = None) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _collect(v, k)
    elif isinstance(node, list):
        for v in node:
            _collect(v, key)
    elif key is not None and node not in FIELD_VALUES.setdefault(key, []):
        FIELD_VALUES[key].append(node)


for _case in EXAMPLE_DATA:
    _collect(_case)

RAW_LINES = [
    line
    for p in sorted([*(EXAMPLES / "raw").rglob("*.txt"), *(ROOT / "tests" / "ingest" / "samples").glob("*.txt")])
    for line in p.read_text(encoding="utf-8", errors="replace").splitlines()
]


def _nested(depth: int) -> Any:
    value: Any = "deep"
    for i in range(depth):
        value = [value] if i % 2 else {"a": value}
    return value


HOSTILE_VALUES = [
    10**400,
    -(10**400),
    2**63,
    -1,
    0,
    1e308,
    float("nan"),
    float("inf"),
    -0.0,
    True,
    None,
    "",
    "\ud800",
    "pod\udfffname",
    "a\nb",
    "\x1b[2J\x1b]0;title\x07",
    "\r\n# rm -rf /",
    "$(touch /tmp/podnet-fuzz-pwned)",
    "`id`",
    "--server=https://attacker.example",
    "fe80::1%$(id)",
    "10.0.0.1; reboot",
    "\u202etxt.exe",
    "ｋｕｂｅ－ｓｙｓｔｅｍ",
    "x" * 70_000,
    " " * 70_000,
    "中" * 5_000,
    [],
    {},
    [1, "a", None],
    {"kind": "ping"},
    _nested(1000),
]

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=("Cc", "Cs", "Zl", "Zp", "Cf", "Lo")), max_size=20),
    st.sampled_from(HOSTILE_VALUES),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


@contextlib.contextmanager
def bounded_memory() -> Iterator[None]:
    """``RLIMIT_AS`` at the current address-space size plus 1 GiB while the block runs: a run
    that needs more fails with MemoryError (a test failure) instead of taking the machine."""
    pages = int(Path("/proc/self/statm").read_text().split()[0])
    current = pages * os.sysconf("SC_PAGE_SIZE")
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = current + MEMORY_BYTES
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def assert_clean_error(exc: PodnetError) -> None:
    """A deliberate error: input (2) or knowledge (3), one line that can be written out."""
    assert exc.exit_code in (2, 3), f"exit {exc.exit_code}: {exc.one_line()}"
    line = exc.one_line()
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    line.encode("utf-8")


def diagnose_everything(data: Any) -> None:
    """Load, diagnose and render in every format; only deliberate errors may stop it."""
    start = time.perf_counter()
    try:
        facts = facts_from_data(data)
        diagnosis = podnet.diagnose(facts)
        for fmt in FORMATS:
            render(diagnosis, fmt).encode("utf-8")
        event("diagnosed" + (" (a cause named)" if diagnosis.causes else ""))
    except PodnetError as exc:
        assert_clean_error(exc)
        event(f"refused: {exc.code}")
    elapsed = time.perf_counter() - start
    assert elapsed < RUN_SECONDS, f"{elapsed:.1f} s"


def _walk(data: st.DataObject, root: Any) -> tuple[Any, Any] | None:
    """A random (container, key) inside ``root``: mostly inside an observation and down to a
    leaf (where a mutation keeps the rest of the case valid), sometimes higher up."""
    node: Any = root
    observations = root.get("observations") if isinstance(root, dict) else None
    if isinstance(observations, list) and observations and data.draw(st.integers(0, 3), label="outside observations") < 3:
        node = observations
    container, key = None, None
    for _ in range(8):
        if isinstance(node, dict) and node:
            k: Any = data.draw(st.sampled_from(sorted(node, key=str)), label="key")
        elif isinstance(node, list) and node:
            k = data.draw(st.integers(0, len(node) - 1), label="index")
        else:
            break
        container, key, node = node, k, node[k]
        if data.draw(st.integers(0, 9), label="stop here") == 9:
            break
    return (container, key) if container is not None else None


def mutate(data: st.DataObject, case: dict[str, Any]) -> dict[str, Any]:
    case = copy.deepcopy(case)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        how = data.draw(st.sampled_from(["plausible", "plausible", "plausible", "replace", "delete", "add", "repeat", "kind"]), label="how")
        spot = _walk(data, case)
        observations = case.get("observations")
        if how == "repeat" and isinstance(observations, list) and observations:
            times = data.draw(st.integers(2, 60), label="times")
            case["observations"] = [
                dict(o, id=f"c{n}") if isinstance(o, dict) and data.draw(st.booleans(), label="vary") else o
                for n in range(times)
                for o in observations
            ][:1500]
        elif how == "kind" and isinstance(observations, list) and observations:
            i = data.draw(st.integers(0, len(observations) - 1), label="obs")
            kinds = sorted({o["kind"] for c in EXAMPLE_DATA for o in c["observations"]})
            if isinstance(observations[i], dict):
                observations[i]["kind"] = data.draw(st.sampled_from(kinds), label="new kind")
        elif spot is not None:
            container, key = spot
            if how == "plausible":  # a value of the right kind: the case often stays valid and reaches the engine
                old = container[key]
                if isinstance(old, bool):
                    container[key] = not old
                elif isinstance(old, int):
                    container[key] = data.draw(st.integers(-2, 70_000), label="int")
                elif isinstance(old, float):
                    container[key] = data.draw(st.floats(0, 100), label="float")
                elif isinstance(old, str) and isinstance(key, str) and FIELD_VALUES.get(key):
                    container[key] = data.draw(st.sampled_from(FIELD_VALUES[key]), label="same field")
                else:
                    container[key] = data.draw(json_values, label="value")
            elif how == "replace":
                container[key] = data.draw(json_values, label="value")
            elif how == "delete":
                del container[key]
            elif isinstance(container, dict):
                container[data.draw(st.text(max_size=10), label="new key")] = data.draw(json_values, label="new value")
    return case


@settings(BUDGET, max_examples=300)
@given(st.data())
def test_mutated_fact_files_never_end_in_an_internal_error(data: st.DataObject) -> None:
    case = data.draw(st.sampled_from(EXAMPLE_DATA), label="example")
    mutated = mutate(data, case)
    with bounded_memory():
        diagnose_everything(mutated)


@settings(BUDGET, max_examples=80)
@given(json_values)
def test_random_json_is_refused_cleanly(value: Any) -> None:
    with bounded_memory():
        diagnose_everything(value)
        diagnose_everything({"case": {"id": "fuzz"}, "endpoints": {"source": {"kind": "pod"}, "destination": {"kind": "pod"}}, "observations": value})


# --------------------------------------------------------------------------- raw input

PROMPTS = ["[root@node01 ~]# ", "root@node02:~# ", "/ # ", "~ $ ", "bash-4.4# ", "$ ", "# ", "PS C:\\> ", "C:\\Users\\a>", ""]
ARGS = ["-c", "3", "10.244.2.17", "-n", "8080", "-zv", "-w", "1", "route", "addr", "-o", "wide", "-A", "get", "pods", "exec", "--", "-t", "nat", "'quoted arg'", '"dq', "\\", "|", "grep", "DROP", ";", "&&"]
NOISE = ["\x1b[31mred\x1b[0m", "\r", "progress 10%\rprogress 100%", "\ufeff", "\x00\x01", "\ud800", "é" * 3, "x" * 5000, "\t", "中文输出"]


@st.composite
def transcripts(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 12))):
        command = draw(st.sampled_from(sorted(KNOWN_COMMANDS)))
        args = draw(st.lists(st.sampled_from(ARGS), max_size=5))
        lines.append(draw(st.sampled_from(PROMPTS)) + " ".join([command, *args]))
        start = draw(st.integers(0, max(0, len(RAW_LINES) - 1)))
        block = RAW_LINES[start : start + draw(st.integers(0, 25))]
        if draw(st.booleans()):
            block = draw(st.permutations(block))
        for line in block:
            if draw(st.integers(0, 9)) == 0:
                line = draw(st.sampled_from(NOISE)) + line + draw(st.sampled_from(NOISE))
            lines.append(line)
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)


def ingest_everything(raw: bytes, name: str = "input.txt") -> None:
    """Ingest raw bytes from a file; what it builds must diagnose and render too."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="podnet-fuzz-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(raw)
        try:
            result = ingest(path)
            diagnosis = podnet.diagnose(result.facts)
            for fmt in FORMATS:
                render(diagnosis, fmt).encode("utf-8")
            for w in result.warnings:
                f"{w.location}: {w.text('zh')}".encode("utf-8", "backslashreplace")
            event(f"ingested: {len(result.facts.observations)} observations" if len(result.facts.observations) < 5 else "ingested: 5+ observations")
        except PodnetError as exc:
            assert_clean_error(exc)
            event(f"refused: {exc.code}")
    elapsed = time.perf_counter() - start
    assert elapsed < RUN_SECONDS, f"{elapsed:.1f} s"


@settings(BUDGET, max_examples=60)
@given(st.binary(max_size=3000))
def test_random_bytes_ingest_cleanly(raw: bytes) -> None:
    with bounded_memory():
        ingest_everything(raw)
        ingest_everything(b"\xff\xfe" + raw)  # a UTF-16 BOM before anything


@settings(BUDGET, max_examples=120)
@given(transcripts(), st.sampled_from(["utf-8", "utf-16", "gb18030", "utf-8-sig"]))
def test_transcripts_with_prompts_ingest_cleanly(text: str, encoding: str) -> None:
    with bounded_memory():
        ingest_everything(text.encode(encoding, errors="surrogatepass" if encoding.startswith("utf") else "replace"))


@settings(BUDGET, max_examples=150)
@given(st.text(alphabet=st.sampled_from(list("ab -'\"\\\t\n\r$|;#") + ["\u3000", "\x0b"]), max_size=40))
def test_shell_words_split_as_shlex_does(text: str) -> None:
    try:
        expected = shlex.split(text, comments=False)
    except ValueError:
        with pytest.raises(ValueError):
            shell_words(text)
        return
    assert shell_words(text) == expected


# --------------------------------------------------------------------------- the command


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def run_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(
        [sys.executable, "-m", "podnet", *args],
        capture_output=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
        timeout=RUN_SECONDS,
        preexec_fn=_limit_child,
        stdin=subprocess.DEVNULL,
    )
    err = proc.stderr.decode("utf-8")  # stderr must be valid UTF-8 (no raw surrogates)
    assert proc.returncode in (0, 1, 2, 3), f"exit {proc.returncode}: {err[-2000:]}"
    assert "Traceback" not in err, err[-2000:]
    if proc.returncode >= 2:
        assert len(err.splitlines()) == 1, err
    proc.stdout.decode("utf-8")
    return proc


@settings(BUDGET, max_examples=8)
@given(st.data(), st.sampled_from(["text", "wide", "markdown", "json"]))
def test_the_command_on_mutated_fact_files(data: st.DataObject, fmt: str) -> None:
    case = data.draw(st.sampled_from(EXAMPLE_DATA), label="example")
    mutated = mutate(data, case)
    with tempfile.TemporaryDirectory(prefix="podnet-fuzz-") as tmp:
        path = Path(tmp) / "case.json"
        try:
            path.write_text(json.dumps(mutated, allow_nan=True), encoding="utf-8", errors="surrogatepass")
        except (ValueError, RecursionError):  # json cannot write it (nested too deeply): the library runs cover it
            return
        run_cli("diagnose", str(path), "-o", fmt)


@settings(BUDGET, max_examples=6)
@given(transcripts())
def test_the_command_on_transcripts(text: str) -> None:
    with tempfile.TemporaryDirectory(prefix="podnet-fuzz-") as tmp:
        path = Path(tmp) / "ticket.txt"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        run_cli("ingest", str(path), "--quiet")
        run_cli("diagnose", "--raw", str(path), "-o", "markdown")
