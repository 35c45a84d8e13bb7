"""Shipping's typed settings, read from SHIPPING_* environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from chassis.settings import ServiceSettings
from shipping.use_cases import Limits


class ShippingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SHIPPING_", extra="ignore", frozen=True)

    database_url: str = "sqlite+aiosqlite:///.data/shipping.db"
    grpc_port: int = 50053
    # Run `alembic upgrade head` at start-up; turn off where a deploy job migrates instead.
    migrate: bool = True
    # The contract caps page_size at 100; a deployment may cap it lower.
    max_page_size: int = Field(default=100, gt=0, le=100)
    # How often a WatchShipment stream re-reads its shipment to see changes made by other replicas.
    watch_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    consumer_max_deliver: int = Field(default=10, gt=0)
    consumer_ack_wait_seconds: float = Field(default=30.0, gt=0)
    # How long a pull request stays open at the broker; also bounds how long stopping the consumer takes.
    consumer_pull_expiry_seconds: float = Field(default=1.0, gt=0)

    @property
    def limits(self) -> Limits:
        return Limits(max_page_size=self.max_page_size, default_page_size=min(20, self.max_page_size))
