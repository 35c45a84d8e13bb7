"""Translation of the shapes every context shares: money, timestamps, postal addresses, enum values."""

import functools
from collections.abc import Mapping
from typing import Any, TypeVar

from google.protobuf import timestamp_pb2
from google.protobuf.message import Message

from edge_gateway.schemas.address import Address
from mercado.common.v1 import address_pb2, money_pb2

JsonObject = dict[str, Any]
_Status = TypeVar("_Status")


def money_json(money: money_pb2.Money) -> JsonObject:
    return {"currency": money.currency_code, "amount_minor": money.amount_minor}


def money_proto(currency: str, amount_minor: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code=currency, amount_minor=amount_minor)


def timestamp_json(message: Message, field: str) -> str | None:
    """RFC 3339 UTC text of a Timestamp field, or None when the field is unset."""
    if not message.HasField(field):
        return None
    stamp = getattr(message, field)
    return _rfc3339(stamp.seconds, stamp.nanos)


# Timestamp.ToJsonString is pure Python and was three quarters of item_json's time on the catalogue
# read; an item's timestamps repeat on every read of it, so their text is remembered by value.
@functools.lru_cache(maxsize=4096)
def _rfc3339(seconds: int, nanos: int) -> str:
    return str(timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos).ToJsonString())


def known_status(statuses: Mapping[int, _Status], value: int, kind: str) -> _Status:
    """A status this edge knows; any other means the contract moved ahead of the edge: fail loudly."""
    try:
        return statuses[value]
    except KeyError:
        raise ValueError(f"unknown {kind} status {value}") from None


def reason_name(names: Mapping[int, str], value: int) -> str | None:
    """A reason enum value as the API spells it; None when unset.

    Unlike a status, a reason only informs: one added to the contract after this edge was built
    is shown as UNKNOWN rather than failing the whole response.
    """
    return None if value == 0 else names.get(value, "UNKNOWN")


def address_json(address: address_pb2.PostalAddress) -> JsonObject:
    return {
        "name": address.name,
        "line1": address.line1,
        "line2": address.line2 or None,
        "city": address.city,
        "postal_code": address.postal_code,
        "country": address.country,
    }


def address_proto(address: Address) -> address_pb2.PostalAddress:
    return address_pb2.PostalAddress(
        name=address.name,
        line1=address.line1,
        line2=address.line2 or "",
        city=address.city,
        postal_code=address.postal_code,
        country=address.country,
    )
