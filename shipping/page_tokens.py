"""Opaque page tokens: URL-safe base64 of a small JSON document naming the listing, filter and position.

A token is only valid for the listing and filter it was issued for; anything else is INVALID_ARGUMENT.
"""

from __future__ import annotations

import base64
import binascii
import json

from shipping.domain import InvalidRequest

_BAD_TOKEN = ("page_token", "is not a token from the previous page of this listing")


def encode_page_token(listing: str, scope: str, position: int | None) -> str:
    if position is None:
        return ""
    document = json.dumps({"l": listing, "s": scope, "p": position}, separators=(",", ":"))
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


def decode_page_token(token: str, listing: str, scope: str) -> int | None:
    if not token:
        return None
    document = _document(token)
    position = document.get("p")
    if (
        document.get("l") != listing
        or document.get("s") != scope
        or not isinstance(position, int)
        or isinstance(position, bool)
    ):
        raise InvalidRequest([_BAD_TOKEN])
    return position


def _document(token: str) -> dict[str, object]:
    try:
        document = json.loads(base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()))
    except (binascii.Error, ValueError):
        document = None
    return document if isinstance(document, dict) else {}
