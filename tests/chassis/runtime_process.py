"""A minimal service process for the signal-handling test: gRPC + health on SQLite, no broker."""

from __future__ import annotations

import asyncio

from chassis.db import create_engine
from chassis.grpc_server import HealthReporter, create_server, enable_reflection
from chassis.logs import configure_logging
from chassis.runtime import ServiceRuntime
from chassis.settings import ServiceSettings, load_settings


class ProcessSettings(ServiceSettings):
    model_config = {**ServiceSettings.model_config, "env_prefix": "RUNTIME_TEST_"}

    grpc_port: int = 0


async def main() -> None:
    settings = load_settings(ProcessSettings)
    configure_logging("runtime-test", settings.log_level, settings.log_format)
    server = create_server(error_table={}, max_message_bytes=settings.grpc_max_message_bytes)
    health = HealthReporter(["mercado.test.v1.ProbeService"])
    health.register(server)
    enable_reflection(server, [])
    runtime = ServiceRuntime(
        name="runtime-test",
        settings=settings,
        server=server,
        health=health,
        engine=create_engine(settings.database_url),
        nats=None,
        relay=None,
        consumer=None,
    )
    await runtime.run()


if __name__ == "__main__":
    asyncio.run(main())
