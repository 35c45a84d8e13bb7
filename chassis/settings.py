"""Typed service settings read from environment variables; invalid values stop the process early."""

from __future__ import annotations

import logging
import sys
from typing import ClassVar, Literal, Self, TypeVar

from pydantic import ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from chassis.profile import PRODUCTION, Profile, profile_field, unset_in_production

logger = logging.getLogger(__name__)

_SQLITE, _POSTGRES = "sqlite+aiosqlite", "postgresql+asyncpg"
_NATS_SCHEMES = ("nats://", "tls://")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ServiceSettings(BaseSettings):
    """Settings every service shares; a service subclasses it with its own `env_prefix` and defaults."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True, populate_by_name=True)

    # Settings that production takes only from the environment, never from a development default.
    # A service adds its own (e.g. the address of a service it calls).
    production_requires: ClassVar[tuple[str, ...]] = ("database_url", "nats_url")

    profile: Profile = profile_field()
    database_url: str
    nats_url: str = "nats://127.0.0.1:4222"
    grpc_host: str = "127.0.0.1"
    grpc_port: int
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    shutdown_grace_seconds: float = 5.0
    grpc_max_message_bytes: int = 4 * 1024 * 1024
    # Copies JetStream keeps of each stream this service creates or updates: 1 on a single server,
    # 3 on a three-server cluster so losing one server loses no event (JetStream allows at most 5).
    stream_replicas: int = 1
    # PostgreSQL connections this process keeps open, and how many more it may open at a peak.
    # (pool + overflow) x every process on one server must stay below its max_connections (100 by
    # default): 3 services x 2 replicas x (5 + 5) = 60.
    database_pool_size: int = 5
    database_max_overflow: int = 5

    @field_validator("database_url")
    @classmethod
    def _database_url_is_supported(cls, value: str) -> str:
        check_database_url(value)
        return value

    @field_validator("nats_url")
    @classmethod
    def _nats_url_is_supported(cls, value: str) -> str:
        urls = [part.strip() for part in value.split(",")]
        if not all(url.startswith(_NATS_SCHEMES) for url in urls):
            raise ValueError(f"every URL must start with one of {', '.join(_NATS_SCHEMES)}")
        return value

    @field_validator("grpc_port")
    @classmethod
    def _port_in_range(cls, value: int) -> int:
        if not 0 <= value <= 65535:
            raise ValueError("must be between 0 and 65535 (0 picks a free port)")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in _LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(_LOG_LEVELS)}")
        return value.upper()

    @field_validator("shutdown_grace_seconds", "grpc_max_message_bytes")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be greater than 0")
        return value

    @field_validator("database_pool_size")
    @classmethod
    def _pool_holds_a_connection(cls, value: int) -> int:
        if not 1 <= value <= 200:
            raise ValueError("must be between 1 and 200")
        return value

    @field_validator("database_max_overflow")
    @classmethod
    def _overflow_in_range(cls, value: int) -> int:
        if not 0 <= value <= 200:
            raise ValueError("must be between 0 and 200")
        return value

    @field_validator("stream_replicas")
    @classmethod
    def _replicas_jetstream_allows(cls, value: int) -> int:
        if not 1 <= value <= 5:
            raise ValueError("must be between 1 and 5 (JetStream's limit), and at most the NATS servers")
        return value

    @model_validator(mode="after")
    def _explicit_in_production(self) -> Self:
        if self.profile != PRODUCTION:
            return self
        missing = [name for name in self.production_requires if name not in self.model_fields_set]
        if missing:
            raise ValueError(unset_in_production([_env_name(type(self), name) for name in missing]))
        if make_url(self.database_url).drivername == _SQLITE:
            raise ValueError(
                f"{_env_name(type(self), 'database_url')} is a SQLite URL; "
                f"MERCADO_PROFILE=production needs {_POSTGRES}://user:password@host:5432/database"
            )
        return self


def check_database_url(value: str) -> URL:
    """The parsed URL if it names a database a service can use; the error never repeats the value."""
    try:
        url = make_url(value)
    except (ArgumentError, ValueError):
        # The URL may carry a password, so the message describes the shape instead of quoting it.
        raise ValueError(
            f"is not a database URL; expected {_POSTGRES}://user:password@host:5432/db"
        ) from None
    if url.drivername not in (_SQLITE, _POSTGRES):
        raise ValueError(f"must start with {_SQLITE}:// or {_POSTGRES}:// (not {url.drivername}://)")
    if url.drivername == _POSTGRES:
        if not url.host and "host" not in url.query:
            raise ValueError("names no host: expected postgresql+asyncpg://user:password@host:5432/db")
        if not url.database:
            raise ValueError("names no database: expected postgresql+asyncpg://user:password@host:5432/db")
    return url


S = TypeVar("S", bound=ServiceSettings)


def _env_name(cls: type[ServiceSettings], field: object) -> str:
    if field not in cls.model_fields:
        # A field read under its own alias (MERCADO_PROFILE) is reported under that name.
        return str(field)
    prefix = str(cls.model_config.get("env_prefix") or "")
    return f"{prefix}{field}".upper()


def describe_errors(cls: type[ServiceSettings], error: ValidationError) -> str:
    """One line per bad variable, naming the environment variable; values are left out (secrets)."""
    lines = []
    for problem in error.errors(include_input=False, include_url=False):
        message = problem["msg"].removeprefix("Value error, ")
        # Checks across fields name their variables in the message itself.
        lines.append(
            f"  {_env_name(cls, problem['loc'][0])}: {message}" if problem["loc"] else f"  {message}"
        )
    return "invalid configuration:\n" + "\n".join(lines)


def load_settings(cls: type[S]) -> S:
    """Build `cls` from the environment or exit with status 2 and a message naming the variables."""
    try:
        return cls()
    except ValidationError as error:
        message = describe_errors(cls, error)
        sys.stderr.write(message + "\n")
        if logging.getLogger().handlers:
            # Also into the structured logs when they are set up; otherwise logging's fallback handler
            # would print the same lines to stderr a second time.
            logger.error(message)
        raise SystemExit(2) from None
