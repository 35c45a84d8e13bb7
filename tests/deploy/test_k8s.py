"""deploy/k8s renders with kustomize, passes the Kubernetes schemas and keeps what operators rely on.

Rendering needs `kubectl` (it bundles kustomize); no cluster is used. The NetworkPolicies are checked
by evaluating them pod by pod (network_policies.py), the way a policy-enforcing network plugin would.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
from pydantic_settings import BaseSettings

from billing.settings import BillingSettings
from chassis.grpc_server import LIVENESS_SERVICE
from edge_gateway.settings import EdgeSettings
from inventory.settings import InventorySettings
from shipping.settings import ShippingSettings

from .k8s_render import (
    TARGETS,
    Manifest,
    configmap_value,
    container_port,
    decoded_secret,
    environment_of,
    objects_of_kind,
    one_object,
    only_container,
    pod_templates,
    render,
)
from .network_policies import (
    CLUSTER_DNS,
    admitted_by,
    can_connect,
    can_reach_address,
    network_policies,
    policy_types,
    selector_matches,
    who_can_reach,
    workload_pods,
)

OVERLAYS = ("dev", "prod")
# The kubectl the manifests are developed with (1.32) and the newest schemas kubernetes-validate has.
# Native gRPC probes are GA since 1.27 and the preStop sleep action is on by default since 1.30.
KUBERNETES_VERSIONS = ("1.32.0", "1.37.0")

GRPC_PORTS = {"inventory": 50051, "billing": 50052, "shipping": 50053}
SERVICES = tuple(GRPC_PORTS)
EDGE = "edge-gateway"
EDGE_PORT = 8080
DEPLOYABLES = (*SERVICES, EDGE)
MIGRATIONS = tuple(f"{service}-migrate" for service in SERVICES)
DATABASE_CLIENTS = {*SERVICES, *MIGRATIONS}
ENV_PREFIX = {"inventory": "INVENTORY", "billing": "BILLING", "shipping": "SHIPPING", EDGE: "EDGE"}
# Every address a caller dials, and the deployable behind it (SPEC §3: who calls whom).
CALLER_ADDRESSES = {
    "EDGE_INVENTORY_ADDR": (EDGE, "inventory"),
    "EDGE_BILLING_ADDR": (EDGE, "billing"),
    "EDGE_SHIPPING_ADDR": (EDGE, "shipping"),
    "INVENTORY_SHIPPING_ADDR": ("inventory", "shipping"),
    "BILLING_SHIPPING_ADDR": ("billing", "shipping"),
}


# --- schema validation ----------------------------------------------------------------------------


def schema_errors(manifests: tuple[Manifest, ...], version: str) -> list[str]:
    errors = []
    for item in manifests:
        try:
            kubernetes_validate.validate(item, version, strict=True)
        except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as error:
            errors.append(f"{item['kind']}/{item['metadata']['name']}: {error}")
    return errors


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("target", TARGETS)
def test_every_rendered_manifest_passes_strict_schema_validation(target: str, version: str) -> None:
    manifests = render(target)
    assert len(manifests) > 20
    assert schema_errors(manifests, version) == []


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_strict_validation_rejects_a_misspelt_field(version: str) -> None:
    # Proves the check above can fail: strict mode refuses what the API server would silently drop.
    deployment = one_object(render("base"), "Deployment", "inventory")
    broken = {**deployment, "spec": {**deployment["spec"], "replicaz": 2}}
    assert len(schema_errors((broken,), version)) == 1


# --- workloads ------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("service", SERVICES)
def test_services_have_native_grpc_probes_on_their_grpc_port(target: str, service: str) -> None:
    container = only_container(one_object(render(target), "Deployment", service)["spec"]["template"])
    assert container_port(container, "grpc") == GRPC_PORTS[service]
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["grpc"]["port"] == GRPC_PORTS[service], probe
    # Readiness follows the overall status (database and NATS); liveness only the process itself.
    assert container["readinessProbe"]["grpc"].get("service", "") == ""
    assert container["livenessProbe"]["grpc"]["service"] == LIVENESS_SERVICE


@pytest.mark.parametrize("target", TARGETS)
def test_edge_has_http_liveness_on_healthz_and_readiness_on_readyz(target: str) -> None:
    container = only_container(one_object(render(target), "Deployment", EDGE)["spec"]["template"])
    liveness = container["livenessProbe"]["httpGet"]
    readiness = container["readinessProbe"]["httpGet"]
    assert (liveness["path"], container_port(container, liveness["port"])) == ("/healthz", EDGE_PORT)
    assert (readiness["path"], container_port(container, readiness["port"])) == ("/readyz", EDGE_PORT)


@pytest.mark.parametrize("target", TARGETS)
def test_every_container_requests_and_limits_cpu_and_memory(target: str) -> None:
    for workload, template in pod_templates(render(target)).items():
        resources = only_container(template)["resources"]
        for bound in ("requests", "limits"):
            assert set(resources[bound]) >= {"cpu", "memory"}, f"{workload} {bound}"


def hardening_problems(workload: str, template: Manifest) -> list[str]:
    pod = template["spec"]
    container = only_container(template)
    pod_context = pod.get("securityContext", {})
    context = {**pod_context, **container.get("securityContext", {})}
    expected = {
        "runAsNonRoot": True,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    problems = [
        f"{workload}: {key} is {context.get(key)!r}"
        for key, value in expected.items()
        if context.get(key) != value
    ]
    for identity in ("runAsUser", "runAsGroup"):
        if not isinstance(context.get(identity), int) or context[identity] == 0:
            problems.append(f"{workload}: {identity} must be a numeric non-root id")
    if pod.get("automountServiceAccountToken") is not False:
        problems.append(f"{workload}: mounts a service account token")
    return problems


@pytest.mark.parametrize("target", TARGETS)
def test_every_pod_runs_hardened(target: str) -> None:
    problems = [
        problem
        for workload, template in pod_templates(render(target)).items()
        for problem in hardening_problems(workload, template)
    ]
    assert problems == []


@pytest.mark.parametrize("target", TARGETS)
def test_mercado_containers_write_only_to_an_emptydir_tmp(target: str) -> None:
    for workload in (*DEPLOYABLES, *MIGRATIONS):
        template = pod_templates(render(target))[workload]
        volumes = {volume["name"]: volume for volume in template["spec"]["volumes"]}
        mounts = {mount["mountPath"]: mount["name"] for mount in only_container(template)["volumeMounts"]}
        assert list(mounts) == ["/tmp"], workload
        assert "emptyDir" in volumes[mounts["/tmp"]], workload


@pytest.mark.parametrize("target", TARGETS)
def test_mercado_pods_get_no_service_link_variables(target: str) -> None:
    # Service links would add variables such as EDGE_GATEWAY_PORT=tcp://10.0.0.1:8080 next to the
    # EDGE_* settings; one Service named like a setting prefix would break start-up.
    templates = pod_templates(render(target))
    for workload in (*DEPLOYABLES, *MIGRATIONS):
        assert templates[workload]["spec"]["enableServiceLinks"] is False, workload


@pytest.mark.parametrize("target", TARGETS)
def test_every_image_is_pinned_to_a_tag_other_than_latest(target: str) -> None:
    for workload, template in pod_templates(render(target)).items():
        image = only_container(template)["image"]
        name, _, tag = image.rpartition(":")
        assert name, f"{workload}: {image} has no tag"
        assert "/" not in tag, f"{workload}: {image} has no tag"
        assert tag != "latest", f"{workload}: {image}"


@pytest.mark.parametrize("target", TARGETS)
def test_database_urls_and_the_jwt_secret_are_read_from_secrets(target: str) -> None:
    manifests = render(target)
    templates = pod_templates(manifests)
    expected = {service: f"{ENV_PREFIX[service]}_DATABASE_URL" for service in SERVICES}
    expected |= {f"{service}-migrate": f"{ENV_PREFIX[service]}_DATABASE_URL" for service in SERVICES}
    expected[EDGE] = "EDGE_JWT_SECRET"
    for workload, variable in expected.items():
        value = environment_of(manifests, only_container(templates[workload]))[variable]
        assert isinstance(value, dict), f"{workload} {variable} is a literal"
        assert set(value) == {"secretKeyRef"}, f"{workload} {variable}: {value!r}"
    for configmap in objects_of_kind(manifests, "ConfigMap").values():
        assert not any(key.endswith(("_DATABASE_URL", "_JWT_SECRET")) for key in configmap.get("data", {}))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("service", SERVICES)
def test_services_listen_on_all_interfaces_and_leave_migrating_to_the_job(target: str, service: str) -> None:
    manifests = render(target)
    environment = environment_of(manifests, only_container(pod_templates(manifests)[service]))
    prefix = ENV_PREFIX[service]
    assert environment[f"{prefix}_GRPC_HOST"] == "0.0.0.0"
    assert environment[f"{prefix}_GRPC_PORT"] == str(GRPC_PORTS[service])
    assert environment[f"{prefix}_MIGRATE"] == "false"
    assert environment[f"{prefix}_NATS_URL"] == "nats://nats:4222"


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_a_migration_job_on_the_same_image(target: str, service: str) -> None:
    templates = pod_templates(render(target))
    job = only_container(templates[f"{service}-migrate"])
    server = only_container(templates[service])
    assert job["command"] == ["python", "-m", f"{service}.migrations"]
    assert job["image"] == server["image"]
    assert job["securityContext"] == server["securityContext"]


def headless_service_behind(manifests: tuple[Manifest, ...], address: str) -> tuple[Manifest, int]:
    match = re.fullmatch(r"dns:///([a-z0-9-]+):(\d+)", address)
    assert match, f"{address} is not a dns:///<service>:<port> target"
    service = one_object(manifests, "Service", match.group(1))
    assert service["spec"].get("clusterIP") == "None", f"{match.group(1)} is not headless"
    return service, int(match.group(2))


@pytest.mark.parametrize("target", TARGETS)
def test_callers_dial_headless_services_for_client_side_round_robin(target: str) -> None:
    manifests = render(target)
    templates = pod_templates(manifests)
    for variable, (caller, callee) in CALLER_ADDRESSES.items():
        address = environment_of(manifests, only_container(templates[caller]))[variable]
        service, port = headless_service_behind(manifests, address)
        callee_labels = templates[callee]["metadata"]["labels"]
        assert selector_matches({"matchLabels": service["spec"]["selector"]}, callee_labels), variable
        assert port == GRPC_PORTS[callee]
        assert port in {entry["port"] for entry in service["spec"]["ports"]}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("deployable", DEPLOYABLES)
def test_each_deployable_has_a_cpu_autoscaler_and_a_disruption_budget(target: str, deployable: str) -> None:
    manifests = render(target)
    deployment = one_object(manifests, "Deployment", deployable)
    # The autoscaler owns the replica count; a fixed one would be reset on every apply.
    assert "replicas" not in deployment["spec"]
    autoscalers = [
        hpa
        for hpa in objects_of_kind(manifests, "HorizontalPodAutoscaler").values()
        if hpa["spec"]["scaleTargetRef"]
        == {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployable}
    ]
    assert len(autoscalers) == 1
    assert autoscalers[0]["apiVersion"] == "autoscaling/v2"
    assert [metric["resource"]["name"] for metric in autoscalers[0]["spec"]["metrics"]] == ["cpu"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    budgets = [
        pdb
        for pdb in objects_of_kind(manifests, "PodDisruptionBudget").values()
        if selector_matches(pdb["spec"]["selector"], pod_labels)
    ]
    assert len(budgets) == 1
    assert len({"minAvailable", "maxUnavailable"} & set(budgets[0]["spec"])) == 1


@pytest.mark.parametrize("target", TARGETS)
def test_the_namespace_denies_all_traffic_unless_a_policy_allows_it(target: str) -> None:
    default_deny = [
        policy
        for policy in network_policies(render(target))
        if policy["spec"]["podSelector"] == {}
        and sorted(policy_types(policy)) == ["Egress", "Ingress"]
        and not policy["spec"].get("ingress")
        and not policy["spec"].get("egress")
    ]
    assert len(default_deny) == 1


EXPECTED_CALLERS = {
    (EDGE, EDGE_PORT): {"ingress-controller"},
    ("inventory", 50051): {EDGE},
    ("billing", 50052): {EDGE},
    ("shipping", 50053): {EDGE, "inventory", "billing"},
    ("nats", 4222): {"inventory", "billing", "shipping"},
    ("nats", 6222): {"nats"},
}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(("destination", "port"), EXPECTED_CALLERS)
def test_each_port_admits_only_the_callers_the_saga_needs(target: str, destination: str, port: int) -> None:
    assert admitted_by(render(target), destination, port) == EXPECTED_CALLERS[(destination, port)]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(("destination", "port"), EXPECTED_CALLERS)
def test_each_caller_is_allowed_out_to_what_it_calls(target: str, destination: str, port: int) -> None:
    assert who_can_reach(render(target), destination, port) == EXPECTED_CALLERS[(destination, port)]


@pytest.mark.parametrize("target", TARGETS)
def test_no_pod_admits_traffic_on_a_port_it_does_not_serve(target: str) -> None:
    manifests = render(target)
    for pod in workload_pods(manifests):
        assert admitted_by(manifests, pod.name, 22) == set(), pod.name


@pytest.mark.parametrize("target", TARGETS)
def test_every_pod_can_resolve_names_but_not_reach_the_internet(target: str) -> None:
    manifests = render(target)
    policies = network_policies(manifests)
    for pod in workload_pods(manifests):
        assert can_connect(policies, pod, CLUSTER_DNS, 53, "UDP"), pod.name
        assert not can_reach_address(policies, pod, "203.0.113.7", 443), pod.name


def test_dev_postgres_accepts_only_the_services_and_their_migrations() -> None:
    assert admitted_by(render("dev"), "postgres", 5432) == DATABASE_CLIENTS
    assert who_can_reach(render("dev"), "postgres", 5432) == DATABASE_CLIENTS


def test_prod_database_egress_admits_only_the_services_and_their_migrations() -> None:
    manifests = render("prod")
    policy = one_object(manifests, "NetworkPolicy", "database-egress")
    address = str(next(ipaddress.ip_network(policy["spec"]["egress"][0]["to"][0]["ipBlock"]["cidr"]).hosts()))
    policies = network_policies(manifests)
    allowed = {
        pod.name for pod in workload_pods(manifests) if can_reach_address(policies, pod, address, 5432)
    }
    assert allowed == DATABASE_CLIENTS


# --- NATS -----------------------------------------------------------------------------------------


def nats_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    found = str(beside_python) if beside_python.exists() else shutil.which("nats-server")
    assert found, "nats-server not found: run `make install`"
    return found


@pytest.mark.parametrize("target", OVERLAYS)
def test_nats_config_is_accepted_by_nats_server_with_jetstream_fsync_on_every_write(
    target: str, tmp_path: Path
) -> None:
    config = configmap_value(render(target), "nats-config", "nats.conf")
    assert re.search(r"^\s*sync_interval:\s*always\s*$", config, re.MULTILINE)
    (tmp_path / "nats.conf").write_text(config)
    result = subprocess.run(
        [nats_server_binary(), "--config", str(tmp_path / "nats.conf"), "-t"],
        env={"POD_NAME": "nats-0"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("target", OVERLAYS)
def test_nats_keeps_its_jetstream_store_on_a_persistent_volume(target: str) -> None:
    manifests = render(target)
    nats = one_object(manifests, "StatefulSet", "nats")
    store = re.search(r"store_dir:\s*(\S+)", configmap_value(manifests, "nats-config", "nats.conf"))
    assert store
    claims = {claim["metadata"]["name"] for claim in nats["spec"]["volumeClaimTemplates"]}
    mounts = {
        mount["mountPath"]: mount["name"]
        for mount in only_container(nats["spec"]["template"])["volumeMounts"]
    }
    assert mounts[store.group(1)] in claims
    assert nats["spec"]["serviceName"] == "nats-headless"
    assert one_object(manifests, "Service", "nats-headless")["spec"]["clusterIP"] == "None"
    ports = {
        port["name"]: port["containerPort"] for port in only_container(nats["spec"]["template"])["ports"]
    }
    assert ports == {"client": 4222, "cluster": 6222, "monitor": 8222}


# --- overlays -------------------------------------------------------------------------------------


def test_prod_runs_three_clustered_nats_servers_routed_through_the_headless_service() -> None:
    manifests = render("prod")
    assert one_object(manifests, "StatefulSet", "nats")["spec"]["replicas"] == 3
    routes = re.findall(
        r"nats://(nats-\d)\.nats-headless:6222", configmap_value(manifests, "nats-config", "nats.conf")
    )
    assert sorted(routes) == ["nats-0", "nats-1", "nats-2"]


@pytest.mark.parametrize("target", OVERLAYS)
def test_every_stream_is_kept_on_as_many_nats_servers_as_the_overlay_runs(target: str) -> None:
    manifests = render(target)
    servers = one_object(manifests, "StatefulSet", "nats")["spec"].get("replicas", 1)
    for service in SERVICES:
        prefix = ENV_PREFIX[service]
        try:
            copies = int(configmap_value(manifests, f"{service}-config", f"{prefix}_STREAM_REPLICAS"))
        except AssertionError:
            copies = 1  # the settings' default
        assert copies == servers, f"{service} keeps {copies} copies of its streams on {servers} servers"


def test_prod_uses_an_external_postgres_and_ships_no_secrets() -> None:
    manifests = render("prod")
    assert "postgres" not in objects_of_kind(manifests, "StatefulSet")
    assert one_object(manifests, "Service", "postgres")["spec"]["type"] == "ExternalName"
    assert objects_of_kind(manifests, "Secret") == {}


def test_prod_runs_at_least_two_of_each_deployable_and_keeps_one_through_disruptions() -> None:
    manifests = render("prod")
    for deployable in DEPLOYABLES:
        assert one_object(manifests, "HorizontalPodAutoscaler", deployable)["spec"]["minReplicas"] >= 2
        assert one_object(manifests, "PodDisruptionBudget", deployable)["spec"] == {
            "minAvailable": 1,
            "selector": {
                "matchLabels": {"app.kubernetes.io/name": deployable, "app.kubernetes.io/component": "server"}
            },
        }


def mebibytes(quantity: str) -> float:
    match = re.fullmatch(r"(\d+)(Ki|Mi|Gi)", quantity)
    assert match, f"unexpected memory quantity {quantity}"
    return int(match.group(1)) * {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}[match.group(2)]


def millicores(quantity: str) -> int:
    return int(quantity[:-1]) if quantity.endswith("m") else int(float(quantity) * 1000)


def test_prod_gives_each_deployable_more_cpu_and_memory_than_dev() -> None:
    prod, dev = pod_templates(render("prod")), pod_templates(render("dev"))
    for name in DEPLOYABLES:
        prod_resources = only_container(prod[name])["resources"]
        dev_resources = only_container(dev[name])["resources"]
        for bound in ("requests", "limits"):
            prod_memory = mebibytes(prod_resources[bound]["memory"])
            assert prod_memory > mebibytes(dev_resources[bound]["memory"]), f"{name} {bound}"
            prod_cpu = millicores(prod_resources[bound]["cpu"])
            assert prod_cpu > millicores(dev_resources[bound]["cpu"]), f"{name} {bound}"


def test_dev_runs_one_of_everything_and_a_pinned_postgres_on_a_volume() -> None:
    manifests = render("dev")
    assert one_object(manifests, "StatefulSet", "nats")["spec"]["replicas"] == 1
    for deployable in DEPLOYABLES:
        assert one_object(manifests, "HorizontalPodAutoscaler", deployable)["spec"]["minReplicas"] == 1
    postgres = one_object(manifests, "StatefulSet", "postgres")
    assert postgres["spec"]["replicas"] == 1
    assert re.fullmatch(r"postgres:\d+\.\d+-alpine", only_container(postgres["spec"]["template"])["image"])
    assert [claim["metadata"]["name"] for claim in postgres["spec"]["volumeClaimTemplates"]] == ["data"]


def test_dev_postgres_init_script_creates_a_database_and_role_per_service() -> None:
    manifests = render("dev")
    script = configmap_value(manifests, "postgres-init", "init-databases.sh")
    assert "for service in inventory billing shipping" in script
    assert 'CREATE DATABASE :"name" OWNER :"name"' in script
    postgres = only_container(one_object(manifests, "StatefulSet", "postgres")["spec"]["template"])
    environment = environment_of(manifests, postgres)
    for service in SERVICES:
        assert "secretKeyRef" in environment[f"{ENV_PREFIX[service]}_DB_PASSWORD"]


def test_dev_generates_every_secret_the_base_refers_to() -> None:
    manifests = render("dev")
    secrets = objects_of_kind(manifests, "Secret")
    referenced = {
        variable["valueFrom"]["secretKeyRef"]["name"]: variable["valueFrom"]["secretKeyRef"]["key"]
        for template in pod_templates(manifests).values()
        for variable in only_container(template).get("env", [])
        if "secretKeyRef" in variable.get("valueFrom", {})
    }
    assert len(referenced) >= 5
    for name, key in referenced.items():
        assert name in secrets, name
        assert key in secrets[name]["data"], f"{name}/{key}"


@pytest.mark.parametrize("service", SERVICES)
def test_dev_database_urls_match_the_role_and_database_the_init_script_creates(service: str) -> None:
    manifests = render("dev")
    url = urlsplit(decoded_secret(manifests, f"{service}-database", "url"))
    password = decoded_secret(manifests, "postgres-dev", f"{ENV_PREFIX[service]}_DB_PASSWORD")
    assert url.scheme == "postgresql+asyncpg"
    assert (url.username, url.password, url.path) == (service, password, f"/{service}")
    assert (url.hostname, url.port) == ("postgres", 5432)
    assert one_object(manifests, "Service", "postgres")["spec"]["ports"][0]["port"] == 5432


def first_apply_phase(manifests: tuple[Manifest, ...]) -> tuple[Manifest, ...]:
    """What `kubectl apply -l 'app.kubernetes.io/component!=server'` applies (README's first step)."""
    return tuple(
        item
        for item in manifests
        if item["metadata"].get("labels", {}).get("app.kubernetes.io/component") != "server"
    )


@pytest.mark.parametrize("target", OVERLAYS)
def test_first_apply_phase_holds_the_migrations_and_what_they_need_but_no_server(target: str) -> None:
    manifests = render(target)
    first = first_apply_phase(manifests)
    assert objects_of_kind(first, "Deployment") == {}
    assert set(objects_of_kind(first, "Job")) == set(MIGRATIONS)
    assert "mercado" in objects_of_kind(first, "Namespace")
    for job in MIGRATIONS:
        container = only_container(pod_templates(first)[job])
        environment_of(first, container)  # fails when a ConfigMap it reads is left for later
        secrets = {variable["valueFrom"]["secretKeyRef"]["name"] for variable in container["env"]}
        if target == "dev":  # prod's Secrets are created by the operator before the first apply
            assert secrets <= set(objects_of_kind(first, "Secret")), job
    # The Jobs need DNS and the database from the first phase on; the servers' policies come later.
    assert {"default-deny", "allow-dns", "database-egress"} <= set(objects_of_kind(first, "NetworkPolicy"))


# --- the rendered environment against the deployables' own settings ---------------------------------

# What an operator puts in prod's Secrets (prod renders none); dev's come from its secretGenerator.
STAND_IN_SECRETS = {
    "url": "postgresql+asyncpg://someone:password@postgres:5432/somedb",
    "secret": "an-operator-generated-key-of-at-least-32-bytes",
}


SETTINGS_CLASSES: dict[str, type[BaseSettings]] = {
    "inventory": InventorySettings,
    "billing": BillingSettings,
    "shipping": ShippingSettings,
    EDGE: EdgeSettings,
}


def secret_value(secrets: dict[str, Manifest], reference: Manifest) -> str:
    secret = secrets.get(reference["name"])
    if secret is None:
        return STAND_IN_SECRETS[reference["key"]]
    return base64.b64decode(secret["data"][reference["key"]]).decode()


def resolved_environment(manifests: tuple[Manifest, ...], workload: str) -> dict[str, str]:
    """The variables the container starts with, Secret references replaced by their values."""
    secrets = objects_of_kind(manifests, "Secret")
    container = only_container(pod_templates(manifests)[workload])
    return {
        variable: secret_value(secrets, value["secretKeyRef"]) if isinstance(value, dict) else value
        for variable, value in environment_of(manifests, container).items()
    }


@pytest.mark.parametrize("target", OVERLAYS)
@pytest.mark.parametrize("deployable", DEPLOYABLES)
def test_the_rendered_environment_satisfies_the_production_profile(
    target: str, deployable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The images set MERCADO_PROFILE=production, which refuses development defaults at start-up.
    environment = {"MERCADO_PROFILE": "production", **resolved_environment(render(target), deployable)}
    for variable in list(os.environ):
        if variable.startswith((*(f"{prefix}_" for prefix in ENV_PREFIX.values()), "MERCADO_")):
            monkeypatch.delenv(variable)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    settings: Any = SETTINGS_CLASSES[deployable]()
    if deployable == EDGE:
        assert (settings.host, settings.port) == ("0.0.0.0", EDGE_PORT)
    else:
        assert (settings.grpc_host, settings.grpc_port, settings.migrate) == (
            "0.0.0.0",
            GRPC_PORTS[deployable],
            False,
        )
