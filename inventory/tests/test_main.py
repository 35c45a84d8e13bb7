"""`python -m inventory` as users run it: configured by environment, reachable by grpcurl, stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from chassis.testing import NatsServer, eventually, free_port
from inventory.grpc_api import SERVICE_NAME

GRPCURL = str(Path(sys.executable).parent / "grpcurl")


def service_env(**variables: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("INVENTORY_")}
    return {**inherited, "INVENTORY_LOG_FORMAT": "text", **variables}


async def serving(port: int) -> bool:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        request = health_pb2.HealthCheckRequest(service=SERVICE_NAME)
        try:
            reply = await health_pb2_grpc.HealthStub(channel).Check(request, timeout=1)
        except grpc.aio.AioRpcError:
            return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


async def run(*command: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await process.communicate()
    return int(process.returncode or 0), output.decode()


async def test_the_service_serves_health_and_reflection_and_exits_zero_on_sigterm(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    port = free_port()
    env = service_env(
        INVENTORY_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'inventory.db'}",
        INVENTORY_NATS_URL=nats_server.url,
        INVENTORY_GRPC_PORT=str(port),
    )
    with (tmp_path / "inventory.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "inventory", env=env, stderr=log)
    try:
        await eventually(lambda: serving(port), timeout=30, message="inventory never became SERVING")
        code, listing = await run(GRPCURL, "-plaintext", f"127.0.0.1:{port}", "list")
        assert code == 0
        assert SERVICE_NAME in listing.split()
        assert "grpc.health.v1.Health" in listing.split()
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_an_invalid_setting_stops_start_up_with_a_message_naming_the_variable() -> None:
    env = service_env(INVENTORY_GRPC_PORT="99999", INVENTORY_RESERVATION_TTL_SECONDS="0")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "inventory", env=env, stderr=asyncio.subprocess.PIPE
    )
    _, errors = await process.communicate()
    assert process.returncode == 2
    assert "INVENTORY_GRPC_PORT" in errors.decode()
    assert "INVENTORY_RESERVATION_TTL_SECONDS" in errors.decode()
