"""Batch throughput: ``podnet batch`` over generated cases, with its memory (issue 16).

    python bench/bench_batch.py [--cases 10000] [--jobs 2] [--ray] [--json]

The cases are the examples with varied addresses: case k is example ``k % len(examples)`` with
the third octet of every IPv4 address moved by ``16 * (k // len(examples)) mod 256`` (the same
move for every address of the case, so subnets and the addresses in them move together) and a
case id of its own, written as one JSON Lines file. ``podnet batch`` runs as a child process;
its process tree's resident memory (the sum over the parent and its workers, from /proc) is
sampled every 0.2 s: "flat" means the peak in the last tenth of the run is no higher than in
the first. Records are checked against the unvaried examples' top causes. With ``--ray`` the
same input also runs with ``--engine ray`` (a local instance of ``--jobs`` CPUs). Nothing here
asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_IPV4 = re.compile(r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b")


def examples() -> list[Path]:
    """The example fact files this podnet reads (one written for a newer fact model is left out)."""
    from podnet import load_facts
    from podnet.errors import PodnetError

    out = []
    for p in sorted((ROOT / "examples").glob("*.json")):
        try:
            load_facts(p)
        except PodnetError as exc:
            print(f"bench_batch: left out {p.name}: {exc}", file=sys.stderr)
            continue
        out.append(p)
    return out


def _moved(text: str, shift: int) -> str:
    def move(m: re.Match[str]) -> str:
        a, b, c, d = (int(x) for x in m.groups())
        if max(a, b, c, d) > 255:
            return m.group(0)
        return f"{a}.{b}.{(c + shift) % 256}.{d}"

    return _IPV4.sub(move, text)


def generate(path: Path, count: int, sources: list[Path]) -> list[str]:
    """Write ``count`` cases made from ``sources`` as JSON Lines; returns each case's example name."""
    bases = [(p.name, json.dumps(json.loads(p.read_text()), ensure_ascii=False)) for p in sources]
    names = []
    with path.open("w", encoding="utf-8") as fh:
        for k in range(count):
            name, text = bases[k % len(bases)]
            round_ = k // len(bases)
            data = json.loads(_moved(text, (16 * round_) % 256))
            data["case"]["id"] = f"{data['case']['id']}-{round_}"
            fh.write(json.dumps(data, ensure_ascii=False) + "\n")
            names.append(name)
    return names


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants (KiB), from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid = int(fields[1])
            rss[int(entry)] = int(fields[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, ()))
    return total


def run_batch(cases: Path, args: list[str]) -> dict[str, float]:
    """Run ``podnet batch`` on the cases; wall time, records written and memory samples."""
    script = Path(sys.executable).parent / "podnet"
    cmd = [str(script) if script.exists() else sys.executable, *([] if script.exists() else ["-m", "podnet"])]
    env = dict(os.environ, RAY_AUTH_MODE="disabled")
    env.pop("RAY_ADDRESS", None)
    with tempfile.TemporaryDirectory(prefix="podnet-bench-batch-") as tmp:
        out = Path(tmp) / "out.jsonl"
        import resource

        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.Popen([*cmd, "batch", str(cases), "--out", str(out), "-q", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        samples: list[tuple[float, int]] = []
        while proc.poll() is None:
            samples.append((time.perf_counter() - start, _tree_rss_kib(proc.pid)))
            time.sleep(0.2)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers too: each was waited for by its parent
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        records = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    tenth = max(1, len(samples) // 10)
    first = max((kib for _, kib in samples[:tenth]), default=0)
    last = max((kib for _, kib in samples[-tenth:]), default=0)
    peak = max((kib for _, kib in samples), default=0)
    return {"exit": proc.returncode, "wall_s": wall, "cpu_s": cpu, "records": records, "peak_mib": peak / 1024, "first_tenth_mib": first / 1024,
            "last_tenth_mib": last / 1024, "stderr": stderr[-500:]}


def expected_top(sources: list[Path]) -> dict[str, str | None]:
    """Each example's top cause (None when it names none)."""
    from podnet import diagnose, load_facts

    out: dict[str, str | None] = {}
    for p in sources:
        causes = diagnose(load_facts(p)).causes
        out[p.name] = causes[0].id if causes else None
    return out


def _agree(records: list[dict], names: list[str], expected: dict[str, str | None]) -> int:
    """Records whose top cause is the unvaried example's (examples without a cause count when none)."""
    same = 0
    for rec, name in zip(records, names):
        top = rec["causes"][0]["id"] if rec.get("causes") else None
        same += top == expected.get(name, "?")
    return same


def markdown(result: dict) -> str:
    """The figures as the README's table."""
    loc, n, jobs = result["local"], result["cases"], result["jobs"]
    rate = loc["cases_per_s"]
    hundred = "measured" if n >= 100000 else "extrapolated"
    rows = [
        (f"`podnet batch --jobs {jobs}`, {n:,} generated cases ({result['input_mib']:.0f} MiB of JSON Lines)", f"{loc['wall_s']:.1f} s, {rate:,.0f} cases/s (exit {loc['exit']})"),
        (f"100,000 cases ({hundred})", f"{100000 / rate / 60:.1f} min"),
        ("CPU time of the process tree", f"{loc['cpu_s']:.0f} s = {loc['cpu_s'] / n * 1000:.2f} ms per case (on {jobs} free cores: {loc['cpu_s'] / jobs / 60:.1f} min for {n:,})"),
        ("memory of the process tree (parent + workers)", f"peak {loc['peak_mib']:.0f} MiB; first tenth of the run {loc['first_tenth_mib']:.0f} MiB, last tenth {loc['last_tenth_mib']:.0f} MiB"),
        ("top cause as for the unvaried example", f"{loc['same_top_cause']:,} of {n:,}"),
    ]
    if "ray" in result:
        r = result["ray"]
        ref = result.get("local_small", loc)
        rows.append(
            (
                f"`--engine ray --jobs {jobs}` (local instance), {r['cases']:,} cases",
                f"{r['wall_s']:.1f} s, {r['cases_per_s']:,.0f} cases/s = {r['wall_s'] / ref['wall_s']:.2f}x the time of `--jobs {jobs}` "
                f"({ref['wall_s']:.1f} s), Ray's start included; records identical: {'yes' if r['identical_to_local'] else 'NO'}",
            )
        )
    return "\n".join(["| measure | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=10000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--ray", action="store_true", help="also run with --engine ray")
    ap.add_argument("--ray-cases", type=int, default=0, help="cases for the Ray run (default: --cases)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--from-json", metavar="FILE", help="print the table of a result saved with --json, without running")
    args = ap.parse_args()
    if args.from_json:
        print(markdown(json.loads(Path(args.from_json).read_text())))
        return
    with tempfile.TemporaryDirectory(prefix="podnet-bench-cases-") as tmp:
        cases = Path(tmp) / "cases.jsonl"
        sources = examples()
        expected = expected_top(sources)
        names = generate(cases, args.cases, sources)
        size_mib = cases.stat().st_size / 2**20
        result = {"cases": args.cases, "input_mib": size_mib, "jobs": args.jobs}
        local = run_batch(cases, ["--jobs", str(args.jobs)])
        result["local"] = {k: v for k, v in local.items() if k != "records"}
        result["local"]["cases_per_s"] = len(local["records"]) / local["wall_s"]
        result["local"]["same_top_cause"] = _agree(local["records"], names, expected)
        if args.ray:
            ray_cases = cases
            count = args.ray_cases or args.cases
            if count != args.cases:
                ray_cases = Path(tmp) / "ray.jsonl"
                generate(ray_cases, count, sources)
                local_small = run_batch(ray_cases, ["--jobs", str(args.jobs)])
                result["local_small"] = {"cases": count, "wall_s": local_small["wall_s"], "cases_per_s": count / local_small["wall_s"]}
            ray = run_batch(ray_cases, ["--engine", "ray", "--jobs", str(args.jobs)])
            result["ray"] = {k: v for k, v in ray.items() if k != "records"}
            result["ray"]["cases"] = count
            result["ray"]["cases_per_s"] = len(ray["records"]) / ray["wall_s"]
            reference = local_small if count != args.cases else local
            result["ray"]["identical_to_local"] = ray["records"] == (reference["records"] if "records" in reference else None)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    if args.markdown:
        print(markdown(result))
        return
    loc = result["local"]
    rate = loc["cases_per_s"]
    print(f"{args.cases:,} generated cases ({size_mib:.0f} MiB of JSON Lines), podnet batch --jobs {args.jobs}: "
          f"{loc['wall_s']:.1f} s, {rate:,.0f} cases/s (100,000 cases: {100000 / rate / 60:.1f} min), exit {loc['exit']}")
    print(f"  CPU time of the process tree: {loc['cpu_s']:.0f} s = {loc['cpu_s'] / args.cases * 1000:.2f} ms per case "
          f"(on {args.jobs} free cores: {100000 * loc['cpu_s'] / args.cases / args.jobs / 60:.1f} min for 100,000)")
    print(f"  memory of the process tree: peak {loc['peak_mib']:.0f} MiB; first tenth {loc['first_tenth_mib']:.0f} MiB, last tenth {loc['last_tenth_mib']:.0f} MiB")
    print(f"  top cause as for the unvaried example: {loc['same_top_cause']:,} of {args.cases:,}")
    if "ray" in result:
        r = result["ray"]
        ref = result.get("local_small", loc)
        print(f"  --engine ray --jobs {args.jobs} ({r['cases']:,} cases): {r['wall_s']:.1f} s, {r['cases_per_s']:,.0f} cases/s, "
              f"{r['wall_s'] / ref['wall_s']:.2f}x the time of --jobs {args.jobs}; records identical: {r['identical_to_local']}")


if __name__ == "__main__":
    main()
