"""Translation between protobuf messages and the API's JSON: request schemas in, JSON-ready dicts out.

Responses are built as plain dicts shaped like the schemas in `edge_gateway.schemas` (the tests
validate them against those models) because validating a model per response would cost the hot
catalogue path for nothing: the data comes from our own typed contract.
"""

from typing import Any

from google.protobuf.message import Message

from edge_gateway.schemas.items import AdjustStockBody, CreateItemBody
from edge_gateway.schemas.orders import Address, PlaceOrderBody
from mercado.common.v1 import address_pb2, money_pb2
from mercado.inventory.v1 import inventory_pb2

JsonObject = dict[str, Any]


def money_json(money: money_pb2.Money) -> JsonObject:
    return {"currency": money.currency_code, "amount_minor": money.amount_minor}


def timestamp_json(message: Message, field: str) -> str | None:
    """RFC 3339 UTC text of a Timestamp field, or None when the field is unset."""
    return getattr(message, field).ToJsonString() if message.HasField(field) else None


def item_json(item: inventory_pb2.Item) -> JsonObject:
    return {
        "sku": item.sku,
        "name": item.name,
        "unit_price": money_json(item.unit_price),
        "weight_grams": item.weight_grams,
        "on_hand": item.on_hand,
        "reserved": item.reserved,
        "available": item.available,
        "low_stock_threshold": item.low_stock_threshold,
        "created_at": timestamp_json(item, "create_time"),
        "updated_at": timestamp_json(item, "update_time"),
    }


def address_json(address: address_pb2.PostalAddress) -> JsonObject:
    return {
        "name": address.name,
        "line1": address.line1,
        "line2": address.line2 or None,
        "city": address.city,
        "postal_code": address.postal_code,
        "country": address.country,
    }


def reservation_line_json(line: inventory_pb2.ReservationLine) -> JsonObject:
    return {
        "sku": line.sku,
        "quantity": line.quantity,
        "unit_price": money_json(line.unit_price),
        "unit_weight_grams": line.unit_weight_grams,
        "line_total": money_json(line.line_total),
    }


def create_item_request(body: CreateItemBody) -> inventory_pb2.CreateItemRequest:
    return inventory_pb2.CreateItemRequest(
        sku=body.sku,
        name=body.name,
        unit_price=money_pb2.Money(
            currency_code=body.unit_price.currency, amount_minor=body.unit_price.amount_minor
        ),
        weight_grams=body.weight_grams,
        initial_on_hand=body.initial_on_hand,
        low_stock_threshold=body.low_stock_threshold,
    )


def adjust_stock_request(sku: str, body: AdjustStockBody) -> inventory_pb2.AdjustStockRequest:
    return inventory_pb2.AdjustStockRequest(sku=sku, delta=body.delta, reason=body.reason)


def address_proto(address: Address) -> address_pb2.PostalAddress:
    return address_pb2.PostalAddress(
        name=address.name,
        line1=address.line1,
        line2=address.line2 or "",
        city=address.city,
        postal_code=address.postal_code,
        country=address.country,
    )


def reserve_stock_request(
    order_id: str, customer_id: str, body: PlaceOrderBody
) -> inventory_pb2.ReserveStockRequest:
    return inventory_pb2.ReserveStockRequest(
        order_id=order_id,
        customer_id=customer_id,
        lines=[inventory_pb2.ReserveStockLine(sku=line.sku, quantity=line.quantity) for line in body.lines],
        shipping_address=address_proto(body.shipping_address),
    )
