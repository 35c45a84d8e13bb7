"""Evaluate rendered NetworkPolicies pod by pod, the way a policy-enforcing network plugin would."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .k8s_render import Manifest, objects_of_kind, only_container, pod_templates

NAMESPACE = "mercado"
INGRESS_NAMESPACE = "ingress-nginx"


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    labels: Mapping[str, str]
    named_ports: Mapping[str, int] = field(default_factory=dict)


NAMESPACE_LABELS = {
    name: {"kubernetes.io/metadata.name": name}
    for name in (NAMESPACE, INGRESS_NAMESPACE, "kube-system", "default")
}
INGRESS_CONTROLLER = Pod("ingress-controller", INGRESS_NAMESPACE, {"app.kubernetes.io/name": "ingress-nginx"})
STRANGERS = (
    Pod("pod-in-another-namespace", "default", {"app": "curious"}),
    Pod("debug-pod-in-mercado", NAMESPACE, {"run": "debug"}),
)
CLUSTER_DNS = Pod("cluster-dns", "kube-system", {"k8s-app": "kube-dns"}, {"dns": 53})


def selector_matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Kubernetes label-selector semantics; an empty selector matches everything."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        held = {
            "In": key in labels and labels[key] in values,
            "NotIn": labels.get(key) not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[operator]
        if not held:
            return False
    return True


def workload_pods(manifests: tuple[Manifest, ...]) -> list[Pod]:
    pods = []
    for name, template in pod_templates(manifests).items():
        ports = {port["name"]: port["containerPort"] for port in only_container(template).get("ports", [])}
        pods.append(Pod(name, NAMESPACE, template["metadata"]["labels"], ports))
    return pods


def peer_matches_pod(peer: Manifest, pod: Pod) -> bool:
    if "ipBlock" in peer:
        return False  # address blocks stand for destinations outside the cluster here
    if "namespaceSelector" in peer:
        if not selector_matches(peer["namespaceSelector"], NAMESPACE_LABELS[pod.namespace]):
            return False
    elif pod.namespace != NAMESPACE:
        return False  # a podSelector alone means pods of the policy's own namespace
    return selector_matches(peer.get("podSelector", {}), pod.labels)


def peers_include_pod(peers: list[Manifest] | None, pod: Pod) -> bool:
    """A rule without `from`/`to` admits every peer; otherwise one of its peers must match."""
    return not peers or any(peer_matches_pod(peer, pod) for peer in peers)


def peer_contains_address(peer: Manifest, address: str) -> bool:
    if "ipBlock" not in peer:
        return False
    block = peer["ipBlock"]
    ip = ipaddress.ip_address(address)
    excluded = any(ip in ipaddress.ip_network(cidr) for cidr in block.get("except", []))
    return ip in ipaddress.ip_network(block["cidr"]) and not excluded


def rule_admits_port(rule: Manifest, port: int, protocol: str, destination_ports: Mapping[str, int]) -> bool:
    if not rule.get("ports"):
        return True
    for entry in rule["ports"]:
        if entry.get("protocol", "TCP") != protocol:
            continue
        number = entry.get("port")
        if number is None:
            return True
        if isinstance(number, str):
            number = destination_ports.get(number)
        if number is not None and number <= port <= entry.get("endPort", number):
            return True
    return False


def policy_types(policy: Manifest) -> list[str]:
    declared: list[str] | None = policy["spec"].get("policyTypes")
    if declared is not None:
        return declared
    return ["Ingress", "Egress"] if "egress" in policy["spec"] else ["Ingress"]


def policies_isolating(policies: list[Manifest], pod: Pod, direction: str) -> list[Manifest]:
    if pod.namespace != NAMESPACE:
        return []  # only mercado is governed by these policies; other namespaces are open
    return [
        policy
        for policy in policies
        if direction in policy_types(policy) and selector_matches(policy["spec"]["podSelector"], pod.labels)
    ]


def ingress_allowed(
    policies: list[Manifest], source: Pod, destination: Pod, port: int, protocol: str
) -> bool:
    isolating = policies_isolating(policies, destination, "Ingress")
    if not isolating:
        return True
    return any(
        peers_include_pod(rule.get("from"), source)
        and rule_admits_port(rule, port, protocol, destination.named_ports)
        for policy in isolating
        for rule in policy["spec"].get("ingress", [])
    )


def egress_allowed(policies: list[Manifest], source: Pod, destination: Pod, port: int, protocol: str) -> bool:
    isolating = policies_isolating(policies, source, "Egress")
    if not isolating:
        return True
    return any(
        peers_include_pod(rule.get("to"), destination)
        and rule_admits_port(rule, port, protocol, destination.named_ports)
        for policy in isolating
        for rule in policy["spec"].get("egress", [])
    )


def can_connect(
    policies: list[Manifest], source: Pod, destination: Pod, port: int, protocol: str = "TCP"
) -> bool:
    """Both ends must allow it: the source's egress and the destination's ingress."""
    return egress_allowed(policies, source, destination, port, protocol) and ingress_allowed(
        policies, source, destination, port, protocol
    )


def can_reach_address(policies: list[Manifest], source: Pod, address: str, port: int) -> bool:
    isolating = policies_isolating(policies, source, "Egress")
    return not isolating or any(
        (not rule.get("to") or any(peer_contains_address(peer, address) for peer in rule["to"]))
        and rule_admits_port(rule, port, "TCP", {})
        for policy in isolating
        for rule in policy["spec"].get("egress", [])
    )


def network_policies(manifests: tuple[Manifest, ...]) -> list[Manifest]:
    return list(objects_of_kind(manifests, "NetworkPolicy").values())


def everyone(manifests: tuple[Manifest, ...]) -> Iterator[Pod]:
    yield from workload_pods(manifests)
    yield INGRESS_CONTROLLER
    yield from STRANGERS


def workload_pod(manifests: tuple[Manifest, ...], name: str) -> Pod:
    return next(pod for pod in workload_pods(manifests) if pod.name == name)


def admitted_by(manifests: tuple[Manifest, ...], destination_name: str, port: int) -> set[str]:
    """Who the destination's own ingress rules let in, whatever the senders' egress rules say."""
    policies = network_policies(manifests)
    destination = workload_pod(manifests, destination_name)
    return {
        pod.name for pod in everyone(manifests) if ingress_allowed(policies, pod, destination, port, "TCP")
    }


def who_can_reach(manifests: tuple[Manifest, ...], destination_name: str, port: int) -> set[str]:
    """Who can open a connection: the sender's egress and the destination's ingress both allow it."""
    policies = network_policies(manifests)
    destination = workload_pod(manifests, destination_name)
    return {pod.name for pod in everyone(manifests) if can_connect(policies, pod, destination, port)}
