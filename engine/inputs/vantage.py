"""Where a command ran, relative to the failing connection (the observation's ``at``).

Mapping, applied after the endpoints are known (given or inferred):

* ``kubectl get/logs`` output                              -> ``control_plane``
* a Pod host (``kubectl exec POD --``, ``/ # `` prompt, a hostname that ``kubectl get pods`` lists):
  the source Pod's name -> ``source_pod``; the destination Pod or a backend Pod -> ``destination_pod``;
  an unnamed Pod shell (busybox ``/ # `` with no ``kubectl exec`` before it, ``nsenter``) ->
  ``source_pod`` when the source is a Pod, else ``other_pod``; any other Pod -> ``other_pod``
* a named host whose own ``ip addr`` shows a Pod (an address in a PodCIDR, no Pod bridge or
  tunnel): ``source_pod`` / ``destination_pod`` when it owns that end's address (or a backend's)
* a named host (``[root@node1 ~]#``, ``root@node1:~#``, a sub-folder named after it): the source
  node (the source itself, or the node its Pod runs on) -> ``source_node``; the destination node or
  a backend's node -> ``destination_node``; any other -> ``other_node``. Names match case-blind, also
  by their first label (``node1`` = ``node1.example.com``), or by an address the host's own
  ``ip addr`` shows.
* a sub-folder named ``source``, ``source-node``, ``source-pod``, ``destination``, ``destination-node``,
  ``destination-pod`` or ``control-plane``: that vantage
* a host whose vantage the user fixed (``podnet collect --as ROLE``): that vantage
* no host at all (``$ `` prompt, or a file without a prompt): the source (``source_pod`` or
  ``source_node`` by the source's kind); a warning says so
* a Windows prompt: a workstation outside the cluster: ``source_node`` when the failing probe ran
  there (the source is then named ``workstation``), else ``other_node``
"""

from __future__ import annotations

from ..facts.base import Vantage
from .model import Host

WORKSTATION = "workstation"
"""Source name given to a Windows machine outside the cluster that ran the failing command."""

FOLDER_VANTAGES: dict[str, Vantage | None] = {
    "source": None,
    "source-node": "source_node",
    "source_node": "source_node",
    "source-pod": "source_pod",
    "source_pod": "source_pod",
    "destination": None,
    "destination-node": "destination_node",
    "destination_node": "destination_node",
    "destination-pod": "destination_pod",
    "destination_pod": "destination_pod",
    "control-plane": "control_plane",
    "control_plane": "control_plane",
}


def same_name(a: str | None, b: str | None) -> bool:
    """Host names equal, case-blind, or equal in their first label."""
    if not a or not b:
        return False
    a, b = a.lower(), b.lower()
    return a == b or a.split(".")[0] == b.split(".")[0]


def vantage(host: Host | None, endpoints: dict, pod_names: set[str], host_ips: dict[str, set[str]],
            pod_hosts: set[str] | frozenset[str] = frozenset()) -> tuple[Vantage, str | None, bool]:
    """(at, host name, assumed) for a command's host; ``assumed`` when the input did not say.

    ``pod_hosts``: named hosts whose own ``ip addr`` shows a Pod (an address in a PodCIDR, no Pod
    bridge or tunnel); such a host owning the source's or the destination's address is that end."""
    src = endpoints.get("source") or {}
    dst = endpoints.get("destination") or {}
    backends = dst.get("backends") or []
    if host is None or (host.kind is None and host.name is None):
        return ("source_pod" if src.get("kind") == "pod" else "source_node"), src.get("name"), True
    if host.vantage is not None:
        return host.vantage, host.name, False
    if host.kind == "control":
        return "control_plane", host.name, False
    if host.kind == "workstation":
        # The machine outside the cluster is the source when the failing probe ran there.
        return ("source_node" if src.get("kind") == "node" and src.get("name") == WORKSTATION else "other_node"), host.name, False
    name = host.name
    if host.how == "folder" and name and name.lower() in FOLDER_VANTAGES:
        fixed = FOLDER_VANTAGES[name.lower()]
        if fixed is None:  # "source" or "destination": the end's Pod or node, by its kind
            side = src if name.lower() == "source" else dst
            if name.lower() == "source":
                fixed = "source_pod" if side.get("kind") == "pod" else "source_node"
            else:
                fixed = "destination_pod" if side.get("kind") == "pod" else "destination_node"
        side = src if fixed.startswith("source") else dst
        if fixed.endswith("pod"):
            return fixed, side.get("name") if side.get("kind") == "pod" else None, False
        # the end's node: its own name when the end is a node, never a Service's or a Pod's name
        return fixed, side.get("node") or (side.get("name") if side.get("kind") == "node" else None), False
    is_pod = host.kind == "pod" or (host.kind is None and (any(same_name(name, p) for p in pod_names) or name in pod_hosts))
    if is_pod:
        if name is None and host.node:
            # A container entered on a node: the case's Pod on that node, when there is exactly one.
            on_node: list[tuple[Vantage, str | None]] = [("source_pod", src.get("name"))] if src.get("kind") == "pod" and same_name(src.get("node"), host.node) else []
            if dst.get("kind") == "pod" and same_name(dst.get("node"), host.node):
                on_node.append(("destination_pod", dst.get("name")))
            on_node += [("destination_pod", b.get("pod")) for b in backends if same_name(b.get("node"), host.node)]
            if len({at for at, _ in on_node}) == 1:
                return on_node[0][0], on_node[0][1], False
            return "other_pod", None, False
        if name is None:
            return ("source_pod", src.get("name"), True) if src.get("kind") == "pod" else ("other_pod", None, False)
        own = host_ips.get(name, set())
        if src.get("kind") == "pod" and (same_name(name, src.get("name")) or src.get("ip") in own):
            return "source_pod", name, False
        if dst.get("kind") == "pod" and dst.get("ip") in own or any(b.get("ip") in own for b in backends):
            return "destination_pod", name, False
        if dst.get("kind") == "pod" and same_name(name, dst.get("name")) or any(same_name(name, b.get("pod")) for b in backends):
            return "destination_pod", name, False
        return "other_pod", name, False
    ips = host_ips.get(name or "", set())
    source_nodes = [src.get("node"), src.get("name") if src.get("kind") == "node" else None]
    if any(same_name(name, n) for n in source_nodes) or (src.get("node_ip") in ips) or (src.get("kind") == "node" and src.get("ip") in ips):
        return "source_node", name, False
    dest_nodes = [dst.get("node"), dst.get("name") if dst.get("kind") == "node" else None, *(b.get("node") for b in backends)]
    dest_ips = {dst.get("node_ip"), *(b.get("node_ip") for b in backends)} - {None}
    if dst.get("kind") == "node" and dst.get("ip"):
        dest_ips.add(dst["ip"])
    if any(same_name(name, n) for n in dest_nodes) or ips & dest_ips:
        return "destination_node", name, False
    return "other_node", name, False
