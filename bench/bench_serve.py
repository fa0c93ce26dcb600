"""Load on ``podnet serve``: concurrent diagnose requests from a local client, on 127.0.0.1 only.

    python bench/bench_serve.py [--concurrency 200] [--rounds 5] [--markdown]

Starts ``python -m podnet serve`` on a free loopback port (the machine's own address: no other
host is ever sent a request), waits for /healthz, then sends ``rounds`` bursts of ``concurrency``
simultaneous ``POST /v1/diagnose`` requests (the ClusterIP example, each checked: status 200 and
``node_dual_address_vxlan`` first) with httpx2's async client, one connection per request in
flight. Reports throughput, p50/p99 latency and the server's resident memory (VmRSS) after the
warm-up and after each burst; then stops the server it started (by its pid). Bounded: at most
rounds x concurrency requests, each with a 120 s timeout. Nothing here asserts: it reports.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "examples" / "clusterip-dual-address.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


async def burst(url: str, body: bytes, n: int) -> tuple[float, list[float], int]:
    """``n`` requests at once: wall time, each latency, and how many failed."""
    import httpx2 as httpx

    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:

        async def one() -> tuple[float, bool]:
            t = time.perf_counter()
            r = await client.post("/v1/diagnose", content=body, headers={"content-type": "application/json"})
            ok = r.status_code == 200 and r.json()["causes"][0]["id"] == "node_dual_address_vxlan"
            return time.perf_counter() - t, ok

        t0 = time.perf_counter()
        results = await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
        wall = time.perf_counter() - t0
    latencies = [r[0] for r in results if isinstance(r, tuple)]
    failed = sum(1 for r in results if not isinstance(r, tuple) or not r[1])
    return wall, latencies, failed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--markdown", action="store_true", help="print the README table")
    args = ap.parse_args(argv)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "podnet", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        import httpx2 as httpx

        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                print(f"the server did not start: {server.stderr.read().decode() if server.stderr else ''}", file=sys.stderr)
                return 1
            time.sleep(0.1)
        body = CASE.read_bytes()
        with httpx.Client(base_url=url, timeout=120) as one:
            alone = []
            for _ in range(30):  # one at a time: the service time of a request, without queueing
                t = time.perf_counter()
                one.post("/v1/diagnose", content=body, headers={"content-type": "application/json"}).raise_for_status()
                alone.append(time.perf_counter() - t)
        rss = [rss_mb(server.pid)]
        rows = []
        for _ in range(args.rounds):
            wall, lat, failed = asyncio.run(burst(url, body, args.concurrency))
            rss.append(rss_mb(server.pid))
            rows.append((wall, lat, failed))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    all_lat = [x for _, lat, _ in rows for x in lat]
    total = sum(len(lat) for _, lat, _ in rows)
    failed = sum(f for _, _, f in rows)
    throughput = [args.concurrency / wall for wall, _, _ in rows]
    if args.markdown:
        print(f"| measure ({args.rounds} bursts of {args.concurrency} concurrent POST /v1/diagnose, clusterip-dual-address.json) | value |")
        print("|---|---|")
        print(f"| one request at a time (median of 30) | {1000 * statistics.median(alone):.1f} ms |")
        print(f"| requests answered / failed | {total} / {failed} |")
        print(f"| throughput per burst (median, min-max) | {statistics.median(throughput):.0f} req/s ({min(throughput):.0f}-{max(throughput):.0f}) |")
        print(f"| latency p50 / p99 (all requests, queueing included) | {1000 * percentile(all_lat, .5):.0f} ms / {1000 * percentile(all_lat, .99):.0f} ms |")
        print(f"| server memory (VmRSS) after warm-up, after each burst | {rss[0]:.0f} MB, {', '.join(f'{r:.0f}' for r in rss[1:])} MB |")
    else:
        for i, (wall, lat, f) in enumerate(rows, 1):
            print(f"burst {i}: {args.concurrency / wall:6.1f} req/s  p50 {1000 * percentile(lat, .5):6.0f} ms  p99 {1000 * percentile(lat, .99):6.0f} ms  failed {f}  rss {rss[i]:.0f} MB")
        print(f"one at a time: median {1000 * statistics.median(alone):.1f} ms; rss after warm-up {rss[0]:.0f} MB; cpu count {os.cpu_count()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
