"""Opaque page tokens for keyset-paged listings: bound to one listing and filter, rejected elsewhere.

A token is URL-safe base64 (unpadded) of a small JSON document naming the listing, its filter (scope)
and the keyset position to continue after. Callers map InvalidPageToken to INVALID_ARGUMENT.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TypeVar

FIELD = "page_token"

Position = TypeVar("Position", str, int)


class InvalidPageToken(ValueError):
    """The token was forged, damaged, or issued for another listing or filter."""

    def __init__(self) -> None:
        # Plain (field, description) pairs: chassis.errors turns them into a BadRequest field violation.
        self.violations = ((FIELD, "is not a token from the previous page of this listing"),)
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in self.violations))


def encode_page_token(listing: str, scope: str, position: str | int | None) -> str:
    """A token continuing after `position`; empty on the last page (no position)."""
    if position is None:
        return ""
    document = json.dumps({"l": listing, "s": scope, "p": position}, separators=(",", ":"))
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


def decode_page_token(token: str, listing: str, scope: str, kind: type[Position]) -> Position | None:
    """The position a token continues after; None for the first page (empty token)."""
    if not token:
        return None
    document = _document(token)
    position = document.get("p")
    if (
        document.get("l") != listing
        or document.get("s") != scope
        or not isinstance(position, kind)
        or isinstance(position, bool)
    ):
        raise InvalidPageToken()
    return position


def _document(token: str) -> dict[str, object]:
    try:
        document = json.loads(base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()))
    except (binascii.Error, ValueError):
        document = None
    return document if isinstance(document, dict) else {}
