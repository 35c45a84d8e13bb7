"""Page tokens round-trip within their listing and scope and are refused anywhere else."""

from __future__ import annotations

import pytest

from chassis.page_tokens import FIELD, InvalidPageToken, decode_page_token, encode_page_token


def test_a_token_round_trips_and_the_last_page_has_none() -> None:
    token = encode_page_token("invoices", "ann", 42)
    assert decode_page_token(token, "invoices", "ann", int) == 42
    assert decode_page_token(encode_page_token("items", "", "SKU-1"), "items", "", str) == "SKU-1"
    assert encode_page_token("invoices", "ann", None) == ""
    assert decode_page_token("", "invoices", "ann", int) is None
    assert not set(token) & set("=+/")


@pytest.mark.parametrize(
    ("token", "listing", "scope", "kind"),
    [
        (encode_page_token("invoices", "ann", 42), "invoices", "bob", int),
        (encode_page_token("invoices", "ann", 42), "shipments", "ann", int),
        (encode_page_token("invoices", "ann", 42), "invoices", "ann", str),
        (encode_page_token("invoices", "ann", True), "invoices", "ann", int),
        ("not-a-token", "invoices", "ann", int),
        ("bm90IGEgdG9rZW4", "invoices", "ann", int),
    ],
)
def test_a_foreign_or_damaged_token_is_refused(token: str, listing: str, scope: str, kind: type[int]) -> None:
    with pytest.raises(InvalidPageToken) as raised:
        decode_page_token(token, listing, scope, kind)
    assert raised.value.violations == ((FIELD, "is not a token from the previous page of this listing"),)
