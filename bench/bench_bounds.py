"""Benchmark diagnosis cost against the number of observations (issue 18, bounded work).

    python bench/bench_bounds.py [--times 1,10,100,400] [--limit-mb 3072] [--timeout 120]

Each example's observations are repeated N times, every copy made distinct (its ``id`` and
``note`` differ) so that merging identical observations does not hide the cost. Each size runs
in a child process (``podnet diagnose FILE --format json``) under a memory limit and a timeout, with
``PODNET_MAX_OBSERVATIONS`` raised so that the limit does not refuse the larger cases. The report
gives wall time, peak memory (max RSS) and, for each size, the milliseconds per observation added
since N=1 (the start-up cost cancels out): a figure that stays flat as N grows means the cost is
linear, one that grows with N means it grows faster. ``--engine-path DIR`` runs another copy of
the package (a folder holding ``podnet/``) for a before/after comparison. Nothing here asserts.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ("nu-iptables-forward-drop.json", "clusterip-dual-address.json")
ENGINE_PATH = ""


def repeated(case: dict, times: int) -> dict:
    """The case with its observations repeated ``times`` times, each copy distinct by id and note."""
    out = copy.deepcopy(case)
    observations = []
    for n in range(times):
        for i, obs in enumerate(case["observations"]):
            o = dict(obs)
            o["id"] = f"copy{n}-obs{i}"
            o["note"] = f"{obs.get('note', '')} (copy {n})".strip()
            observations.append(o)
    out["observations"] = observations
    return out


def _run(path: Path, limit_mb: int, timeout: float) -> tuple[str, float, float]:
    """(outcome, wall seconds, max RSS in MiB) of one diagnosis in a child process."""
    script = Path(sys.executable).parent / "podnet"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "podnet"]
    env = dict(os.environ, PODNET_MAX_OBSERVATIONS="10000000", PODNET_MAX_FACT_BYTES=str(512 * 1024 * 1024))
    if ENGINE_PATH:
        env["PYTHONPATH"] = ENGINE_PATH
        cmd = [sys.executable, "-c", "import sys; from podnet.cli.main import main; sys.exit(main())"]

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_mb * 1024 * 1024, limit_mb * 1024 * 1024))

    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            cmd + ["diagnose", str(path), "--format", "json"], stdout=subprocess.DEVNULL, stderr=err, env=env, preexec_fn=limit
        )
        # os.wait4 gives this child's own peak memory (RUSAGE_CHILDREN would give the largest so far)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                return f"stopped after {timeout:.0f}s", time.perf_counter() - start, usage.ru_maxrss / 1024
            time.sleep(0.02)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        outcome = f"exit {proc.returncode}"
        if proc.returncode not in (0, 1):
            err.seek(0)
            outcome += f" ({err.read().decode(errors='replace').strip()[:100]})"
    return outcome, wall, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--times", default="1,10,100,400", help="comma-separated repeat counts")
    ap.add_argument("--examples", default=",".join(EXAMPLES), help="comma-separated example file names")
    ap.add_argument("--limit-mb", type=int, default=3072, help="address-space limit of each run (MiB)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds before a run is stopped")
    ap.add_argument("--engine-path", default="", help="run the podnet package found in this folder instead")
    args = ap.parse_args()
    global ENGINE_PATH
    ENGINE_PATH = args.engine_path
    times = [int(t) for t in args.times.split(",")]
    print(f"{'example':34} {'N':>5} {'obs':>6} {'KiB':>7} {'wall s':>8} {'MiB':>7} {'ms/obs add':>11}  outcome")
    with tempfile.TemporaryDirectory(prefix="podnet-bench-") as tmp:
        for name in args.examples.split(","):
            case = json.loads((ROOT / "examples" / name).read_text())
            first: tuple[int, float] | None = None
            for n in times:
                data = repeated(case, n)
                path = Path(tmp) / f"{n}-{name}"
                path.write_text(json.dumps(data))
                outcome, wall, rss = _run(path, args.limit_mb, args.timeout)
                count = len(data["observations"])
                if first is None:
                    first = (count, wall)
                    extra = "-"
                else:
                    # time per observation added since N=1 (the start-up cost cancels out); flat
                    # along the rows means the cost grows linearly
                    extra = f"{(wall - first[1]) / (count - first[0]) * 1000:.2f}"
                kib = path.stat().st_size / 1024
                print(f"{name:34} {n:>5} {count:>6} {kib:>7.0f} {wall:>8.2f} {rss:>7.0f} {extra:>11}  {outcome}", flush=True)


if __name__ == "__main__":
    main()
