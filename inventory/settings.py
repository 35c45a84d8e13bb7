"""The inventory's typed settings, read from INVENTORY_* environment variables."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from chassis.settings import ServiceSettings
from inventory.use_cases import Limits


class InventorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_", extra="ignore", frozen=True)

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
    # How long an idle fetch waits for a message; also bounds how long stopping the consumer takes.
    consumer_fetch_timeout_seconds: float = Field(default=1.0, gt=0)

    @property
    def reservation_ttl(self) -> timedelta:
        return timedelta(seconds=self.reservation_ttl_seconds)

    @property
    def limits(self) -> Limits:
        return Limits(
            max_lines_per_order=self.max_lines_per_order,
            max_quantity_per_line=self.max_quantity_per_line,
            max_page_size=self.max_page_size,
            default_page_size=min(20, self.max_page_size),
        )
