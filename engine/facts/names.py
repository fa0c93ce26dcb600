"""What a looked-up name is: a cluster name, a short name the search list expands, or an outside
name; written fully qualified (a final dot) or not. Rules read these through derived fields of
``dns_lookup`` and ``latency``."""

from __future__ import annotations

from typing import Literal

NameScope = Literal["cluster", "short", "external"]

CLUSTER_SUFFIXES = (".cluster.local", ".svc", ".pod")
"""Endings of names only the cluster DNS answers (the default cluster domain and its zones)."""

SYSTEM_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
"""Namespaces every cluster has: ``<service>.<one of them>`` (``kubernetes.default``, the first name
Kubernetes' DNS debugging page looks up) is a Service name the search list completes, not an
outside name (round 8's busybox ticket read ``kubernetes.default`` as an outside name)."""


def name_key(name: str) -> str:
    """The name compared across observations: lower case, without the final dot."""
    return name.rstrip(".").lower()


def name_scope(name: str) -> NameScope:
    """``cluster`` for ``*.cluster.local`` and ``<svc>.<ns>.svc`` names, ``short`` for one label or
    ``<svc>.<system namespace>`` (a Service name the search list completes), else ``external``."""
    key = name_key(name)
    if key.endswith(CLUSTER_SUFFIXES) or ".svc." in key or key == "cluster.local":
        return "cluster"
    labels = key.split(".")
    return "short" if len(labels) == 1 or (len(labels) == 2 and labels[1] in SYSTEM_NAMESPACES) else "external"


def name_dots(name: str) -> int:
    """Dots in the name (a final dot not counted): resolv.conf's ``ndots`` is compared with it."""
    return name_key(name).count(".")
