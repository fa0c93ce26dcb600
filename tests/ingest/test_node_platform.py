"""Where the nodes run (``cluster.platform``) from ``kubectl get nodes -o yaml/json``: the providerID's
scheme names the cloud, a managed service's node-pool label the service; nodes of two clouds, or
nodes without a providerID (kubeadm on bare metal, Vagrant), name none."""

from __future__ import annotations

import json
from pathlib import Path

from podnet.inputs.ingest import ingest
from podnet.inputs.raw.kubectl import node_platform


def _node(name: str, provider: str | None, labels: dict[str, str] | None = None) -> dict:
    spec = {"podCIDR": "198.18.1.0/24"} | ({"providerID": provider} if provider else {})
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": spec,
            "status": {"addresses": [{"type": "InternalIP", "address": f"198.19.0.{len(name)}"}],
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def _platform(tmp_path: Path, *nodes: dict) -> str | None:
    paste = tmp_path / "paste.txt"
    paste.write_text("$ kubectl get nodes -o json\n" + json.dumps({"kind": "List", "items": list(nodes)}, indent=2) + "\n")
    ctx = {"endpoints": {"source": {"kind": "pod"}, "destination": {"kind": "pod", "ip": "198.18.2.7"}}}
    platform = ingest(paste, context=ctx).facts.cluster.platform
    return None if platform == "unknown" else platform


def test_provider_id_names_the_cloud(tmp_path: Path) -> None:
    assert _platform(tmp_path, _node("ip-198-19-0-1.ec2.internal", "aws:///eu-west-1a/i-0abc"), _node("n2", "aws:///eu-west-1b/i-0def")) == "aws"
    assert _platform(tmp_path, _node("master", "openstack:///6c0f0b5e-1c5a-4f0e-9e0b-4c2a3f1d2e3f")) == "openstack"
    assert _platform(tmp_path, _node("kind-control-plane", "kind://docker/kind/kind-control-plane")) == "local"


def test_a_managed_node_pool_label_names_the_service(tmp_path: Path) -> None:
    eks = _node("ip-198-19-0-2.ec2.internal", "aws:///us-east-1a/i-0abc", {"eks.amazonaws.com/nodegroup": "ng-1"})
    assert _platform(tmp_path, eks) == "eks"
    gke = _node("gke-c1-default-pool-1a2b3c4d-x1y2", "gce://proj/us-central1-a/gke-c1-default-pool-1a2b3c4d-x1y2",
                {"cloud.google.com/gke-nodepool": "default-pool"})
    assert _platform(tmp_path, gke) == "gke"
    assert node_platform("azure:///subscriptions/x/resourceGroups/mc_rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-np-1/virtualMachines/0",
                         {"kubernetes.azure.com/cluster": "mc_rg"}) == "aks"


def test_near_misses_name_no_platform(tmp_path: Path) -> None:
    # kubeadm on bare metal or Vagrant VMs: no providerID, no label
    assert _platform(tmp_path, _node("node-1", None), _node("node-2", None)) is None
    # nodes in two clouds: no single platform
    assert _platform(tmp_path, _node("a", "aws:///x/i-1"), _node("b", "gce://p/z/b")) is None
    # a label that merely mentions a cloud word is not a managed pool's label
    assert node_platform(None, {"topology.kubernetes.io/zone": "eks-like-zone"}) is None
