"""Typed service settings read from environment variables; invalid values stop the process early."""

from __future__ import annotations

import logging
import sys
from typing import Literal, TypeVar

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

logger = logging.getLogger(__name__)

_DATABASE_SCHEMES = ("sqlite+aiosqlite://", "postgresql+asyncpg://")
_NATS_SCHEMES = ("nats://", "tls://")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ServiceSettings(BaseSettings):
    """Settings every service shares; a service subclasses it with its own `env_prefix` and defaults."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    database_url: str
    nats_url: str = "nats://127.0.0.1:4222"
    grpc_host: str = "127.0.0.1"
    grpc_port: int
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    shutdown_grace_seconds: float = 5.0
    grpc_max_message_bytes: int = 4 * 1024 * 1024

    @field_validator("database_url")
    @classmethod
    def _database_url_is_supported(cls, value: str) -> str:
        if not value.startswith(_DATABASE_SCHEMES):
            raise ValueError(f"must start with one of {', '.join(_DATABASE_SCHEMES)}")
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


S = TypeVar("S", bound=ServiceSettings)


def _env_name(cls: type[ServiceSettings], field: object) -> str:
    prefix = str(cls.model_config.get("env_prefix") or "")
    return f"{prefix}{field}".upper()


def describe_errors(cls: type[ServiceSettings], error: ValidationError) -> str:
    """One line per bad variable, naming the environment variable; values are left out (secrets)."""
    lines = []
    for problem in error.errors():
        where = _env_name(cls, problem["loc"][0]) if problem["loc"] else "(settings)"
        lines.append(f"  {where}: {problem['msg']}")
    return "invalid configuration:\n" + "\n".join(lines)


def load_settings(cls: type[S]) -> S:
    """Build `cls` from the environment or exit with status 2 and a message naming the variables."""
    try:
        return cls()
    except ValidationError as error:
        message = describe_errors(cls, error)
        sys.stderr.write(message + "\n")
        logger.error(message)
        raise SystemExit(2) from None
