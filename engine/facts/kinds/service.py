"""A Service as it is declared, next to its endpoints and the container's port."""

from __future__ import annotations

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
        return self

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
