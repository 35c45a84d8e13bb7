"""Connect to NATS the way a long-running service should: reconnect forever, notice dead links fast."""

from __future__ import annotations

import asyncio
import logging

from nats.aio.client import Client

logger = logging.getLogger(__name__)


async def connect_nats(
    url: str,
    *,
    name: str,
    reconnect_time_wait: float = 1.0,
    connect_timeout: float = 2.0,
    initial_wait_seconds: float = 30.0,
) -> Client:
    """A client that reconnects forever and pings every 5 s (3 missed pings = link down).

    The first connection is retried for up to `initial_wait_seconds`, so a service started together
    with its broker does not crash on a race; after that the error is raised and the process exits.
    """
    nc = Client()

    async def on_error(error: Exception) -> None:
        logger.warning("nats error: %r", error)

    async def on_disconnected() -> None:
        logger.warning("nats disconnected")

    async def on_reconnected() -> None:
        logger.info("nats reconnected to %s", nc.connected_url.netloc if nc.connected_url else "?")

    async def on_closed() -> None:
        logger.info("nats connection closed")

    loop = asyncio.get_running_loop()
    deadline = loop.time() + initial_wait_seconds
    while True:
        try:
            await nc.connect(
                servers=[part.strip() for part in url.split(",")],
                name=name,
                allow_reconnect=True,
                max_reconnect_attempts=-1,
                reconnect_time_wait=reconnect_time_wait,  # type: ignore[arg-type]
                connect_timeout=connect_timeout,  # type: ignore[arg-type]
                ping_interval=5,
                max_outstanding_pings=3,
                error_cb=on_error,
                disconnected_cb=on_disconnected,
                reconnected_cb=on_reconnected,
                closed_cb=on_closed,
            )
        except Exception as error:  # any failure to connect is retried until the deadline
            if loop.time() >= deadline:
                raise
            logger.warning("nats not reachable yet at %s: %r", url, error)
            await asyncio.sleep(reconnect_time_wait)
            continue
        logger.info(
            "nats connected", extra={"nats_server": str(nc.connected_url.netloc if nc.connected_url else "")}
        )
        return nc
