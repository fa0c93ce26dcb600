"""A Service as it is declared, next to its endpoints and the container's port."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, computed_field, model_validator

from ..base import Observation
from ..values import IPAddressStr, K8sLabel, ShortText


class ServiceSpec(Observation):
    """A Service (``port``, ``targetPort``, ``selector``) next to its Endpoints / EndpointSlices
    and the port the container declares or listens on."""

    kind: Literal["service_spec"]
    service: K8sLabel | None = None
    namespace: K8sLabel | None = None
    type: Literal["ClusterIP", "NodePort", "LoadBalancer", "ExternalName", "Headless"] | None = None
    cluster_ip: IPAddressStr | None = None
    port: int | None = Field(None, ge=1, le=65535, description="spec.ports[].port.")
    target_port: int | None = Field(None, ge=1, le=65535, description="spec.ports[].targetPort as a number.")
    target_port_name: K8sLabel | None = Field(None, description="spec.ports[].targetPort as a named container port.")
    node_port: int | None = Field(None, ge=1, le=65535)
    selector: list[ShortText] | None = Field(None, description="spec.selector as key=value; absent: not listed.")
    pods_matching_selector: int | None = Field(None, ge=0, description="Pods whose labels match the selector.")
    endpoints: list[ShortText] | None = Field(None, description="ip:port of the ready endpoints; [] when there are none; absent: not listed.")
    not_ready_endpoints: int | None = Field(None, ge=0)
    pod_ips: list[IPAddressStr] | None = Field(
        None,
        description="IPs of running Pods: every Pod the selector matches, or every Pod of the Service's namespace "
        "(an unfiltered kubectl get pods -o wide); an endpoint outside them is stale. Absent: not listed.",
    )
    endpoints_stale: bool | None = Field(
        None, description="Stated: an endpoint's address is held by no running Pod (a stale endpoint). Derived from endpoints and pod_ips when both are listed."
    )
    container_port: int | None = Field(None, ge=1, le=65535, description="The port the container declares or listens on.")
    target_port_listening: bool | None = Field(
        None, description="Derived: something listens on targetPort in the destination Pod (listening_sockets). May be stated."
    )
    target_port_matches_container: bool | None = Field(
        None,
        description="targetPort is the container's port: stated ('the Service points at the wrong port'), or derived "
        "from target_port and container_port (itself derived from what listens in the destination Pod).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> "ServiceSpec":
        if self.target_port is not None and self.target_port_name is not None:
            raise ValueError("give targetPort as a number or as a name, not both")
        derived = self.derived_target_port_matches()
        if derived is not None and self.target_port_matches_container not in (None, derived):
            raise ValueError("target_port_matches_container contradicts target_port and container_port")
        stale = self.endpoints_without_pod
        if stale is not None and self.endpoints_stale not in (None, bool(stale)):
            raise ValueError("endpoints_stale contradicts endpoints and pod_ips")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def endpoints_without_pod(self) -> list[str] | None:
        """The endpoints (ip:port) whose address no listed Pod holds; None unless both are listed."""
        if self.endpoints is None or self.pod_ips is None:
            return None
        held = {ipaddress.ip_address(ip) for ip in self.pod_ips}
        return [e for e in self.endpoints if (a := _address(e)) is not None and a not in held]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def stale_endpoints(self) -> bool | None:
        """An endpoint points at an address no running Pod holds: stated, or derived from the listings."""
        listed = self.endpoints_without_pod
        return self.endpoints_stale if listed is None else bool(listed)

    def derived_target_port_matches(self) -> bool | None:
        """targetPort (a number) is the container's port; None when either is unknown or named."""
        if self.target_port is None or self.container_port is None:
            return None
        return self.target_port == self.container_port

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_endpoints(self) -> bool | None:
        return None if self.endpoints is None else bool(self.endpoints)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def selector_matches_pods(self) -> bool | None:
        return None if self.pods_matching_selector is None else self.pods_matching_selector > 0


def endpoint_key(endpoint: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int | None] | None:
    """The address and port of ``ip``, ``ip:port`` or ``[v6]:port`` (port None when not given);
    None when it is not an address."""
    address = _address(endpoint)
    if address is None:
        return None
    text = endpoint.strip()
    tail = text.rsplit("]", 1)[1] if text.startswith("[") else (text if text.count(":") == 1 else "")
    port = tail.rsplit(":", 1)[1] if ":" in tail else ""
    return address, int(port) if port.isdigit() else None


def same_endpoint(a: str, b: str) -> bool:
    """Two ``ip[:port]`` texts name the same endpoint: the same address, and the same port where both give one."""
    ka, kb = endpoint_key(a), endpoint_key(b)
    if ka is None or kb is None or ka[0] != kb[0]:
        return False
    return ka[1] is None or kb[1] is None or ka[1] == kb[1]


def _address(endpoint: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address of ``ip``, ``ip:port`` or ``[v6]:port``; None when it is not one."""
    text = endpoint.strip()
    candidates = [text]
    if text.startswith("[") and "]" in text:
        candidates = [text[1 : text.index("]")]]
    elif text.count(":") == 1:
        candidates = [text.rsplit(":", 1)[0]]
    for c in candidates:
        try:
            return ipaddress.ip_address(c)
        except ValueError:
            continue
    return None
