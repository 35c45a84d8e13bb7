"""Opaque page tokens for keyset-paged listings: bound to one listing and filter, rejected elsewhere."""

from __future__ import annotations

import base64
import binascii
import json

from billing.domain import InvalidRequest

_FIELD = "page_token"


def encode(listing: str, scope: str, position: int | None) -> str:
    """A token continuing after `position`; empty on the last page."""
    if position is None:
        return ""
    document = json.dumps({"listing": listing, "scope": scope, "after": position}, separators=(",", ":"))
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


def decode(token: str, listing: str, scope: str) -> int | None:
    """The position a token continues after; None for the first page, InvalidRequest if forged or stale."""
    if not token:
        return None
    document = _document(token)
    position = document.get("after")
    same_listing = document.get("listing") == listing and document.get("scope") == scope
    if not same_listing or not isinstance(position, int) or isinstance(position, bool):
        raise InvalidRequest([(_FIELD, "is not a token from the previous page of this listing")])
    return position


def _document(token: str) -> dict[str, object]:
    padded = token + "=" * (-len(token) % 4)
    try:
        document = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError):
        return {}
    return document if isinstance(document, dict) else {}
