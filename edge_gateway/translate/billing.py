"""Translation for the billing context: accounts, top-ups and invoices out, top-up requests in."""

from collections.abc import Mapping

from edge_gateway.schemas.billing import InvoiceStatus, TopUpBody
from edge_gateway.translate.common import (
    JsonObject,
    known_status,
    money_json,
    money_proto,
    reason_name,
    timestamp_json,
)
from mercado.billing.v1 import billing_pb2, events_pb2

INVOICE_STATUS: Mapping[int, InvoiceStatus] = {
    billing_pb2.INVOICE_STATUS_PENDING: InvoiceStatus.PENDING,
    billing_pb2.INVOICE_STATUS_PAID: InvoiceStatus.PAID,
    billing_pb2.INVOICE_STATUS_FAILED: InvoiceStatus.FAILED,
    billing_pb2.INVOICE_STATUS_REFUNDED: InvoiceStatus.REFUNDED,
}
_FAILURE_REASONS: Mapping[int, str] = {
    value.number: value.name.removeprefix("PAYMENT_FAILURE_REASON_")
    for value in events_pb2.PaymentFailureReason.DESCRIPTOR.values
}


def invoice_status(invoice: billing_pb2.Invoice) -> InvoiceStatus:
    return known_status(INVOICE_STATUS, invoice.status, "invoice")


def account_json(account: billing_pb2.Account) -> JsonObject:
    return {
        "customer_id": account.customer_id,
        "balance": money_json(account.balance),
        "created_at": timestamp_json(account, "create_time"),
        "updated_at": timestamp_json(account, "update_time"),
    }


def top_up_json(result: billing_pb2.TopUpAccountResponse) -> JsonObject:
    top_up = result.top_up
    return {
        "account": account_json(result.account),
        "top_up": {
            "top_up_id": top_up.top_up_id,
            "amount": money_json(top_up.amount),
            "idempotency_key": top_up.idempotency_key,
            "balance_after": money_json(top_up.balance_after),
            "created_at": timestamp_json(top_up, "create_time"),
        },
    }


def top_up_request(
    customer_id: str, body: TopUpBody, idempotency_key: str
) -> billing_pb2.TopUpAccountRequest:
    return billing_pb2.TopUpAccountRequest(
        customer_id=customer_id,
        amount=money_proto(body.amount.currency, body.amount.amount_minor),
        idempotency_key=idempotency_key,
    )


def invoice_summary_json(invoice: billing_pb2.Invoice) -> JsonObject:
    """The invoice as an order embeds it."""
    return {
        "invoice_id": invoice.invoice_id,
        "status": invoice_status(invoice).value,
        "subtotal": money_json(invoice.subtotal),
        "shipping_fee": money_json(invoice.shipping_fee),
        "total": money_json(invoice.total),
        "failure_reason": reason_name(_FAILURE_REASONS, invoice.failure_reason),
    }


def invoice_json(invoice: billing_pb2.Invoice) -> JsonObject:
    lines = [
        {
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price": money_json(line.unit_price),
            "line_total": money_json(line.line_total),
        }
        for line in invoice.lines
    ]
    return invoice_summary_json(invoice) | {
        "order_id": invoice.order_id,
        "customer_id": invoice.customer_id,
        "lines": lines,
        "failure_detail": invoice.failure_detail or None,
        "created_at": timestamp_json(invoice, "create_time"),
        "updated_at": timestamp_json(invoice, "update_time"),
        "paid_at": timestamp_json(invoice, "pay_time"),
        "failed_at": timestamp_json(invoice, "fail_time"),
        "refunded_at": timestamp_json(invoice, "refund_time"),
    }
