"""The lab fixture: refuses loudly when the lab cannot run, always tears it down."""

from __future__ import annotations

import pytest

from . import topology as t


def require_lab() -> None:
    """Fail (never skip) when namespaces cannot be built: CI runs as root and must run these tests."""
    try:
        t.preflight()
    except t.LabError as exc:
        pytest.fail(f"LAB CANNOT RUN: {exc}. The network-namespace lab tests need root and the packages in "
                    ".ci/apt-packages.txt; they fail instead of skipping so that CI never passes without them.",
                    pytrace=False)


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
