"""Opens one grpc.aio channel per configured backend for the app's lifetime and builds their clients."""

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import grpc

from chassis.grpc_target import BALANCING_OPTIONS
from edge_gateway.clients import BillingClient, HealthProbe, InventoryClient, ShippingClient
from edge_gateway.settings import EdgeSettings
from mercado.billing.v1 import billing_pb2
from mercado.inventory.v1 import inventory_pb2
from mercado.shipping.v1 import shipping_pb2

# Keepalive pings only while calls are in flight: servers whose minimum ping interval is longer
# than ours would otherwise answer idle pings with GOAWAY (too_many_pings).
CHANNEL_OPTIONS: tuple[tuple[str, int | str], ...] = (
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 0),
    ("grpc.max_receive_message_length", 4 * 1024 * 1024),
    # gRPC's reconnect backoff grows to 120 s: a restarted backend must be reachable within seconds.
    ("grpc.max_reconnect_backoff_ms", 5_000),
    # Every replica behind a backend's target gets calls in turn (readiness asks whichever is next).
    *BALANCING_OPTIONS,
)
CLOSE_GRACE_SECONDS = 1.0

# The gRPC service name each backend reports health for (grpc.health.v1 `service` field).
HEALTH_SERVICE = {
    "inventory": inventory_pb2.DESCRIPTOR.services_by_name["InventoryService"].full_name,
    "billing": billing_pb2.DESCRIPTOR.services_by_name["BillingService"].full_name,
    "shipping": shipping_pb2.DESCRIPTOR.services_by_name["ShippingService"].full_name,
}


@dataclass(frozen=True, slots=True)
class Backends:
    """The clients of every backend plus a health probe per backend for readiness."""

    inventory: InventoryClient
    billing: BillingClient
    shipping: ShippingClient
    probes: Mapping[str, HealthProbe]


@asynccontextmanager
async def open_backends(settings: EdgeSettings) -> AsyncIterator[Backends]:
    """Channels are bound to the running loop, so this must run inside the app's lifespan."""
    channels = {
        name: grpc.aio.insecure_channel(address, options=CHANNEL_OPTIONS)
        for name, address in settings.backend_addresses.items()
    }
    try:
        yield Backends(
            inventory=InventoryClient(channels["inventory"]),
            billing=BillingClient(channels["billing"]),
            shipping=ShippingClient(channels["shipping"]),
            probes={
                name: HealthProbe(name, HEALTH_SERVICE[name], channel) for name, channel in channels.items()
            },
        )
    finally:
        await asyncio.gather(*(channel.close(CLOSE_GRACE_SECONDS) for channel in channels.values()))
