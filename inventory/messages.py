"""Domain objects to and from the contract's protobuf messages, shared by the gRPC API and the events."""

from __future__ import annotations

from chassis.proto_time import timestamp
from inventory.domain import Item, Money, PostalAddress, Reservation, ReservationLine, ReservationStatus
from mercado.common.v1 import address_pb2, money_pb2
from mercado.inventory.v1 import inventory_pb2

STATUS_TO_PROTO = {
    ReservationStatus.RESERVED: inventory_pb2.RESERVATION_STATUS_RESERVED,
    ReservationStatus.COMMITTED: inventory_pb2.RESERVATION_STATUS_COMMITTED,
    ReservationStatus.RELEASED: inventory_pb2.RESERVATION_STATUS_RELEASED,
}


def money_to_proto(money: Money) -> money_pb2.Money:
    return money_pb2.Money(currency_code=money.currency, amount_minor=money.amount_minor)


def money_from_proto(money: money_pb2.Money) -> Money:
    return Money(money.amount_minor, money.currency_code)


def address_to_proto(address: PostalAddress) -> address_pb2.PostalAddress:
    return address_pb2.PostalAddress(
        name=address.name,
        line1=address.line1,
        line2=address.line2,
        city=address.city,
        postal_code=address.postal_code,
        country=address.country,
    )


def address_from_proto(address: address_pb2.PostalAddress) -> PostalAddress:
    return PostalAddress(
        name=address.name,
        line1=address.line1,
        line2=address.line2,
        city=address.city,
        postal_code=address.postal_code,
        country=address.country,
    )


def item_to_proto(item: Item) -> inventory_pb2.Item:
    return inventory_pb2.Item(
        sku=item.sku,
        name=item.name,
        unit_price=money_to_proto(item.unit_price),
        weight_grams=item.weight_grams,
        on_hand=item.on_hand,
        reserved=item.reserved,
        available=item.available,
        low_stock_threshold=item.low_stock_threshold,
        create_time=timestamp(item.create_time),
        update_time=timestamp(item.update_time),
    )


def line_to_proto(line: ReservationLine) -> inventory_pb2.ReservationLine:
    return inventory_pb2.ReservationLine(
        sku=line.sku,
        quantity=line.quantity,
        unit_price=money_to_proto(line.unit_price),
        unit_weight_grams=line.unit_weight_grams,
        line_total=money_to_proto(line.line_total),
    )


def reservation_to_proto(reservation: Reservation) -> inventory_pb2.Reservation:
    return inventory_pb2.Reservation(
        order_id=reservation.order_id,
        customer_id=reservation.customer_id,
        lines=[line_to_proto(line) for line in reservation.lines],
        shipping_address=address_to_proto(reservation.shipping_address),
        status=STATUS_TO_PROTO[reservation.status],
        subtotal=money_to_proto(reservation.subtotal),
        total_weight_grams=reservation.total_weight_grams,
        create_time=timestamp(reservation.create_time),
        update_time=timestamp(reservation.update_time),
        expire_time=timestamp(reservation.expire_time),
    )
