"""Unit tests of request validation: every problem is reported with the path of the field at fault."""

from __future__ import annotations

import dataclasses

import pytest

from inventory.domain import InvalidRequest, Money
from inventory.tests.builders import ADDRESS, LIMITS, new_item, order
from inventory.use_cases import StockAdjustment
from inventory.use_cases.requests import (
    check_adjustment,
    check_new_item,
    check_order_id,
    check_order_request,
    page_size,
)


def fields_of(error: pytest.ExceptionInfo[InvalidRequest]) -> list[str]:
    return [field for field, _ in error.value.violations]


def test_a_valid_order_request_passes() -> None:
    check_order_request(order(("MUG-001", 2), ("TEA-002", 1)), LIMITS)


def test_order_request_reports_every_bad_field_with_its_path() -> None:
    bad_address = dataclasses.replace(ADDRESS, name=" ", city="", country="gb")
    request = order(("MUG-001", 0), ("bad sku", 1), address=bad_address, customer_id="")
    with pytest.raises(InvalidRequest) as error:
        check_order_request(request, LIMITS)
    assert fields_of(error) == [
        "customer_id",
        "lines[0].quantity",
        "lines[1].sku",
        "shipping_address.name",
        "shipping_address.city",
        "shipping_address.country",
    ]


def test_order_request_rejects_a_sku_listed_twice() -> None:
    with pytest.raises(InvalidRequest) as error:
        check_order_request(order(("MUG-001", 1), ("MUG-001", 2)), LIMITS)
    assert fields_of(error) == ["lines[1].sku"]


def test_order_request_needs_at_least_one_line() -> None:
    with pytest.raises(InvalidRequest) as error:
        check_order_request(order(), LIMITS)
    assert fields_of(error) == ["lines"]


def test_order_request_caps_line_count_and_quantity() -> None:
    too_many = order(*((f"SKU-{n:03}", 1) for n in range(LIMITS.max_lines_per_order + 1)))
    with pytest.raises(InvalidRequest) as error:
        check_order_request(too_many, LIMITS)
    assert fields_of(error) == ["lines"]
    with pytest.raises(InvalidRequest) as error:
        check_order_request(order(("MUG-001", LIMITS.max_quantity_per_line + 1)), LIMITS)
    assert fields_of(error) == ["lines[0].quantity"]


def test_address_limits_field_lengths_and_allows_an_empty_second_line() -> None:
    long_postal_code = dataclasses.replace(ADDRESS, postal_code="1" * 17, line2="")
    with pytest.raises(InvalidRequest) as error:
        check_order_request(order(("MUG-001", 1), address=long_postal_code), LIMITS)
    assert error.value.violations == (("shipping_address.postal_code", "must be at most 16 characters"),)


@pytest.mark.parametrize("country", ["", "G", "GBR", "gb", "G1"])
def test_address_country_must_be_an_upper_case_alpha_2_code(country: str) -> None:
    with pytest.raises(InvalidRequest) as error:
        check_order_request(
            order(("MUG-001", 1), address=dataclasses.replace(ADDRESS, country=country)), LIMITS
        )
    assert fields_of(error) == ["shipping_address.country"]


@pytest.mark.parametrize("order_id", ["", "order-1", "6F9619FF-8B86-D011-B42D-00C04FC964FF", "{6f9619ff}"])
def test_order_id_must_be_a_canonical_uuid(order_id: str) -> None:
    with pytest.raises(InvalidRequest) as error:
        check_order_id(order_id)
    assert fields_of(error) == ["order_id"]


def test_new_item_rejects_bad_sku_name_price_and_weight() -> None:
    bad = dataclasses.replace(new_item("-AB"), name="", unit_price=Money(0, "eur"), weight_grams=0)
    with pytest.raises(InvalidRequest) as error:
        check_new_item(bad)
    assert fields_of(error) == [
        "sku",
        "name",
        "unit_price.currency_code",
        "unit_price.amount_minor",
        "weight_grams",
    ]


def test_new_item_rejects_negative_stock_and_threshold() -> None:
    with pytest.raises(InvalidRequest) as error:
        check_new_item(new_item(on_hand=-1, threshold=-1))
    assert fields_of(error) == ["initial_on_hand", "low_stock_threshold"]


def test_adjustment_needs_a_reason_and_a_non_zero_delta() -> None:
    with pytest.raises(InvalidRequest) as error:
        check_adjustment(StockAdjustment("MUG-001", 0, "  "))
    assert fields_of(error) == ["delta", "reason"]


def test_page_size_zero_means_the_default_and_above_the_cap_is_rejected() -> None:
    assert page_size(0, LIMITS) == LIMITS.default_page_size
    assert page_size(LIMITS.max_page_size, LIMITS) == LIMITS.max_page_size
    with pytest.raises(InvalidRequest):
        page_size(LIMITS.max_page_size + 1, LIMITS)
    with pytest.raises(InvalidRequest):
        page_size(-1, LIMITS)
