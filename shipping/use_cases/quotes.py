"""Quoting: price a parcel from the rate table; pure and synchronous, billing calls it once per order."""

from __future__ import annotations

from shipping.domain import Quote, quote
from shipping.use_cases.requests import QuoteRequest, check_quote_request


def quote_shipment(request: QuoteRequest) -> Quote:
    """The fee, ETA and carrier; InvalidRequest for malformed input, Unshippable when there is no rate."""
    check_quote_request(request)
    return quote(request.destination_country, request.total_weight_grams, request.currency)
