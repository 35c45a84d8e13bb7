"""The deployables the local stack runs and how each is configured; new gRPC services join GRPC_SERVICES."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GrpcService:
    """A backend started as `python -m <name>`, configured through `<NAME>_*` environment variables."""

    name: str
    default_port: int
    # Full proto name of the service whose grpc.health.v1 status says the process is ready.
    health_service: str
    # Other services it calls; each address reaches it as <NAME>_<UPSTREAM>_ADDR.
    upstreams: tuple[str, ...] = ()

    @property
    def env_prefix(self) -> str:
        return f"{self.name.upper()}_"

    @property
    def port_env(self) -> str:
        return f"{self.env_prefix}GRPC_PORT"

    def upstream_env(self, upstream: str) -> str:
        return f"{self.env_prefix}{upstream.upper()}_ADDR"


@dataclass(frozen=True)
class EdgeService:
    """The public HTTP gateway, started as `python -m <module>`; it finds each backend through an env var."""

    name: str
    module: str
    port_env: str
    default_port: int
    ready_path: str

    def backend_env(self, backend: GrpcService) -> str:
        return f"EDGE_{backend.name.upper()}_ADDR"


# The one list to extend when a service lands; the edge gets an EDGE_<NAME>_ADDR for each.
GRPC_SERVICES: tuple[GrpcService, ...] = (
    GrpcService(
        name="inventory",
        default_port=50051,
        health_service="mercado.inventory.v1.InventoryService",
        # Expired unpaid reservations are cancelled through shipping's CancelOrder.
        upstreams=("shipping",),
    ),
    GrpcService(
        name="billing",
        default_port=50052,
        health_service="mercado.billing.v1.BillingService",
        upstreams=("shipping",),
    ),
    GrpcService(name="shipping", default_port=50053, health_service="mercado.shipping.v1.ShippingService"),
)

EDGE = EdgeService(
    name="edge", module="edge_gateway", port_env="EDGE_PORT", default_port=8080, ready_path="/readyz"
)
