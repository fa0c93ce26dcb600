"""Run a batch on Ray (``podnet batch --engine ray``; ``pip install 'podnet[ray]'``).

Ray schedules the tasks, on this machine (a local instance of ``jobs`` CPUs started for the run)
or on a cluster (``--address``, or ``RAY_ADDRESS``). Nothing is scheduled by podnet itself: each
chunk of cases is one Ray task, at most a few per CPU in flight, and results are read back in
input order, so the records are the same as a serial run's.

The driver checks the knowledge once and puts it in Ray's object store as plain data (the disk
cache's JSON form, :mod:`podnet.knowledge.plain`); each worker process rebuilds and compiles it
on its first task and keeps it for the next ones. Workers therefore need podnet installed (the
same version) but neither the driver's ``--rules`` folders nor its files: the driver reads each
fact file and sends its text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections import deque
from typing import Any, Iterable, Iterator

from ..errors import UsageError
from .local import CHUNK_SIZE, IN_FLIGHT_PER_JOB, chunked, prepare
from .sources import CaseInput
from .work import BatchOptions, diagnose_chunk

_REASONERS: dict[str, Any] = {}
"""Compiled knowledge per knowledge key, kept in each Ray worker process between tasks."""


def _reasoner(key: str, holder: list[Any]) -> Any:
    """This worker's compiled knowledge for ``key`` (fetched from the object store only once)."""
    found = _REASONERS.get(key)
    if found is None:
        import ray

        from ..knowledge.plain import from_plain
        from ..reasoning.engine import Reasoner

        found = _REASONERS[key] = Reasoner(from_plain(ray.get(holder[0])))
    return found


def ray_chunk(key: str, holder: list[Any], chunk: list[CaseInput], options: BatchOptions) -> list[dict[str, Any]]:
    """One Ray task: the records of a chunk (the knowledge reference is wrapped in a list so
    that Ray does not fetch it for every task)."""
    return diagnose_chunk(chunk, options, _reasoner(key, holder))


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise UsageError("Ray is not installed; install it with: pip install 'podnet[ray]'", location="--engine ray", code="E-USAGE") from None
    return ray


def _get(ray: Any, chunk: list[CaseInput], ref: Any) -> list[dict[str, Any]]:
    """A task's records; a task that failed even after Ray's retry (its worker died) gives an
    error record for each of its cases, and the batch goes on."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayError as exc:
        from ..render.safe import one_line

        message = one_line(f"the Ray task diagnosing this case's chunk failed: {type(exc).__name__}: {exc}")[:500]
        return [
            {"n": item.n, "source": item.source, "id": None, "status": "error", "exit": 70,
             "error": {"code": "E-INTERNAL-WORKER", "location": item.source, "message": message}}
            for item in chunk
        ]


def run_ray(
    items: Iterable[CaseInput],
    options: BatchOptions,
    *,
    address: str | None = None,
    jobs: int = 2,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[dict[str, Any]]:
    """The record of every case, in input order, computed by Ray tasks. Without ``address`` (and
    without ``RAY_ADDRESS``) a local Ray instance with ``jobs`` CPUs is started and stopped."""
    ray = _import_ray()
    from ..knowledge.plain import to_plain

    plain = to_plain(prepare(options).knowledge)
    key = hashlib.sha256(json.dumps(plain, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:24]
    started = False
    if not ray.is_initialized():
        quiet = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
        if address or os.environ.get("RAY_ADDRESS"):
            ray.init(address=address, **quiet)
        else:
            ray.init(num_cpus=max(1, jobs), **quiet)
        started = True
    try:
        holder = [ray.put(plain)]
        task = ray.remote(num_cpus=1, max_retries=1)(ray_chunk)
        cpus = int(ray.cluster_resources().get("CPU", jobs)) or 1
        window: deque[tuple[list[CaseInput], Any]] = deque()
        for chunk in chunked(items, max(1, chunk_size)):
            window.append((chunk, task.remote(key, holder, chunk, options)))
            while len(window) >= cpus * IN_FLIGHT_PER_JOB:
                yield from _get(ray, *window.popleft())
        while window:
            yield from _get(ray, *window.popleft())
    finally:
        if started:
            ray.shutdown()
