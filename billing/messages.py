"""Domain objects to and from the contract's protobuf messages, shared by the gRPC API and the events."""

from __future__ import annotations

from billing.domain import (
    Account,
    FailureReason,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LedgerEntry,
    Money,
    PostalAddress,
)
from chassis.proto_time import optional_timestamp, timestamp
from mercado.billing.v1 import billing_pb2, events_pb2
from mercado.common.v1 import address_pb2, money_pb2

STATUS_TO_PROTO = {
    InvoiceStatus.PENDING: billing_pb2.INVOICE_STATUS_PENDING,
    InvoiceStatus.PAID: billing_pb2.INVOICE_STATUS_PAID,
    InvoiceStatus.FAILED: billing_pb2.INVOICE_STATUS_FAILED,
    InvoiceStatus.REFUNDED: billing_pb2.INVOICE_STATUS_REFUNDED,
}

REASON_TO_PROTO = {
    FailureReason.INSUFFICIENT_FUNDS: events_pb2.PAYMENT_FAILURE_REASON_INSUFFICIENT_FUNDS,
    FailureReason.NO_ACCOUNT: events_pb2.PAYMENT_FAILURE_REASON_NO_ACCOUNT,
    FailureReason.CURRENCY_MISMATCH: events_pb2.PAYMENT_FAILURE_REASON_CURRENCY_MISMATCH,
    FailureReason.UNSHIPPABLE: events_pb2.PAYMENT_FAILURE_REASON_UNSHIPPABLE,
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


def account_to_proto(account: Account) -> billing_pb2.Account:
    return billing_pb2.Account(
        customer_id=account.customer_id,
        balance=money_to_proto(account.balance),
        create_time=timestamp(account.create_time),
        update_time=timestamp(account.update_time),
    )


def top_up_to_proto(entry: LedgerEntry) -> billing_pb2.TopUp:
    return billing_pb2.TopUp(
        top_up_id=entry.entry_id,
        customer_id=entry.customer_id,
        amount=money_to_proto(entry.amount),
        idempotency_key=entry.reference,
        balance_after=money_to_proto(entry.balance_after),
        create_time=timestamp(entry.create_time),
    )


def line_to_proto(line: InvoiceLine) -> billing_pb2.InvoiceLine:
    return billing_pb2.InvoiceLine(
        sku=line.sku,
        quantity=line.quantity,
        unit_price=money_to_proto(line.unit_price),
        line_total=money_to_proto(line.line_total),
    )


def invoice_to_proto(invoice: Invoice) -> billing_pb2.Invoice:
    reason = invoice.failure_reason
    return billing_pb2.Invoice(
        invoice_id=invoice.invoice_id,
        order_id=invoice.order_id,
        customer_id=invoice.customer_id,
        lines=[line_to_proto(line) for line in invoice.lines],
        subtotal=money_to_proto(invoice.subtotal),
        shipping_fee=money_to_proto(invoice.shipping_fee),
        total=money_to_proto(invoice.total),
        status=STATUS_TO_PROTO[invoice.status],
        failure_reason=REASON_TO_PROTO[reason] if reason else events_pb2.PAYMENT_FAILURE_REASON_UNSPECIFIED,
        failure_detail=invoice.failure_detail,
        create_time=timestamp(invoice.create_time),
        update_time=timestamp(invoice.update_time),
        pay_time=optional_timestamp(invoice.pay_time),
        fail_time=optional_timestamp(invoice.fail_time),
        refund_time=optional_timestamp(invoice.refund_time),
    )
