"""Many independent cases in one run (``podnet batch``): one JSON record per case, in input order.

    from podnet.batch import BatchOptions, iter_cases, run_batch
    for record in run_batch(iter_cases(["cases/"]), BatchOptions(top=3), jobs=2):
        print(record["source"], record["status"], record.get("causes"))

:mod:`.sources` streams the cases (folders, globs, fact files, JSON Lines, stdin), :mod:`.work`
diagnoses one case into its record, :mod:`.local` runs them here or in forked worker processes,
:mod:`.ray_engine` on Ray, :mod:`.summary` counts them. See docs/batch.md.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from .sources import CaseInput, Shard, iter_cases
from .work import BatchOptions, diagnose_case, record_line

ENGINES = ("local", "ray")


def run_batch(
    items: Iterable[CaseInput],
    options: BatchOptions | None = None,
    *,
    jobs: int = 1,
    engine: str = "local",
    address: str | None = None,
    chunk_size: int | None = None,
) -> Iterator[dict[str, Any]]:
    """The record of every case of ``items``, in order, whatever the engine; the knowledge is
    checked before the first case (a bad ``--rules`` folder raises :class:`~podnet.errors.KnowledgeError`)."""
    from .local import CHUNK_SIZE

    options = options or BatchOptions()
    size = chunk_size or CHUNK_SIZE
    if engine == "ray":
        from .ray_engine import run_ray

        return run_ray(items, options, address=address, jobs=jobs, chunk_size=size)
    if engine != "local":
        raise ValueError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
    from .local import run_local

    return run_local(items, options, jobs=jobs, chunk_size=size)


__all__ = ["ENGINES", "BatchOptions", "CaseInput", "Shard", "diagnose_case", "iter_cases", "record_line", "run_batch"]
