"""Unit tests of the page tokens: opaque, round-trip, and bound to the listing and filter they came from."""

from __future__ import annotations

import pytest

from inventory.domain import InvalidRequest
from inventory.grpc_api import decode_page_token, encode_page_token


def test_a_token_round_trips_its_position() -> None:
    assert decode_page_token(encode_page_token("items", "", "MUG-001"), "items", "", str) == "MUG-001"
    token = encode_page_token("reservations", "alice", 42)
    assert decode_page_token(token, "reservations", "alice", int) == 42


def test_the_last_page_has_no_token_and_no_token_means_the_first_page() -> None:
    assert encode_page_token("items", "", None) == ""
    assert decode_page_token("", "items", "", str) is None


def test_a_token_reveals_no_key_in_plain_text() -> None:
    assert "MUG-001" not in encode_page_token("items", "", "MUG-001")


@pytest.mark.parametrize(
    ("token", "listing", "scope"),
    [
        ("garbage!", "reservations", ""),
        (encode_page_token("items", "", "MUG-001"), "reservations", ""),
        (encode_page_token("reservations", "alice", 7), "reservations", "bob"),
        (encode_page_token("reservations", "", "7"), "reservations", ""),
        (encode_page_token("reservations", "", True), "reservations", ""),
    ],
)
def test_a_token_from_elsewhere_is_rejected_as_invalid(token: str, listing: str, scope: str) -> None:
    with pytest.raises(InvalidRequest) as error:
        decode_page_token(token, listing, scope, int)
    assert error.value.violations[0][0] == "page_token"
