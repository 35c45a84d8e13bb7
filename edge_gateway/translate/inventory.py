"""Translation for the inventory context: items and reservation lines out, item and order requests in."""

from edge_gateway.schemas.items import AdjustStockBody, CreateItemBody
from edge_gateway.schemas.orders import PlaceOrderBody
from edge_gateway.translate.common import JsonObject, address_proto, money_json, money_proto, timestamp_json
from mercado.inventory.v1 import inventory_pb2


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
        unit_price=money_proto(body.unit_price.currency, body.unit_price.amount_minor),
        weight_grams=body.weight_grams,
        initial_on_hand=body.initial_on_hand,
        low_stock_threshold=body.low_stock_threshold,
    )


def adjust_stock_request(sku: str, body: AdjustStockBody) -> inventory_pb2.AdjustStockRequest:
    return inventory_pb2.AdjustStockRequest(sku=sku, delta=body.delta, reason=body.reason)


def reserve_stock_request(
    order_id: str, customer_id: str, body: PlaceOrderBody
) -> inventory_pb2.ReserveStockRequest:
    return inventory_pb2.ReserveStockRequest(
        order_id=order_id,
        customer_id=customer_id,
        lines=[inventory_pb2.ReserveStockLine(sku=line.sku, quantity=line.quantity) for line in body.lines],
        shipping_address=address_proto(body.shipping_address),
    )
