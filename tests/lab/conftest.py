"""The lab fixture: refuses loudly when the lab cannot run, always tears it down."""

from __future__ import annotations

import pytest

from ..labpolicy import lab_unavailable
from . import topology as t


def require_lab() -> None:
    """A lab that cannot be built fails as root (CI) and is skipped otherwise (tests/labpolicy.py)."""
    try:
        t.preflight()
    except t.LabError as exc:
        lab_unavailable(str(exc))


@pytest.fixture
def lab():
    """A lab for one test: built by the test (scenarios.set_up), removed afterwards even on failure."""
    require_lab()
    try:
        yield t
    finally:
        t.teardown()


@pytest.fixture(scope="session", autouse=True)
def _no_lab_left_behind():
    yield
    if t.lab_namespaces():
        t.teardown()
