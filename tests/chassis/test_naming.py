"""Event naming rule: subjects, streams and durable consumer names derived from the event type."""

from __future__ import annotations

import pytest

from chassis.naming import durable_for, stream_for, stream_subjects, subject_for


def test_subject_is_the_event_type() -> None:
    assert subject_for("mercado.inventory.v1.StockReserved") == "mercado.inventory.v1.StockReserved"


def test_stream_is_one_per_context_and_version() -> None:
    assert stream_for("mercado.inventory.v1.StockReserved") == "MERCADO_INVENTORY_V1"
    assert stream_for("mercado.inventory.v2.StockReserved") == "MERCADO_INVENTORY_V2"
    assert stream_subjects("MERCADO_INVENTORY_V1") == ["mercado.inventory.v1.>"]


def test_durable_name_has_no_dots() -> None:
    assert (
        durable_for("inventory", "mercado.billing.v1.PaymentFailed") == "inventory--billing-v1-PaymentFailed"
    )


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "StockReserved",
        "mercado.inventory.StockReserved",
        "mercado.Inventory.v1.StockReserved",
        "a.b.v1.c",
    ],
)
def test_rejects_event_types_outside_the_rule(bad: str) -> None:
    with pytest.raises(ValueError, match="event type"):
        stream_for(bad)


def test_rejects_unusable_service_and_stream_names() -> None:
    with pytest.raises(ValueError, match="service name"):
        durable_for("Inventory.Service", "mercado.billing.v1.PaymentFailed")
    with pytest.raises(ValueError, match="stream name"):
        stream_subjects("mercado.inventory")
