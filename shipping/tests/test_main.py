"""`python -m shipping` as users run it: configured by environment, reachable by grpcurl, stops cleanly."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from chassis.testing import NatsServer, eventually, free_port
from shipping.grpc_api import SERVICE_NAME

GRPCURL = str(Path(sys.executable).parent / "grpcurl")


def service_env(**variables: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("SHIPPING_")}
    return {**inherited, "SHIPPING_LOG_FORMAT": "text", **variables}


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


async def test_the_service_quotes_over_grpcurl_and_exits_zero_on_sigterm(
    tmp_path: Path, own_nats_server: NatsServer
) -> None:
    port = free_port()
    env = service_env(
        SHIPPING_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'shipping.db'}",
        SHIPPING_NATS_URL=own_nats_server.url,
        SHIPPING_GRPC_PORT=str(port),
    )
    with (tmp_path / "shipping.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "shipping", env=env, stderr=log)
    try:
        await eventually(lambda: serving(port), timeout=30, message="shipping never became SERVING")
        code, listing = await run(GRPCURL, "-plaintext", f"127.0.0.1:{port}", "list")
        assert (code, SERVICE_NAME in listing.split()) == (0, True)
        body = '{"destination_country": "DE", "total_weight_grams": 900, "currency_code": "EUR"}'
        target = f"{SERVICE_NAME}/QuoteShipment"
        code, reply = await run(GRPCURL, "-plaintext", "-d", body, f"127.0.0.1:{port}", target)
        assert code == 0, reply
        assert json.loads(reply)["fee"] == {"currency_code": "EUR", "amount_minor": "499"}
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_an_invalid_setting_stops_start_up_with_a_message_naming_the_variable() -> None:
    env = service_env(SHIPPING_GRPC_PORT="99999", SHIPPING_WATCH_POLL_SECONDS="0")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "shipping", env=env, stderr=asyncio.subprocess.PIPE
    )
    _, errors = await process.communicate()
    assert process.returncode == 2
    assert "SHIPPING_GRPC_PORT" in errors.decode()
    assert "SHIPPING_WATCH_POLL_SECONDS" in errors.decode()
