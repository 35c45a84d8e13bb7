"""Billing's settings: defaults that keep the saga safe, and refusal of values that would not."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from billing.settings import BillingSettings

# Inventory's default reservation time to live: after it, an unpaid order is cancelled.
RESERVATION_TTL_SECONDS = 900


def retry_window(settings: BillingSettings) -> float:
    """Seconds between the first and the last delivery of an event that keeps failing transiently."""
    backoff = settings.consumer_backoff_seconds
    return sum(backoff[min(attempt, len(backoff)) - 1] for attempt in range(1, settings.consumer_max_deliver))


def test_transient_retries_outlast_the_reservation_ttl() -> None:
    settings = BillingSettings()

    assert retry_window(settings) > RESERVATION_TTL_SECONDS


def test_quote_timeout_must_stay_below_ack_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BILLING_QUOTE_TIMEOUT_SECONDS", "30")
    monkeypatch.setenv("BILLING_CONSUMER_ACK_WAIT_SECONDS", "10")

    with pytest.raises(ValidationError, match="BILLING_QUOTE_TIMEOUT_SECONDS"):
        BillingSettings()


def test_backoff_schedule_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BILLING_CONSUMER_BACKOFF_SECONDS", "[1, 2]")

    assert BillingSettings().consumer_backoff_seconds == (1.0, 2.0)
