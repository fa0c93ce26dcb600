"""One "is this address in that network" for the package (podnet.cidr.ip_in)."""

from __future__ import annotations

import re

import pytest

from podnet.cidr import ip_in
from tests.conftest import ROOT


@pytest.mark.parametrize(("ip", "cidr", "inside"), [
    ("10.244.1.5", "10.244.0.0/16", True),
    ("10.244.1.5", "10.244.1.9/24", True),  # host bits of the network ignored, as kubectl prints them
    ("10.245.0.1", "10.244.0.0/16", False),
    ("fd00::5", "fd00::/64", True),
    ("10.244.1.5", "fd00::/64", False),  # another IP version: not inside, no error
    ("10.244.1.5", None, False),
    (None, "10.244.0.0/16", False),
    ("not-an-ip", "10.244.0.0/16", False),
    ("10.244.1.5", "10.244.0.0/99", False),
])
def test_ip_in(ip, cidr, inside):
    assert ip_in(ip, cidr) is inside


def test_no_other_module_tests_membership_by_hand():
    """``ip_address(x) in ip_network(y)`` is written once, in podnet/cidr.py."""
    pattern = re.compile(r"ip_address\([^)]*\)\s+in\s+(ipaddress\.)?ip_network\(")
    found = [str(p.relative_to(ROOT)) for p in (ROOT / "engine").rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert found == ["engine/cidr.py"]
