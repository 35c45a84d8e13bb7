"""`python -m billing` as users run it: configured by environment, reachable by grpcurl, stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from billing.grpc_api import SERVICE_NAME
from chassis.testing import NatsServer, eventually, free_port

GRPCURL = str(Path(sys.executable).parent / "grpcurl")


def service_env(**variables: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("BILLING_")}
    return {**inherited, "BILLING_LOG_FORMAT": "text", **variables}


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
        BILLING_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'billing.db'}",
        BILLING_NATS_URL=nats_server.url,
        BILLING_GRPC_PORT=str(port),
        BILLING_SHIPPING_ADDR=f"127.0.0.1:{free_port()}",
    )
    with (tmp_path / "billing.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "billing", env=env, stderr=log)
    try:
        await eventually(lambda: serving(port), timeout=30, message="billing never became SERVING")
        code, listing = await run(GRPCURL, "-plaintext", f"127.0.0.1:{port}", "list")
        assert code == 0
        assert SERVICE_NAME in listing.split()
        assert "grpc.health.v1.Health" in listing.split()
        code, reply = await run(
            GRPCURL,
            "-plaintext",
            "-d",
            '{"customer_id": "nobody"}',
            f"127.0.0.1:{port}",
            f"{SERVICE_NAME}/GetAccount",
        )
        assert code != 0
        assert "NotFound" in reply
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_an_invalid_setting_stops_start_up_with_a_message_naming_the_variable() -> None:
    env = service_env(BILLING_SHIPPING_ADDR="shipping", BILLING_QUOTE_TIMEOUT_SECONDS="0")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "billing", env=env, stderr=asyncio.subprocess.PIPE
    )
    _, errors = await process.communicate()
    assert process.returncode == 2
    assert "BILLING_SHIPPING_ADDR" in errors.decode()
    assert "BILLING_QUOTE_TIMEOUT_SECONDS" in errors.decode()
