"""Render deploy/k8s with `kubectl kustomize` and look up objects, containers and values in the result."""

from __future__ import annotations

import base64
import functools
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
TARGETS = {"base": K8S / "base", "dev": K8S / "overlays" / "dev", "prod": K8S / "overlays" / "prod"}

Manifest = dict[str, Any]


def kubectl_binary() -> str:
    found = shutil.which("kubectl")
    if found is None:
        pytest.fail(
            "kubectl is not on PATH; the Kubernetes manifests are rendered with `kubectl kustomize` "
            "(install kubectl >= 1.27, which bundles kustomize)",
            pytrace=False,
        )
    return found


@functools.cache
def render(target: str) -> tuple[Manifest, ...]:
    """`kubectl kustomize` of base, dev or prod, as a list of objects."""
    result = subprocess.run(
        [kubectl_binary(), "kustomize", str(TARGETS[target])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"kubectl kustomize {target} failed:\n{result.stderr}"
    return tuple(document for document in yaml.safe_load_all(result.stdout) if document)


def objects_of_kind(manifests: tuple[Manifest, ...], kind: str) -> dict[str, Manifest]:
    return {item["metadata"]["name"]: item for item in manifests if item["kind"] == kind}


def one_object(manifests: tuple[Manifest, ...], kind: str, name: str) -> Manifest:
    found = objects_of_kind(manifests, kind)
    assert name in found, f"no {kind} {name}; have {sorted(found)}"
    return found[name]


def pod_templates(manifests: tuple[Manifest, ...]) -> dict[str, Manifest]:
    """Workload name -> pod template, for Deployments, StatefulSets and Jobs."""
    return {
        item["metadata"]["name"]: item["spec"]["template"]
        for item in manifests
        if item["kind"] in ("Deployment", "StatefulSet", "Job")
    }


def only_container(template: Manifest) -> Manifest:
    containers = template["spec"]["containers"]
    assert len(containers) == 1
    container: Manifest = containers[0]
    return container


def environment_of(manifests: tuple[Manifest, ...], container: Manifest) -> dict[str, Any]:
    """Variable -> literal value (from `env` or an envFrom ConfigMap) or the `valueFrom` mapping."""
    configmaps = objects_of_kind(manifests, "ConfigMap")
    variables: dict[str, Any] = {}
    for source in container.get("envFrom", []):
        name = source["configMapRef"]["name"]
        assert name in configmaps, f"envFrom names a ConfigMap that is not rendered: {name}"
        variables.update(configmaps[name]["data"])
    for variable in container.get("env", []):
        variables[variable["name"]] = variable.get("value", variable.get("valueFrom"))
    return variables


def configmap_value(manifests: tuple[Manifest, ...], prefix: str, key: str) -> str:
    """A key of the ConfigMap generated as `<prefix>-<hash>`."""
    for name, configmap in objects_of_kind(manifests, "ConfigMap").items():
        if name.startswith(f"{prefix}-") and key in configmap["data"]:
            value: str = configmap["data"][key]
            return value
    raise AssertionError(f"no ConfigMap {prefix}-* with key {key}")


def decoded_secret(manifests: tuple[Manifest, ...], prefix: str, key: str) -> str:
    """A key of the Secret generated as `<prefix>-<hash>`."""
    for name, secret in objects_of_kind(manifests, "Secret").items():
        if name.startswith(f"{prefix}-") and key in secret["data"]:
            return base64.b64decode(secret["data"][key]).decode()
    raise AssertionError(f"no Secret {prefix}-* with key {key}")


def container_port(container: Manifest, port: int | str) -> int:
    """The number a probe's port means: a number as is, a name through the container's ports."""
    if isinstance(port, int):
        assert port in {entry["containerPort"] for entry in container["ports"]}, f"port {port} not exposed"
        return port
    by_name = {entry["name"]: entry["containerPort"] for entry in container["ports"]}
    assert port in by_name, f"named port {port} not exposed"
    number: int = by_name[port]
    return number
