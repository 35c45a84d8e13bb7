"""Typed edge configuration read from EDGE_* environment variables; fails fast on bad values."""

import sys
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from chassis.grpc_target import GrpcTarget
from chassis.profile import PRODUCTION, Profile, profile_field, unset_in_production

# A fixed, clearly non-secret key so that `make run` and devtoken agree out of the box; any real
# deployment sets EDGE_JWT_SECRET or switches to an asymmetric algorithm with a public key file.
DEV_JWT_SECRET = "mercado-local-development-secret-do-not-deploy"

JwtAlgorithm = Literal["HS256", "RS256", "ES256"]
# Production takes these from the environment only: the defaults point at this machine.
_PRODUCTION_REQUIRES = ("inventory_addr", "billing_addr", "shipping_addr")


class EdgeSettings(BaseSettings):
    """Everything the edge reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="EDGE_", extra="ignore", frozen=True, populate_by_name=True)

    profile: Profile = profile_field()
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    access_log: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    shutdown_grace_seconds: int = Field(default=5, ge=0, le=300)

    # gRPC targets: host:port, dns:///host:port (every address the name resolves to), ipv4:IP:port,IP:port.
    inventory_addr: GrpcTarget = "127.0.0.1:50051"
    billing_addr: GrpcTarget = "127.0.0.1:50052"
    shipping_addr: GrpcTarget = "127.0.0.1:50053"

    jwt_algorithm: JwtAlgorithm = "HS256"
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_public_key_file: Path | None = None
    jwt_audience: str | None = None
    jwt_issuer: str | None = None

    request_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    # Kept back from the optional parts of a composed order (invoice, shipment), so that when one of
    # them hangs the order is still answered, degraded, before the request's budget runs out.
    composition_margin_seconds: float = Field(default=0.05, ge=0, le=5)
    events_poll_seconds: float = Field(default=0.25, ge=0.01, le=10)
    events_max_seconds: float = Field(default=300.0, gt=0, le=3600)
    events_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    max_order_lines: int = Field(default=50, ge=1, le=1000)
    max_line_quantity: int = Field(default=1000, ge=1, le=1_000_000)
    max_page_size: int = Field(default=100, ge=1, le=1000)
    default_page_size: int = Field(default=20, ge=1, le=1000)

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        if self.default_page_size > self.max_page_size:
            raise ValueError("EDGE_DEFAULT_PAGE_SIZE must not exceed EDGE_MAX_PAGE_SIZE")
        if self.composition_margin_seconds >= self.request_timeout_seconds:
            raise ValueError("EDGE_COMPOSITION_MARGIN_SECONDS must be below EDGE_REQUEST_TIMEOUT_SECONDS")
        if self.jwt_algorithm == "HS256":
            # RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
            if len(self.jwt_secret.get_secret_value().encode()) < 32:
                raise ValueError("EDGE_JWT_SECRET must be at least 32 bytes for HS256")
        elif self.jwt_public_key_file is None or not self.jwt_public_key_file.is_file():
            raise ValueError(
                f"EDGE_JWT_PUBLIC_KEY_FILE must name a readable PEM file for {self.jwt_algorithm}"
            )
        if self.profile == PRODUCTION:
            self._check_production()
        return self

    def _check_production(self) -> None:
        """Nothing a deployment depends on may come from a development default."""
        missing = [
            f"EDGE_{name.upper()}" for name in _PRODUCTION_REQUIRES if name not in self.model_fields_set
        ]
        if missing:
            raise ValueError(unset_in_production(missing))
        if self.jwt_algorithm == "HS256" and self.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
            # Anyone can read the development secret in this repository and sign any role with it.
            raise ValueError(
                "EDGE_JWT_SECRET is not set (or is the built-in development secret, which anyone can read); "
                "MERCADO_PROFILE=production needs a secret of its own or EDGE_JWT_ALGORITHM=RS256/ES256"
            )

    @property
    def backend_addresses(self) -> dict[str, str]:
        """Every backend the edge talks to, by name; readiness checks each of them."""
        return {
            "inventory": self.inventory_addr,
            "billing": self.billing_addr,
            "shipping": self.shipping_addr,
        }


def load_settings() -> EdgeSettings:
    """Read the environment, or exit with status 2 naming every bad variable."""
    try:
        return EdgeSettings()
    except ValidationError as exc:
        for error in exc.errors(include_input=False, include_url=False):
            message = error["msg"].removeprefix("Value error, ")
            if not error["loc"]:
                # Checks across fields name their variables in the message.
                sys.stderr.write(f"invalid configuration: {message}\n")
                continue
            field = str(error["loc"][0])
            # A field read under its own alias (MERCADO_PROFILE) is reported under that name.
            variable = f"EDGE_{field.upper()}" if field in EdgeSettings.model_fields else field
            sys.stderr.write(f"invalid configuration {variable}: {message}\n")
        raise SystemExit(2) from None
