"""Domain objects to and from the contract's protobuf messages, shared by the gRPC API and the events."""

from __future__ import annotations

from chassis.proto_time import timestamp
from mercado.common.v1 import address_pb2, money_pb2
from mercado.shipping.v1 import events_pb2 as events
from mercado.shipping.v1 import shipping_pb2 as pb
from shipping.domain import (
    CancellationReason,
    Money,
    PostalAddress,
    Quote,
    Shipment,
    ShipmentStatus,
    StatusChange,
)

STATUS_TO_PROTO = {
    ShipmentStatus.PENDING: pb.SHIPMENT_STATUS_PENDING,
    ShipmentStatus.DISPATCHED: pb.SHIPMENT_STATUS_DISPATCHED,
    ShipmentStatus.DELIVERED: pb.SHIPMENT_STATUS_DELIVERED,
    ShipmentStatus.CANCELLED: pb.SHIPMENT_STATUS_CANCELLED,
}
STATUS_FROM_PROTO = {value: status for status, value in STATUS_TO_PROTO.items()}

REASON_TO_PROTO = {
    CancellationReason.CUSTOMER_REQUEST: events.CANCELLATION_REASON_CUSTOMER_REQUEST,
    CancellationReason.ADMIN_REQUEST: events.CANCELLATION_REASON_ADMIN_REQUEST,
    CancellationReason.RESERVATION_EXPIRED: events.CANCELLATION_REASON_RESERVATION_EXPIRED,
}
REASON_FROM_PROTO = {value: reason for reason, value in REASON_TO_PROTO.items()}


def money_to_proto(money: Money) -> money_pb2.Money:
    return money_pb2.Money(currency_code=money.currency, amount_minor=money.amount_minor)


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


def reason_to_proto(reason: CancellationReason | None) -> events.CancellationReason.ValueType:
    return REASON_TO_PROTO[reason] if reason is not None else events.CANCELLATION_REASON_UNSPECIFIED


def change_to_proto(change: StatusChange) -> pb.ShipmentStatusChange:
    return pb.ShipmentStatusChange(
        status=STATUS_TO_PROTO[change.status], change_time=timestamp(change.change_time)
    )


def shipment_to_proto(shipment: Shipment) -> pb.Shipment:
    return pb.Shipment(
        shipment_id=shipment.shipment_id,
        order_id=shipment.order_id,
        customer_id=shipment.customer_id,
        shipping_address=address_to_proto(shipment.shipping_address),
        total_weight_grams=shipment.total_weight_grams,
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        status=STATUS_TO_PROTO[shipment.status],
        history=[change_to_proto(change) for change in shipment.history],
        cancellation_reason=reason_to_proto(shipment.cancellation_reason),
        create_time=timestamp(shipment.create_time),
        update_time=timestamp(shipment.update_time),
    )


def quote_to_proto(quote: Quote) -> pb.QuoteShipmentResponse:
    return pb.QuoteShipmentResponse(
        fee=money_to_proto(quote.fee), eta_days=quote.eta_days, carrier=quote.carrier.name
    )
