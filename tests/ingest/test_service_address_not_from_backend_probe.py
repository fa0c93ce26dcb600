"""A Service's address is not read from a probe of one of its backends (the blind lab's triage: a
customer pasted the ping of the backend Pod at a ping question, and the Service's ClusterIP became
the Pod's IP, so every later prompt asked about "Service 198.19.130.10")."""

from __future__ import annotations

from pathlib import Path

from podnet.inputs.ingest import ingest

PING = """$ ping -c 3 198.19.130.10
PING 198.19.130.10 (198.19.130.10) 56(84) bytes of data.
64 bytes from 198.19.130.10: icmp_seq=1 ttl=62 time=0.071 ms
64 bytes from 198.19.130.10: icmp_seq=2 ttl=62 time=0.065 ms
64 bytes from 198.19.130.10: icmp_seq=3 ttl=62 time=0.070 ms

--- 198.19.130.10 ping statistics ---
3 packets transmitted, 3 received, 0% packet loss, time 2040ms
rtt min/avg/max/mdev = 0.065/0.068/0.071/0.002 ms
"""
NC = """$ nc -zv -w 3 198.19.224.50 80
nc: connect to 198.19.224.50 port 80 (tcp) timed out: Operation now in progress
"""


def _ingest(tmp_path: Path, text: str, destination: dict, cluster: dict | None = None):
    path = tmp_path / "paste.txt"
    path.write_text(text, encoding="utf-8")
    context: dict = {"case": {"id": "T"}, "endpoints": {"source": {"kind": "pod"}, "destination": destination}}
    if cluster:
        context["cluster"] = cluster
    return ingest(path, context)


def test_a_pinged_backend_does_not_become_the_services_address(tmp_path: Path) -> None:
    got = _ingest(tmp_path, PING, {"kind": "service", "namespace": "default", "name": "web"})
    dst = got.facts.endpoints.destination
    assert (dst.kind, dst.ip) == ("service", None)
    [ping] = [o for o in got.facts.observations if o.kind == "ping"]
    assert (ping.target, ping.result) == ("198.19.130.10", "ok")  # the observation itself is kept


def test_an_address_in_the_pod_cidr_is_no_service_address_even_when_connected_to(tmp_path: Path) -> None:
    text = NC.replace("198.19.224.50", "198.19.130.10")
    got = _ingest(tmp_path, text, {"kind": "service"}, {"pod_cidr": "198.19.128.0/17"})
    assert got.facts.endpoints.destination.ip is None


def test_near_miss_a_connect_to_an_unlisted_address_still_names_the_service(tmp_path: Path) -> None:
    """What the customer tried to reach, when nothing says it is something else, is the Service."""
    got = _ingest(tmp_path, NC, {"kind": "service"})
    dst = got.facts.endpoints.destination
    assert (dst.kind, dst.ip, dst.port) == ("service", "198.19.224.50", 80)


def test_near_miss_a_pinged_pod_destination_is_taken(tmp_path: Path) -> None:
    got = _ingest(tmp_path, PING, {"kind": "pod"})
    assert got.facts.endpoints.destination.ip == "198.19.130.10"
