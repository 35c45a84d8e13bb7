"""docker-compose.yml: valid against the compose specification, wired the way SPEC §2 promises.

No Docker engine here: the file is validated and read as data, the NATS configuration runs in the
project's own nats-server, and the PostgreSQL init script runs against the test PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from sqlalchemy import make_url, text

from chassis.db import create_engine
from chassis.testing import eventually, free_port, postgres_url

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
NATS_CONFIG = ROOT / "deploy" / "compose" / "nats-server.conf"
POSTGRES_INIT = ROOT / "deploy" / "compose" / "postgres-init.sh"
SERVICES = {"inventory": 50051, "billing": 50052, "shipping": 50053}
SECRETS = {
    "POSTGRES_PASSWORD",
    "INVENTORY_DB_PASSWORD",
    "BILLING_DB_PASSWORD",
    "SHIPPING_DB_PASSWORD",
    "EDGE_JWT_SECRET",
}
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    # ruamel.yaml rather than PyYAML: it is typed, and check-jsonschema already depends on it.
    loaded: dict[str, Any] = YAML(typ="safe").load(COMPOSE_FILE.read_text())
    return loaded


def service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = compose["services"][name]
    return found


def documented_variables() -> dict[str, str]:
    found = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            found[name.strip()] = value.strip()
    return found


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_the_edge_publishes_a_port(compose: dict[str, Any]) -> None:
    publishing = {name for name, spec in compose["services"].items() if spec.get("ports")}
    assert publishing == {"edge"}
    assert service(compose, "edge")["ports"] == ["${EDGE_PUBLISHED_PORT:-8080}:8080"]


def test_backends_sit_on_an_internal_network_that_only_the_edge_bridges(compose: dict[str, Any]) -> None:
    networks = compose["networks"]
    assert networks["backend"]["internal"] is True
    assert not networks["public"].get("internal", False)
    for name, spec in compose["services"].items():
        expected = ["public", "backend"] if name == "edge" else ["backend"]
        assert spec["networks"] == expected, name


@pytest.mark.parametrize("name", SERVICES)
def test_service_waits_for_its_migration_and_for_healthy_nats_and_postgres(
    compose: dict[str, Any], name: str
) -> None:
    assert service(compose, name)["depends_on"] == {
        f"{name}-migrate": {"condition": "service_completed_successfully"},
        "nats": {"condition": "service_healthy"},
        "postgres": {"condition": "service_healthy"},
    }


def test_edge_waits_for_every_service_to_be_healthy(compose: dict[str, Any]) -> None:
    assert service(compose, "edge")["depends_on"] == {
        name: {"condition": "service_healthy"} for name in SERVICES
    }


@pytest.mark.parametrize("name", SERVICES)
def test_migration_one_shot_runs_the_migration_module_in_the_service_image(
    compose: dict[str, Any], name: str
) -> None:
    one_shot = service(compose, f"{name}-migrate")
    running = service(compose, name)
    assert one_shot["command"] == ["python", "-m", f"{name}.migrations"]
    assert one_shot["image"] == running["image"]
    assert one_shot["build"] == running["build"] == {"context": ".", "dockerfile": f"{name}/Dockerfile"}
    assert one_shot["environment"] == running["environment"]
    assert one_shot["restart"] == "no"
    assert one_shot["depends_on"] == {"postgres": {"condition": "service_healthy"}}


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_service_listens_on_all_interfaces_and_leaves_migrating_to_the_one_shot(
    compose: dict[str, Any], name: str, port: int
) -> None:
    env = service(compose, name)["environment"]
    prefix = name.upper()
    assert env[f"{prefix}_MIGRATE"] == "false"
    assert env[f"{prefix}_GRPC_HOST"] == "0.0.0.0"
    assert env[f"{prefix}_GRPC_PORT"] == str(port)
    assert env[f"{prefix}_NATS_URL"] == "nats://nats:4222"


def test_every_address_names_a_compose_service_and_its_grpc_port(compose: dict[str, Any]) -> None:
    addresses = {
        **{k: v for k, v in service(compose, "edge")["environment"].items() if k.endswith("_ADDR")},
        **{
            k: v
            for n in SERVICES
            for k, v in service(compose, n)["environment"].items()
            if k.endswith("_ADDR")
        },
    }
    assert set(addresses) == {
        "EDGE_INVENTORY_ADDR",
        "EDGE_BILLING_ADDR",
        "EDGE_SHIPPING_ADDR",
        "INVENTORY_SHIPPING_ADDR",
        "BILLING_SHIPPING_ADDR",
    }
    for variable, address in addresses.items():
        host, _, port = address.rpartition(":")
        assert SERVICES[host] == int(port), variable


def test_each_service_has_its_own_database_and_database_user(compose: dict[str, Any]) -> None:
    urls = {
        name: make_url(
            VARIABLE.sub("secret", service(compose, name)["environment"][f"{name.upper()}_DATABASE_URL"])
        )
        for name in SERVICES
    }
    for name, url in urls.items():
        assert url.drivername == "postgresql+asyncpg"
        assert url.host == "postgres"
        assert url.username == name
        assert url.database == name
    init_env = service(compose, "postgres")["environment"]
    assert {f"{name.upper()}_DB_PASSWORD" for name in SERVICES} <= set(init_env)
    for name in SERVICES:
        raw = service(compose, name)["environment"][f"{name.upper()}_DATABASE_URL"]
        assert f"${{{name.upper()}_DB_PASSWORD:?" in raw


def test_every_variable_compose_reads_is_documented_in_env_example() -> None:
    used = {match.group(1) for match in VARIABLE.finditer(COMPOSE_FILE.read_text())}
    assert used == set(documented_variables())


def test_secrets_have_no_default_and_are_left_empty_in_the_example() -> None:
    raw = COMPOSE_FILE.read_text()
    documented = documented_variables()
    for secret in SECRETS:
        uses = [match.group(2) or "" for match in VARIABLE.finditer(raw) if match.group(1) == secret]
        assert uses, secret
        # ${VAR:?message}: compose refuses to start while the secret is unset or empty.
        assert all(use.startswith(":?") for use in uses), secret
        assert documented[secret] == "", secret


def test_containers_run_with_a_read_only_root_and_a_writable_tmp(compose: dict[str, Any]) -> None:
    for name, spec in compose["services"].items():
        assert spec["read_only"] is True, name
        assert "/tmp" in spec["tmpfs"], name


def test_long_running_containers_restart_and_one_shots_do_not(compose: dict[str, Any]) -> None:
    for name, spec in compose["services"].items():
        expected = "no" if name.endswith("-migrate") else "unless-stopped"
        assert spec["restart"] == expected, name


def test_nats_and_postgres_have_health_checks_and_named_volumes(compose: dict[str, Any]) -> None:
    assert {"nats-data", "postgres-data"} <= set(compose["volumes"])
    nats, postgres = service(compose, "nats"), service(compose, "postgres")
    assert "nats-data:/data" in nats["volumes"]
    assert "postgres-data:/var/lib/postgresql/data" in postgres["volumes"]
    assert "healthz" in " ".join(nats["healthcheck"]["test"])
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    for spec in (nats, postgres):
        image, _, tag = spec["image"].partition(":")
        assert re.match(r"^\d+\.\d+(\.\d+)?-", tag), f"{image} is not pinned to an exact version"


def test_compose_mounts_the_configuration_files_this_repository_ships(compose: dict[str, Any]) -> None:
    mounts = [
        volume.split(":")[0]
        for spec in compose["services"].values()
        for volume in spec.get("volumes", [])
        if volume.startswith("./")
    ]
    assert sorted(mounts) == ["./deploy/compose/nats-server.conf", "./deploy/compose/postgres-init.sh"]
    assert os.access(POSTGRES_INIT, os.X_OK)


@pytest.fixture
def nats_with_compose_config(tmp_path: Path) -> Iterator[str]:
    """The project's nats-server on the compose configuration: store moved to tmp_path, free ports."""
    config = NATS_CONFIG.read_text().replace('store_dir: "/data"', f'store_dir: "{tmp_path / "store"}"')
    assert str(tmp_path) in config, "the compose configuration no longer sets store_dir to /data"
    (tmp_path / "nats.conf").write_text(config)
    monitor = free_port()
    binary = Path(sys.executable).parent / "nats-server"
    command = [str(binary), "--config", str(tmp_path / "nats.conf"), "-a", "127.0.0.1"]
    command += ["-p", str(free_port()), "-m", str(monitor)]
    with (tmp_path / "nats.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{monitor}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _get_json(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - a local http URL
            found: dict[str, Any] = json.load(response)
            return found
    except OSError:
        return None


async def test_nats_configuration_enables_jetstream_and_fsyncs_every_write(
    nats_with_compose_config: str,
) -> None:
    async def healthy() -> bool:
        # /healthz, the compose health check, answers ok only once JetStream is up.
        return await asyncio.to_thread(_get_json, f"{nats_with_compose_config}/healthz") == {"status": "ok"}

    await eventually(healthy, message="nats-server never became healthy on the compose config")
    varz = await asyncio.to_thread(_get_json, f"{nats_with_compose_config}/varz")
    assert varz is not None
    assert varz["jetstream"]["config"]["sync_always"] is True


def test_postgres_init_refuses_to_create_a_role_without_a_password() -> None:
    env = {"PATH": os.environ["PATH"], "MERCADO_DATABASES": "inventory", "POSTGRES_USER": "postgres"}
    result = subprocess.run(
        ["bash", str(POSTGRES_INIT)], env=env, capture_output=True, text=True, check=False, timeout=30
    )
    assert result.returncode == 1
    assert "INVENTORY_DB_PASSWORD is not set" in result.stderr


@pytest.mark.postgres
async def test_postgres_init_gives_each_service_a_database_only_its_own_role_may_use() -> None:
    psql = shutil.which("psql")
    if psql is None:
        pytest.fail("psql (postgresql-client) is needed to run deploy/compose/postgres-init.sh")
    server = make_url(postgres_url())
    prefix = f"t_{uuid.uuid4().hex[:8]}"
    names = [f"{prefix}_inventory", f"{prefix}_billing"]
    env = {
        "PATH": os.environ["PATH"],
        "PGHOST": server.host or "127.0.0.1",
        "PGPORT": str(server.port or 5432),
        "POSTGRES_USER": server.username or "postgres",
        "MERCADO_DATABASES": " ".join(names),
        **{f"{name.upper()}_DB_PASSWORD": f"pw-{name}" for name in names},
    }
    if server.password:
        env["PGPASSWORD"] = server.password
    admin = create_engine(server.render_as_string(hide_password=False)).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    try:
        result = await asyncio.to_thread(
            subprocess.run,
            ["bash", str(POSTGRES_INIT)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        async with admin.connect() as connection:
            for name in names:
                other = next(n for n in names if n != name)
                owner = await connection.scalar(
                    text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :n"), {"n": name}
                )
                assert owner == name
                can_login = await connection.scalar(
                    text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :n"), {"n": name}
                )
                assert can_login is True
                privilege = "SELECT has_database_privilege(:role, :db, 'CONNECT')"
                assert await connection.scalar(text(privilege), {"role": name, "db": name}) is True
                assert await connection.scalar(text(privilege), {"role": other, "db": name}) is False
    finally:
        async with admin.connect() as connection:
            for name in names:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                await connection.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
        await admin.dispose()
