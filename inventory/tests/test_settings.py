"""The expiry settings: sensible defaults, and bad values refused with the variable's name."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from inventory.settings import InventorySettings


def test_the_sweep_runs_every_five_seconds_against_the_local_shipping_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("SHIPPING_ADDR", "EXPIRY_SWEEP_SECONDS", "RESERVATION_TTL_SECONDS"):
        monkeypatch.delenv(f"INVENTORY_{name}", raising=False)
    settings = InventorySettings()
    assert settings.expiry_sweep_seconds == 5.0
    assert settings.shipping_addr == "127.0.0.1:50053"
    assert settings.reservation_ttl.total_seconds() == 900


@pytest.mark.parametrize("address", ["shipping", "shipping:", ":50053", "shipping:70000"])
def test_a_shipping_address_without_host_and_port_is_refused(address: str) -> None:
    with pytest.raises(ValidationError, match="shipping_addr"):
        InventorySettings(shipping_addr=address)


def test_asking_again_before_a_cancellation_could_time_out_is_refused() -> None:
    with pytest.raises(ValidationError, match="INVENTORY_EXPIRY_ASK_AGAIN_SECONDS"):
        InventorySettings(expiry_ask_again_seconds=1.0, cancel_timeout_seconds=2.0)
