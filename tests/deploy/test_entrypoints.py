"""What the images run, run as processes: migrations, health checks and start-up with bad settings.

Each command gets the environment a container would (MERCADO_PROFILE=production where the image sets it)
and nothing from the developer's shell beyond PATH and the interpreter's own settings.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc.aio
import pytest
from alembic.script import ScriptDirectory
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from sqlalchemy import inspect, make_url, text

from chassis.db import create_engine
from chassis.testing import NatsServer, eventually, free_port

SERVICES = ["inventory", "billing", "shipping"]
SHIPPING_HEALTH_NAME = "mercado.shipping.v1.ShippingService"
EDGE_BACKENDS = {
    "INVENTORY": "mercado.inventory.v1.InventoryService",
    "BILLING": "mercado.billing.v1.BillingService",
    "SHIPPING": "mercado.shipping.v1.ShippingService",
}
# Long enough for HS256 (32 bytes) and not the development secret.
EDGE_SECRET = "deploy-tests-secret-of-forty-bytes-long!"
_OWN_PREFIXES = ("INVENTORY_", "BILLING_", "SHIPPING_", "EDGE_", "MERCADO_")


@dataclass(frozen=True)
class Finished:
    code: int
    stderr: str


def container_env(**variables: str) -> dict[str, str]:
    """The test process's environment without any Mercado setting, plus `variables`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(_OWN_PREFIXES)}
    return {**clean, "PYTHONUNBUFFERED": "1", **variables}


def production_service_env(name: str, database_url: str, **variables: str) -> dict[str, str]:
    """What compose gives a service and its migration one-shot (NATS is not contacted by a migration)."""
    prefix = name.upper()
    wiring = {
        f"{prefix}_DATABASE_URL": database_url,
        f"{prefix}_NATS_URL": "nats://nats:4222",
        f"{prefix}_MIGRATE": "false",
    }
    if name != "shipping":
        wiring[f"{prefix}_SHIPPING_ADDR"] = "shipping:50053"
    return container_env(MERCADO_PROFILE="production", **{**wiring, **variables})


async def run(*argv: str, env: dict[str, str], cwd: Path, timeout: float = 60) -> Finished:  # noqa: ASYNC109
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *argv,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Finished(process.returncode, stderr.decode())


@asynccontextmanager
async def running(*argv: str, env: dict[str, str], log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """A long-running process; stopped with SIGTERM (as `docker stop` does) when the block ends."""
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *argv, env=env, cwd=log.parent, stdout=sink, stderr=sink
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()


@asynccontextmanager
async def health_server(
    statuses: dict[str, health_pb2.HealthCheckResponse.ServingStatus.ValueType],
) -> AsyncIterator[tuple[int, health.aio.HealthServicer]]:
    """An in-process gRPC server that only answers grpc.health.v1, with the given statuses."""
    server = grpc.aio.server()
    servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    for name, status in statuses.items():
        await servicer.set(name, status)
    await server.start()
    try:
        yield port, servicer
    finally:
        await server.stop(grace=None)


SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


# --- migrations -----------------------------------------------------------------------------------


async def schema_of(database_url: str, version_table: str) -> tuple[set[str], str | None]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            tables = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
            version = None
            if version_table in tables:
                query = text(f"SELECT version_num FROM {version_table}")  # noqa: S608 - a module constant
                version = await connection.scalar(query)
        return tables, version
    finally:
        await engine.dispose()


@pytest.mark.parametrize("name", SERVICES)
async def test_migration_entrypoint_brings_a_fresh_database_to_head_and_can_run_again(
    name: str, database_url: str, tmp_path: Path
) -> None:
    migrations = importlib.import_module(f"{name}.migrations")
    metadata = importlib.import_module(f"{name}.store.tables").metadata
    head = ScriptDirectory.from_config(migrations.alembic_config()).get_current_head()
    if make_url(database_url).get_backend_name() == "postgresql":
        env = production_service_env(name, database_url)
    else:
        # The production profile refuses SQLite, so the SQLite run is a development one.
        env = container_env(**{f"{name.upper()}_DATABASE_URL": database_url})

    first = await run("-m", f"{name}.migrations", env=env, cwd=tmp_path)
    assert first.code == 0, first.stderr
    assert "database schema is up to date" in first.stderr
    tables, version = await schema_of(database_url, migrations.VERSION_TABLE)
    assert set(metadata.tables) <= tables
    assert version == head

    # compose runs the one-shot on every `up`: a database already at head is left as it is.
    again = await run("-m", f"{name}.migrations", env=env, cwd=tmp_path)
    assert again.code == 0, again.stderr
    assert await schema_of(database_url, migrations.VERSION_TABLE) == (tables, head)


@pytest.mark.parametrize("name", SERVICES)
async def test_migration_entrypoint_names_a_malformed_database_url_and_exits_2(
    name: str, tmp_path: Path
) -> None:
    env = production_service_env(name, "mysql://migrator:hunter2@db/x")
    finished = await run("-m", f"{name}.migrations", env=env, cwd=tmp_path)
    assert finished.code == 2
    assert f"{name.upper()}_DATABASE_URL" in finished.stderr
    assert "hunter2" not in finished.stderr


async def test_migration_entrypoint_exits_1_when_the_database_is_unreachable(tmp_path: Path) -> None:
    closed = f"postgresql+asyncpg://inventory:pw@127.0.0.1:{free_port()}/inventory"
    finished = await run(
        "-m", "inventory.migrations", env=production_service_env("inventory", closed), cwd=tmp_path
    )
    assert finished.code == 1
    assert "migration failed" in finished.stderr


# --- bad settings at start-up ---------------------------------------------------------------------


@pytest.mark.parametrize("name", SERVICES)
async def test_service_in_production_without_a_database_url_exits_2_naming_it(
    name: str, tmp_path: Path
) -> None:
    env = production_service_env(name, "unused")
    del env[f"{name.upper()}_DATABASE_URL"]
    finished = await run("-m", name, env=env, cwd=tmp_path, timeout=30)
    assert finished.code == 2
    assert f"{name.upper()}_DATABASE_URL" in finished.stderr


@pytest.mark.parametrize("name", SERVICES)
async def test_service_with_a_malformed_nats_url_exits_2_naming_it(name: str, tmp_path: Path) -> None:
    env = production_service_env(
        name,
        "postgresql+asyncpg://svc:pw@postgres:5432/svc",
        **{f"{name.upper()}_NATS_URL": "http://nats:4222"},
    )
    finished = await run("-m", name, env=env, cwd=tmp_path, timeout=30)
    assert finished.code == 2
    assert f"{name.upper()}_NATS_URL" in finished.stderr


async def test_edge_in_production_without_its_own_jwt_secret_exits_2_naming_it(tmp_path: Path) -> None:
    env = container_env(
        MERCADO_PROFILE="production",
        EDGE_INVENTORY_ADDR="inventory:50051",
        EDGE_BILLING_ADDR="billing:50052",
        EDGE_SHIPPING_ADDR="shipping:50053",
    )
    finished = await run("-m", "edge_gateway", env=env, cwd=tmp_path, timeout=30)
    assert finished.code == 2
    assert "EDGE_JWT_SECRET" in finished.stderr


# --- chassis.healthcheck --------------------------------------------------------------------------


async def healthcheck(*arguments: str, cwd: Path, **variables: str) -> Finished:
    return await run("-m", "chassis.healthcheck", *arguments, env=container_env(**variables), cwd=cwd)


async def test_healthcheck_passes_against_a_running_service_and_it_stops_cleanly_on_sigterm(
    own_nats_server: NatsServer, tmp_path: Path
) -> None:
    port = free_port()
    env = container_env(
        SHIPPING_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'shipping.db'}",
        SHIPPING_NATS_URL=own_nats_server.url,
        SHIPPING_GRPC_PORT=str(port),
        SHIPPING_LOG_FORMAT="text",
    )
    outcomes: list[Finished] = []

    async def reports_healthy() -> bool:
        outcomes.append(
            await healthcheck(
                "--port-env",
                "SHIPPING_GRPC_PORT",
                "--service",
                SHIPPING_HEALTH_NAME,
                cwd=tmp_path,
                SHIPPING_GRPC_PORT=str(port),
            )
        )
        return outcomes[-1].code == 0

    async with running("-m", "shipping", env=env, log=tmp_path / "shipping.log") as service:
        await eventually(reports_healthy, timeout=60, interval=0.2, message="shipping never became healthy")
        service.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(service.wait(), 20) == 0
    # Before it was up the check failed, saying why.
    assert all("unhealthy:" in outcome.stderr for outcome in outcomes[:-1])


async def test_healthcheck_fails_while_the_service_reports_not_serving(tmp_path: Path) -> None:
    async with health_server({SHIPPING_HEALTH_NAME: NOT_SERVING}) as (port, servicer):
        down = await healthcheck("--port", str(port), "--service", SHIPPING_HEALTH_NAME, cwd=tmp_path)
        assert down.code == 1
        assert f"{SHIPPING_HEALTH_NAME} at 127.0.0.1:{port} is NOT_SERVING" in down.stderr

        await servicer.set(SHIPPING_HEALTH_NAME, SERVING)
        up = await healthcheck("--port", str(port), "--service", SHIPPING_HEALTH_NAME, cwd=tmp_path)
        assert up.code == 0
        assert up.stderr == ""


async def test_healthcheck_fails_for_a_service_the_server_does_not_know(tmp_path: Path) -> None:
    async with health_server({SHIPPING_HEALTH_NAME: SERVING}) as (port, _):
        finished = await healthcheck("--port", str(port), "--service", "mercado.nope.v1.Nope", cwd=tmp_path)
    assert finished.code == 1
    assert "not registered" in finished.stderr


async def test_healthcheck_fails_when_nothing_listens_on_the_port(tmp_path: Path) -> None:
    finished = await healthcheck("--port", str(free_port()), "--timeout", "5", cwd=tmp_path)
    assert finished.code == 1
    assert "unreachable (UNAVAILABLE)" in finished.stderr


async def test_healthcheck_rejects_a_port_variable_that_is_not_a_port(tmp_path: Path) -> None:
    finished = await healthcheck("--port-env", "SHIPPING_GRPC_PORT", cwd=tmp_path, SHIPPING_GRPC_PORT="grpc")
    assert finished.code != 0
    assert "SHIPPING_GRPC_PORT must be a port number" in finished.stderr


# --- edge_gateway.healthcheck ---------------------------------------------------------------------


async def test_edge_healthcheck_follows_readyz_of_the_running_edge(tmp_path: Path) -> None:
    async with health_server(dict.fromkeys(EDGE_BACKENDS.values(), SERVING)) as (backend_port, servicer):
        edge_port = str(free_port())
        env = container_env(
            MERCADO_PROFILE="production",
            EDGE_PORT=edge_port,
            EDGE_JWT_SECRET=EDGE_SECRET,
            EDGE_LOG_FORMAT="text",
            **{f"EDGE_{backend}_ADDR": f"127.0.0.1:{backend_port}" for backend in EDGE_BACKENDS},
        )

        async def edge_check() -> Finished:
            return await run(
                "-m", "edge_gateway.healthcheck", env=container_env(EDGE_PORT=edge_port), cwd=tmp_path
            )

        async def ready() -> bool:
            return (await edge_check()).code == 0

        async with running("-m", "edge_gateway", env=env, log=tmp_path / "edge.log") as edge:
            await eventually(ready, timeout=60, interval=0.2, message="the edge never became ready")

            await servicer.set(EDGE_BACKENDS["BILLING"], NOT_SERVING)
            degraded = await edge_check()
            assert degraded.code == 1
            assert "answered 503" in degraded.stderr
            assert '"billing":"NOT_SERVING"' in degraded.stderr

            edge.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(edge.wait(), 20) == 0

        stopped = await edge_check()
        assert stopped.code == 1
        assert "did not answer" in stopped.stderr
