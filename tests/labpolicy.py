"""One policy for the tests that need a network-namespace lab (tests/lab, tests/ingest, tests/path,
tests/netfilter, tests/security) or root for another reason: what happens when they cannot run, and
how the labs' namespaces are named.

- **Root, or ``CI`` set** (CI runs ``make test`` as root): a lab that cannot be built is a loud
  failure, never a skip, so that CI cannot pass without the lab tests.
- **Otherwise** (a developer without root): the lab tests are skipped with the reason, which
  ``pytest -ra`` (the project's default, pyproject.toml) lists at the end of the run.

Namespaces are unique per test run: the suites with their own lab put the process id in the name
(``podnet-nf-<pid>-*``, ``podnet-ingest-<pid>-*``, ``podnet-sec-*-<uuid>``), and the scenario lab
of tests/lab, whose fixed names (``podnet-lab-client``...) the manual ``python3 -m tests.lab``
commands of docs/lab.md keep, is named ``podnet-lab<pid>-*`` under pytest (:func:`use_run_lab_names`).
"""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest

LAB_PREFIX_VARIABLE = "PODNET_LAB_PREFIX"
"""Environment variable naming the scenario lab's namespace prefix (tests/lab/topology.py reads it)."""


def must_run() -> bool:
    """Whether a lab that cannot run fails the test (root or CI) rather than skipping it."""
    return os.geteuid() == 0 or bool(os.environ.get("CI"))


def lab_unavailable(reason: str) -> NoReturn:
    """Fail (root or CI) or skip (otherwise) a test whose lab cannot run, saying why."""
    if must_run():
        pytest.fail(f"LAB CANNOT RUN: {reason}. The lab tests need root and the packages in "
                    ".ci/apt-packages.txt; as root (CI) they fail instead of skipping.", pytrace=False)
    pytest.skip(f"LAB NOT RUN (needs root): {reason}")


def require_root(what: str) -> None:
    """The same policy for a test that needs root for something else (``what``: e.g. to chown a file)."""
    if os.geteuid() != 0:
        lab_unavailable(f"not running as root ({what})")


def require_lab(*tools: str) -> None:
    """Root and ``ip`` plus ``tools`` on the PATH, else :func:`lab_unavailable`."""
    require_root("network namespaces")
    missing = [tool for tool in ("ip", *tools) if shutil.which(tool) is None]
    if missing:
        lab_unavailable(f"missing {', '.join(missing)}")


def use_run_lab_names() -> str:
    """Name the scenario lab's namespaces after this test run (unless the variable is already set),
    before tests/lab/topology.py is imported; returns the prefix."""
    return os.environ.setdefault(LAB_PREFIX_VARIABLE, f"podnet-lab{os.getpid()}-")
