"""Per-CNI path knowledge (``kb/paths/<cni>-<mode>.yaml``), checked on load; the subpackage's texts
(``kb/messages/path.yaml``) through :func:`text`."""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import FactFileError, KnowledgeError
from ..knowledge.model import Lang, Text



class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class DeviceSpec(_Strict):
    """Conventional name of a device and the pattern that recognises it in a case."""

    name: str = Field(min_length=1)
    match: str

    @field_validator("match")
    @classmethod
    def _regex(cls, v: str) -> str:
        re.compile(v)
        return v


class Encapsulation(_Strict):
    kind: Literal["vxlan", "ipip", "geneve", "wireguard", "sleeve"]
    filter: str = Field(description="tcpdump expression matching the encapsulated packets.")
    overhead: int = Field(ge=0, description="Bytes the encapsulation adds over IPv4: the tunnel MTU must leave them free on the host NIC.")
    overhead_ipv6: int | None = Field(None, ge=0, description="The same over IPv6, when it differs.")
    protocol: Literal["udp", "ipip"] = Field("udp", description="What carries it between the nodes: UDP, or IP protocol 4.")
    port: int | None = Field(None, ge=1, le=65535, description="The UDP port a firewall between the nodes must let through.")


DeviceRole = Literal["pod", "veth", "bridge", "tunnel", "host_nic"]
"""The interfaces a path profile names: a Pod's eth0, its veth, the bridge, the tunnel device, the node's NIC."""


class PathProfile(_Strict):
    """The device chain of one CNI mode."""

    id: str
    cni: str
    mode: str
    default_for_cni: bool = False
    title: Text
    devices: dict[DeviceRole, DeviceSpec]
    encapsulation: Encapsulation | None = None
    tunnel_address: Literal["pod_cidr_network"] | None = None
    bridge_address: Literal["pod_cidr_first"] | None = None

    def has(self, role: str) -> bool:
        return role in self.devices

    def role_of(self, interface: str) -> str | None:
        """The role an interface name plays in this profile (None when nothing matches)."""
        for role, spec in self.devices.items():
            if role != "pod" and re.search(spec.match, interface):
                return role
        return None


class Segment(_Strict):
    suspects: list[str] = Field(default_factory=list)
    service_suspects: list[str] = Field(default_factory=list)
    explanation: Text


class LocalizeKnowledge(_Strict):
    segments: dict[str, Segment]
    evidence: dict[str, Segment]


def _paths_root() -> Any:
    return resources.files("podnet.kb") / "paths"


def _read(name: str) -> Any:
    """The YAML document of ``kb/paths/NAME`` (every one parsed once, and cached on disk as JSON
    by :func:`podnet.knowledge.cache.cached_plain`: a run with captures parses no YAML)."""
    documents = _documents()
    if name not in documents:
        raise KnowledgeError("file is missing", location=f"kb/paths/{name}", code="E-KB-MISSING")
    return documents[name]


@functools.lru_cache(maxsize=1)
def _documents() -> dict[str, Any]:
    from ..knowledge.cache import cached_plain, plain_data

    root = _paths_root()

    def build() -> dict[str, Any]:
        names = sorted(item.name for item in root.iterdir() if item.name.endswith(".yaml"))
        return {name: _parse(name) for name in names}

    def back(data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ValueError("not a mapping of file names")
        return plain_data(data)  # type: ignore[no-any-return]

    return cached_plain("paths", [root], build, plain_data, back)  # type: ignore[no-any-return]


def _parse(name: str) -> Any:
    import yaml

    origin = f"kb/paths/{name}"
    try:
        return yaml.load((_paths_root() / name).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        raise KnowledgeError("file is missing", location=origin, code="E-KB-MISSING") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{origin}:{mark.line + 1}" if mark else origin
        raise KnowledgeError(f"invalid YAML: {getattr(exc, 'problem', exc)}", location=where, code="E-KB-YAML") from None


def _validate(model: type[BaseModel], data: Any, origin: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise KnowledgeError(err["msg"], location=f"{origin}: {loc}", code="E-KB-SCHEMA") from None


@functools.lru_cache(maxsize=1)
def profiles() -> dict[str, PathProfile]:
    """Every ``<cni>-<mode>.yaml`` profile, by id."""
    out: dict[str, PathProfile] = {}
    for item in sorted(_paths_root().iterdir(), key=lambda p: p.name):
        name = item.name
        if not name.endswith(".yaml") or name == "localize.yaml":
            continue
        prof = _validate(PathProfile, _read(name), f"kb/paths/{name}")
        if f"{prof.id}.yaml" != name or prof.id != f"{prof.cni}-{prof.mode}":
            raise KnowledgeError("id must be <cni>-<mode> and match the file name", location=f"kb/paths/{name}: id", code="E-KB-SCHEMA")
        out[prof.id] = prof
    return out


CNI_NETWORKING = {"canal": "flannel"}
"""CNIs whose Pod network is another CNI's: canal is flannel's network with Calico's policy."""

GENERIC = "unknown-unknown"
"""The profile of an unknown CNI: the Pod, its veth and the node NIC only."""


def profile_for(cni: str, mode: str, fallback: bool = False) -> tuple[PathProfile, list[str]]:
    """The profile of a cluster's CNI and mode, and notes about assumptions made to choose it.

    An unknown mode is the CNI's default mode. Without ``fallback`` a CNI or mode with no profile is
    ``E-PATH-UNSUPPORTED``; with it (the capture plan) a mode the CNI lacks is its default mode and
    an unknown CNI the generic profile (Pod, veth, node NIC), each said in the notes."""
    table = profiles()
    notes: list[str] = []
    if cni in CNI_NETWORKING:
        notes.append(f"cni_network:{cni}")
        cni = CNI_NETWORKING[cni]
    if f"{cni}-{mode}" in table:
        return table[f"{cni}-{mode}"], notes
    supported = ", ".join(f"{p.cni} {p.mode}" for p in table.values() if p.id != GENERIC)
    known_cni = any(p.cni == cni for p in table.values() if p.id != GENERIC)
    if mode in ("unknown", "other") or (fallback and known_cni):
        for prof in table.values():
            if prof.cni == cni and prof.default_for_cni:
                return prof, notes + [f"mode:{prof.mode}" if mode in ("unknown", "other") else f"mode_unsupported:{mode}"]
    if fallback:
        return table[GENERIC], notes + [f"cni_unknown:{cni}"]
    where = "$.cluster.mode" if known_cni else "$.cluster.cni"
    raise FactFileError(
        f"no packet path known for CNI {cni!r} mode {mode!r} (known: {supported})",
        location=where,
        code="E-PATH-UNSUPPORTED",
    )


@functools.lru_cache(maxsize=1)
def localize_knowledge() -> LocalizeKnowledge:
    return _validate(LocalizeKnowledge, _read("localize.yaml"), "kb/paths/localize.yaml")


def text(key: str, lang: Lang, **values: Any) -> str:
    """The text ``key`` of the ``path`` area of the text catalogue (``kb/messages/path.yaml``) in
    ``lang`` with ``values`` filled in."""
    from ..messages import render

    return render("path", key, lang, values)
