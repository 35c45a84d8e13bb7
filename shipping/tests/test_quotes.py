"""Unit tests of QuoteShipment's rate table: zones, weight bands, currencies, and what it refuses."""

from __future__ import annotations

import pytest

from shipping.domain import InvalidRequest, Money, Unshippable
from shipping.use_cases import QuoteRequest, quote_shipment


def quoted(country: str, weight: int, currency: str = "EUR") -> tuple[Money, int, str]:
    quote = quote_shipment(QuoteRequest(country, weight, currency))
    return quote.fee, quote.eta_days, quote.carrier.name


@pytest.mark.parametrize(
    ("country", "fee", "eta_days", "carrier"),
    [
        ("DE", 499, 2, "Mercado Post"),
        ("FR", 999, 4, "Mercado Post"),
        ("GB", 1299, 5, "Mercado Express"),
        ("US", 1999, 8, "Mercado Express"),
    ],
)
def test_each_zone_has_its_own_fee_eta_and_carrier(
    country: str, fee: int, eta_days: int, carrier: str
) -> None:
    assert quoted(country, 800) == (Money(fee, "EUR"), eta_days, carrier)


def test_a_weight_on_a_band_boundary_belongs_to_the_lighter_band() -> None:
    assert quoted("DE", 1000)[0] == Money(499, "EUR")
    assert quoted("DE", 1001)[0] == Money(599, "EUR")
    assert quoted("DE", 31_500)[0] == Money(2499, "EUR")


def test_pounds_and_dollars_are_priced_from_their_own_columns_not_converted() -> None:
    assert quoted("PT", 1500, "GBP")[0] == Money(1099, "GBP")
    assert quoted("PT", 1500, "USD")[0] == Money(1399, "USD")


def test_the_same_parcel_always_gets_the_same_quote() -> None:
    assert quoted("JP", 4321, "USD") == quoted("JP", 4321, "USD")


@pytest.mark.parametrize(
    ("country", "weight", "currency", "fact"),
    [
        pytest.param("AQ", 500, "EUR", "destination_country", id="no-rate-for-destination"),
        pytest.param("DE", 31_501, "EUR", "total_weight_grams", id="heavier-than-last-band"),
        pytest.param("DE", 500, "JPY", "currency_code", id="currency-without-prices"),
    ],
)
def test_a_parcel_the_table_has_no_rate_for_is_unshippable(
    country: str, weight: int, currency: str, fact: str
) -> None:
    with pytest.raises(Unshippable) as refused:
        quoted(country, weight, currency)
    assert fact in refused.value.metadata


def test_every_malformed_field_is_reported_in_one_error() -> None:
    with pytest.raises(InvalidRequest) as invalid:
        quoted("deu", 0, "euro")
    fields = [field for field, _ in invalid.value.violations]
    assert fields == ["destination_country", "total_weight_grams", "currency_code"]


@pytest.mark.parametrize("country", ["de", "D", "DEU", "", "1A"])
def test_a_country_that_is_not_upper_case_alpha_2_is_invalid(country: str) -> None:
    with pytest.raises(InvalidRequest) as invalid:
        quoted(country, 500)
    assert [field for field, _ in invalid.value.violations] == ["destination_country"]


@pytest.mark.parametrize("weight", [0, -1, 1_000_000_001])
def test_a_weight_that_is_not_positive_or_absurd_is_invalid(weight: int) -> None:
    with pytest.raises(InvalidRequest) as invalid:
        quoted("DE", weight)
    assert [field for field, _ in invalid.value.violations] == ["total_weight_grams"]
