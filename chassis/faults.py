"""Fault points for fault-injection tests: named spots in chassis code that act only when switched on.

A process turns fault points on through its environment, read once on first use:

    MERCADO_FAULT=relay.crash_before_publish   comma-separated names of `Fault`
    MERCADO_FAULT_DIR=/tmp/faults              where one-shot faults leave a marker once they fired

Unset (the normal case) every fault point is a no-op costing one cached lookup. A one-shot fault fires
in the first process that reaches it and writes its marker first, so the restarted process (same
environment, same directory) runs normally: that is what lets a test crash a service exactly once.
"""

from __future__ import annotations

import functools
import logging
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

logger = logging.getLogger(__name__)

# The exit status of a SIGKILLed process as a shell reports it: the crash looks like a kill -9.
CRASH_EXIT_STATUS = 137


class Fault(StrEnum):
    """Every fault point the chassis has; the value is the name MERCADO_FAULT uses."""

    # The outbox relay exits after reading committed rows and before publishing any of them (once).
    RELAY_CRASH_BEFORE_PUBLISH = "relay.crash_before_publish"


class FaultSettings(BaseSettings):
    """MERCADO_FAULT and MERCADO_FAULT_DIR, typed; unknown fault names are rejected, not ignored."""

    model_config = SettingsConfigDict(env_prefix="MERCADO_", extra="ignore", frozen=True)

    fault: Annotated[frozenset[Fault], NoDecode] = frozenset()
    fault_dir: Path | None = None

    @field_validator("fault", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(name.strip() for name in value.split(",") if name.strip())
        return value

    @model_validator(mode="after")
    def _one_shot_faults_need_a_directory(self) -> Self:
        # Without a marker the restarted process would crash again, forever.
        if self.fault and self.fault_dir is None:
            raise ValueError("MERCADO_FAULT_DIR must be set when MERCADO_FAULT names a fault")
        return self


@functools.cache
def fault_settings() -> FaultSettings:
    """The process's fault settings, read from the environment on first use and kept."""
    settings = FaultSettings()
    if settings.fault:
        logger.warning("fault points switched on: %s", ", ".join(sorted(settings.fault)))
    return settings


def fault_point(fault: Fault) -> None:
    """Crash the process here (exit 137, no clean-up) if `fault` is on and has not fired yet."""
    settings = fault_settings()
    if fault not in settings.fault or settings.fault_dir is None:
        return
    marker = settings.fault_dir / fault.value
    if marker.exists():
        return
    settings.fault_dir.mkdir(parents=True, exist_ok=True)
    marker.touch()
    logger.critical("fault point %s reached: exiting with status %d", fault.value, CRASH_EXIT_STATUS)
    # os._exit skips every finally block, atexit hook and flush, as a real crash would.
    os._exit(CRASH_EXIT_STATUS)
