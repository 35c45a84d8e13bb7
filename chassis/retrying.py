"""Helpers for loops that must retry forever: capped backoff with jitter, honest cancellation."""

from __future__ import annotations

import asyncio
import random


def backoff_delay(failures: int, *, base: float, cap: float) -> float:
    """Capped exponential backoff with jitter, so replicas do not retry in lockstep."""
    delay: float = min(cap, base * 2 ** min(failures - 1, 16))
    return delay * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography


def raise_if_cancelled() -> None:
    """Re-raise a cancellation that a library turned into an ordinary error.

    nats-py reports a cancelled wait on a closed connection as ConnectionClosedError; a retry loop
    catching errors would then swallow the cancellation and never end.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
