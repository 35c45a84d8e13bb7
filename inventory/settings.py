"""The inventory's typed settings, read from INVENTORY_* environment variables."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar, Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from chassis.grpc_target import GrpcTarget
from chassis.settings import ServiceSettings
from inventory.use_cases import Limits, SweepPolicy


class InventorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_", extra="ignore", frozen=True)
    # In production the address of shipping must be configured too: 127.0.0.1 is never right there.
    production_requires: ClassVar[tuple[str, ...]] = (*ServiceSettings.production_requires, "shipping_addr")

    database_url: str = "sqlite+aiosqlite:///.data/inventory.db"
    grpc_port: int = 50051
    # Run `alembic upgrade head` at start-up; turn off where a deploy job migrates instead.
    migrate: bool = True
    reservation_ttl_seconds: int = Field(default=900, gt=0)
    max_lines_per_order: int = Field(default=50, gt=0, le=1000)
    max_quantity_per_line: int = Field(default=1000, gt=0, le=1_000_000)
    max_page_size: int = Field(default=100, gt=0, le=1000)
    consumer_max_deliver: int = Field(default=10, gt=0)
    consumer_ack_wait_seconds: float = Field(default=30.0, gt=0)
    # How long a pull request stays open at the broker; also bounds how long stopping the consumer takes.
    consumer_pull_expiry_seconds: float = Field(default=1.0, gt=0)
    # ShippingService's gRPC target (host:port, dns:///host:port, ipv4:IP:port,IP:port), asked to
    # cancel orders whose reservation expired unpaid.
    shipping_addr: GrpcTarget = "127.0.0.1:50053"
    # Deadline of one CancelOrder call; a slower shipping service counts as unavailable.
    cancel_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    # How often the expiry sweep looks for expired, unpaid reservations.
    expiry_sweep_seconds: float = Field(default=5.0, gt=0)
    # At most this many orders are asked per sweep, so a backlog drains without a burst.
    expiry_batch_size: int = Field(default=100, gt=0, le=1000)
    # An order shipping accepted to cancel is asked again only after this long (e.g. if the
    # OrderCancelled never arrived); several replicas therefore ask about each order once.
    expiry_ask_again_seconds: float = Field(default=300.0, gt=0)

    @model_validator(mode="after")
    def _asks_again_after_an_answer(self) -> Self:
        # Asking again before the first call could even time out would double the calls.
        if self.expiry_ask_again_seconds <= self.cancel_timeout_seconds:
            raise ValueError(
                "INVENTORY_EXPIRY_ASK_AGAIN_SECONDS must be above INVENTORY_CANCEL_TIMEOUT_SECONDS"
            )
        return self

    @property
    def reservation_ttl(self) -> timedelta:
        return timedelta(seconds=self.reservation_ttl_seconds)

    @property
    def sweep_policy(self) -> SweepPolicy:
        return SweepPolicy(
            batch_size=self.expiry_batch_size,
            ask_again_after=timedelta(seconds=self.expiry_ask_again_seconds),
        )

    @property
    def limits(self) -> Limits:
        return Limits(
            max_lines_per_order=self.max_lines_per_order,
            max_quantity_per_line=self.max_quantity_per_line,
            max_page_size=self.max_page_size,
            default_page_size=min(20, self.max_page_size),
        )
