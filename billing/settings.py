"""Billing's typed settings, read from BILLING_* environment variables."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from billing.use_cases import Limits
from chassis.grpc_target import GrpcTarget
from chassis.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", extra="ignore", frozen=True)
    # In production the address of shipping must be configured too: 127.0.0.1 is never right there.
    production_requires: ClassVar[tuple[str, ...]] = (*ServiceSettings.production_requires, "shipping_addr")

    database_url: str = "sqlite+aiosqlite:///.data/billing.db"
    grpc_port: int = 50052
    # Run `alembic upgrade head` at start-up; turn off where a deploy job migrates instead.
    migrate: bool = True
    # ShippingService's gRPC target (host:port, dns:///host:port, ipv4:IP:port,IP:port), asked for a
    # fee while invoicing.
    shipping_addr: GrpcTarget = "127.0.0.1:50053"
    # Deadline of one QuoteShipment call; a slower shipping service counts as unavailable.
    quote_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    max_page_size: int = Field(default=100, gt=0, le=1000)
    # Shipping being down is a transient failure that still counts as a delivery. The retry budget
    # (60 deliveries, backoff growing to 30 s: about 27 minutes) outlasts the reservation TTL (15 min),
    # so an outage never strands an order: either the quote succeeds on a retry or the expiry cancels
    # the order first and the late StockReserved is recognised as cancelled.
    consumer_max_deliver: int = Field(default=60, gt=0)
    consumer_backoff_seconds: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
    consumer_ack_wait_seconds: float = Field(default=30.0, gt=0)
    # How long a pull request stays open at the broker; also bounds how long stopping the consumer takes.
    consumer_pull_expiry_seconds: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _quote_fits_in_ack_wait(self) -> Self:
        # A handler still waiting for shipping when ack_wait ends would be redelivered concurrently.
        if self.quote_timeout_seconds >= self.consumer_ack_wait_seconds:
            raise ValueError("BILLING_QUOTE_TIMEOUT_SECONDS must be below BILLING_CONSUMER_ACK_WAIT_SECONDS")
        return self

    @property
    def limits(self) -> Limits:
        return Limits(max_page_size=self.max_page_size, default_page_size=min(20, self.max_page_size))
