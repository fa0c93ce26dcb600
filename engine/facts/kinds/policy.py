"""What is allowed, outside the node's iptables: NetworkPolicies and cloud firewalls."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from ..base import Observation
from ..values import IPNetworkStr, K8sLabel, K8sName, ShortText


class NetworkPolicy(Observation):
    """NetworkPolicies selecting a Pod of the flow (ingress at the destination, egress at the
    source), the peer namespace's labels, and whether the policies let the flow through."""

    kind: Literal["network_policy"]
    namespace: K8sLabel | None = None
    pod: K8sName | None = None
    direction: Literal["ingress", "egress"] | None = None
    policies: list[K8sName] | None = Field(
        None, description="Names of the policies selecting the Pod in this direction; [] when none does; absent: not listed."
    )
    default_deny: bool | None = Field(None, description="A policy with an empty podSelector and no rule for this direction.")
    allows_flow: bool | None = Field(None, description="Checked against the flow: some rule allows it.")
    allows_dns: bool | None = Field(None, description="Egress to the cluster DNS (port 53, UDP and TCP) is allowed.")
    peer_selector_matches: bool | None = Field(
        None, description="The allow rule's namespaceSelector / podSelector matches the peer's labels."
    )
    namespace_labels: list[ShortText] | None = Field(None, description="Labels of the peer's namespace, key=value.")
    peer_namespace_selector: list[ShortText] | None = Field(
        None, description="The allow rule's namespaceSelector matchLabels, key=value (e.g. name=kube-system)."
    )
    selected_stated: bool | None = Field(
        None, description="Stated without policy names: some policy selects the Pod in this direction (true) or none does (false)."
    )
    enforced: bool | None = Field(None, description="The CNI enforces NetworkPolicies (flannel alone does not).")

    @model_validator(mode="after")
    def _selected_agrees(self) -> "NetworkPolicy":
        if self.selected_stated is not None and self.policies is not None and bool(self.policies) != self.selected_stated:
            raise ValueError("selected_stated contradicts policies")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def filtering(self) -> bool | None:
        """The Pod is isolated in this direction and the CNI is not known to ignore policies: what
        the policies do not allow is dropped (false when the CNI enforces none, e.g. flannel alone)."""
        if self.enforced is False:
            return False
        return self.isolated

    @computed_field  # type: ignore[prop-decorator]
    @property
    def isolated(self) -> bool | None:
        """The Pod is selected by some policy in this direction (so only allowed traffic passes)."""
        if self.default_deny or self.policies or self.selected_stated:
            return True
        if (self.policies == [] or self.selected_stated is False) and self.default_deny is not True:
            return False
        return None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def selector_matches_namespace(self) -> bool | None:
        """The allow rule's namespaceSelector against the peer namespace's labels: every
        matchLabels pair among them; None when either is not known."""
        if self.peer_namespace_selector is None or self.namespace_labels is None:
            return None
        return set(self.peer_namespace_selector) <= set(self.namespace_labels)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def selector_uses_name_label(self) -> bool | None:
        """The namespaceSelector matches on ``name=...``, a label Kubernetes never sets on a
        namespace (it sets ``kubernetes.io/metadata.name``, since 1.21): it matches only namespaces
        someone labelled by hand. None when the selector is not known."""
        if self.peer_namespace_selector is None:
            return None
        return any(sel.split("=", 1)[0] == "name" for sel in self.peer_namespace_selector)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def denies_flow(self) -> bool | None:
        """The policies deny the flow: isolated, enforced (or not known to be unenforced), and no
        rule allows it (or the allow rule's selector misses the peer); None when undecided."""
        if self.enforced is False or self.isolated is False or self.allows_flow is True:
            return False
        if self.allows_flow is False or (self.isolated and False in (self.peer_selector_matches, self.selector_matches_namespace)):
            return True
        return None


class CloudAllowance(BaseModel):
    """One inbound allowance of a security group or provider firewall between the nodes."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    protocol: Literal["tcp", "udp", "icmp", "ipip", "esp", "all"]
    port: int | None = Field(None, ge=1, le=65535, description="First (or only) port; absent: every port.")
    port_end: int | None = Field(None, ge=1, le=65535, description="Last port of a range.")
    source: IPNetworkStr | None = Field(None, description="Allowed source range; absent: the nodes' own group.")

    @model_validator(mode="after")
    def _range(self) -> "CloudAllowance":
        if self.port_end is not None and (self.port is None or self.port_end < self.port):
            raise ValueError("port_end needs a port and must not be below it")
        return self

    def allows(self, protocol: str, port: int | None) -> bool:
        if self.protocol not in ("all", protocol):
            return False
        if port is None or self.port is None:
            return True
        return self.port <= port <= (self.port_end or self.port)


class CloudFirewall(Observation):
    """A cloud security group or provider firewall between the nodes: what it lets in. Overlay
    traffic needs its encapsulation allowed (VXLAN UDP 8472 or 4789, IPIP protocol 4, Geneve UDP
    6081, WireGuard UDP 51820), BGP TCP 179, NodePorts TCP 30000-32767."""

    kind: Literal["cloud_firewall"]
    provider: Literal["aws", "gcp", "azure", "openstack", "alibaba", "vsphere", "proxmox", "other"] | None = None
    name: ShortText | None = Field(None, description="Security group or firewall id.")
    allows: list[CloudAllowance] | None = Field(
        None, description="Inbound allowances between the nodes; [] when it allows nothing; absent: not listed."
    )
    overlay_allowed: bool | None = Field(
        None, description="Derived from the case's CNI mode (kb/paths): the encapsulation passes. May be stated."
    )

    def _allows(self, protocol: str, port: int | None) -> bool | None:
        return None if self.allows is None else any(a.allows(protocol, port) for a in self.allows)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def allows_vxlan(self) -> bool | None:
        """UDP 8472 (flannel, Cilium) or 4789 (Calico, the IANA port)."""
        a, b = self._allows("udp", 8472), self._allows("udp", 4789)
        return None if a is None else bool(a or b)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def allows_ipip(self) -> bool | None:
        return self._allows("ipip", None)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def allows_bgp(self) -> bool | None:
        return self._allows("tcp", 179)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def allows_nodeports(self) -> bool | None:
        """The whole NodePort range TCP 30000-32767 (one port of it is checked at each end)."""
        a = self._allows("tcp", 30000)
        return None if a is None else bool(a and self._allows("tcp", 32767))

    def allows_port(self, protocol: str, port: int | None) -> bool | None:
        """Whether ``protocol``/``port`` passes (None when the allowances are not listed)."""
        return self._allows(protocol, port)
