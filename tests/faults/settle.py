"""Wait until a stack has settled (every event handled) and its invariants hold, or fail with the report.

"Settled" is read from the broker: every durable consumer has nothing pending and nothing awaiting an
ack. The check is polled because the saga is eventually consistent (the last step of an order may
still be in an outbox when its status is already visible); a double effect never converges, so it
still fails, with the last report as the message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import nats
from nats.aio.client import Client
from nats.js.api import ConsumerInfo

from chassis.naming import durable_for, stream_for
from chassis.testing import eventually
from scripts.devstack import Stack
from scripts.invariants import InvariantReport, Ledger, ServiceAddresses, check_invariants

SETTLE_TIMEOUT = 60.0


@asynccontextmanager
async def broker(stack: Stack) -> AsyncIterator[Client]:
    """A plain NATS connection to the stack's server (no reconnects: a test wants errors, not waits)."""
    client = await nats.connect(stack.endpoints.nats_url, connect_timeout=2, allow_reconnect=False)
    try:
        yield client
    finally:
        await client.close()


async def consumer_info(stack: Stack, service: str, event_type: str) -> ConsumerInfo:
    """The broker's view of `service`'s durable consumer of `event_type`."""
    async with broker(stack) as client:
        js = client.jetstream(timeout=2.0)
        info: ConsumerInfo = await js.consumer_info(stream_for(event_type), durable_for(service, event_type))
        return info


async def consumers_drained(stack: Stack) -> bool:
    """True when no durable consumer of any stream has a message pending or unacknowledged."""
    async with broker(stack) as client:
        js = client.jetstream(timeout=2.0)
        for stream in await js.streams_info():
            for consumer in await js.consumers_info(str(stream.config.name)):
                if consumer.num_pending or consumer.num_ack_pending:
                    return False
    return True


def addresses(stack: Stack) -> ServiceAddresses:
    grpc = stack.endpoints.grpc
    return ServiceAddresses(inventory=grpc["inventory"], billing=grpc["billing"], shipping=grpc["shipping"])


async def settled_report(
    stack: Stack,
    ledger: Ledger,
    timeout: float = SETTLE_TIMEOUT,  # noqa: ASYNC109 - a polling budget
) -> InvariantReport:
    """The report of a settled stack whose invariants hold; AssertionError with the last report if not."""
    last: list[InvariantReport] = []

    async def holds() -> bool:
        if not await consumers_drained(stack):
            return False
        last[:] = [await check_invariants(addresses(stack), ledger)]
        return last[0].ok

    try:
        await eventually(holds, timeout=timeout, interval=0.2)
    except AssertionError:
        found = str(last[0]) if last else "the broker never drained"
        raise AssertionError(f"invariants do not hold after {timeout:.0f} s:\n{found}") from None
    return last[0]
