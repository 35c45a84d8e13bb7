"""An in-memory BillingService that behaves and fails like the real one, rich status details included."""

import asyncio
import uuid
from collections.abc import Sequence
from typing import NoReturn

from google.rpc import code_pb2

from edge_gateway.tests import rich_status
from edge_gateway.tests.rich_status import Context, now, record_call
from mercado.billing.v1 import billing_pb2, billing_pb2_grpc, events_pb2
from mercado.common.v1 import money_pb2


async def abort(
    context: Context, code: int, reason: str, message: str, violations: Sequence[tuple[str, str]] = ()
) -> NoReturn:
    await rich_status.abort(context, code, reason, message, violations, domain="mercado.billing")


def eur(amount: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", amount_minor=amount)


class FakeBilling(billing_pb2_grpc.BillingServiceServicer):
    """Accounts, top-ups and invoices in dicts; `hanging` makes GetInvoiceByOrder outlast any deadline."""

    def __init__(self) -> None:
        self.accounts: dict[str, billing_pb2.Account] = {}
        self.top_ups: dict[tuple[str, str], billing_pb2.TopUp] = {}
        self.invoices: dict[str, billing_pb2.Invoice] = {}
        self.hanging = False
        self.abandoned = 0  # hanging calls their caller gave up on (cancelled or past the deadline)
        self.calls: list[tuple[str, dict[str, str], float | None]] = []

    async def _hang(self) -> None:
        try:
            await asyncio.Event().wait()  # never set: only the caller can end this call
        except asyncio.CancelledError:
            self.abandoned += 1
            raise

    def methods_called(self) -> list[str]:
        return [method for method, _, _ in self.calls]

    def add_invoice(
        self,
        order_id: str,
        customer_id: str,
        status: billing_pb2.InvoiceStatus.ValueType,
        *,
        subtotal: int = 6498,
        fee: int = 590,
    ) -> billing_pb2.Invoice:
        """Store (or replace) the order's invoice in `status`, as the saga would have left it."""
        known = self.invoice_of(order_id)
        invoice = billing_pb2.Invoice(
            invoice_id=known.invoice_id if known else str(uuid.uuid4()),
            order_id=order_id,
            customer_id=customer_id,
            subtotal=eur(subtotal),
            shipping_fee=eur(fee),
            total=eur(subtotal + fee),
            status=status,
            create_time=now(),
            update_time=now(),
        )
        if status == billing_pb2.INVOICE_STATUS_FAILED:
            invoice.failure_reason = events_pb2.PAYMENT_FAILURE_REASON_INSUFFICIENT_FUNDS
            invoice.failure_detail = "the balance does not cover the total"
            invoice.fail_time.CopyFrom(now())
        self.invoices[invoice.invoice_id] = invoice
        return invoice

    def invoice_of(self, order_id: str) -> billing_pb2.Invoice | None:
        return next((i for i in self.invoices.values() if i.order_id == order_id), None)

    async def GetAccount(  # noqa: N802
        self, request: billing_pb2.GetAccountRequest, context: Context
    ) -> billing_pb2.GetAccountResponse:
        record_call(self.calls, "GetAccount", context)
        if request.customer_id not in self.accounts:
            message = f"customer {request.customer_id} has no account"
            await abort(context, code_pb2.NOT_FOUND, "ACCOUNT_NOT_FOUND", message)
        return billing_pb2.GetAccountResponse(account=self.accounts[request.customer_id])

    async def TopUpAccount(  # noqa: N802
        self, request: billing_pb2.TopUpAccountRequest, context: Context
    ) -> billing_pb2.TopUpAccountResponse:
        record_call(self.calls, "TopUpAccount", context)
        if request.amount.amount_minor <= 0:
            violations = [("amount.amount_minor", "must be positive")]
            await abort(context, code_pb2.INVALID_ARGUMENT, "INVALID_ARGUMENT", "bad amount", violations)
        earlier = self.top_ups.get((request.customer_id, request.idempotency_key))
        if earlier is not None:
            if earlier.amount != request.amount:
                message = f"key {request.idempotency_key} was used for another amount"
                await abort(context, code_pb2.ALREADY_EXISTS, "IDEMPOTENCY_KEY_REUSED", message)
            account = self.accounts[request.customer_id]
            return billing_pb2.TopUpAccountResponse(account=account, top_up=earlier)
        credited = self._credit(request.customer_id, request.amount)
        if credited is None:
            message = "the account is kept in another currency"
            await abort(context, code_pb2.FAILED_PRECONDITION, "CURRENCY_MISMATCH", message)
        account = credited
        top_up = billing_pb2.TopUp(
            top_up_id=str(uuid.uuid4()),
            customer_id=request.customer_id,
            amount=request.amount,
            idempotency_key=request.idempotency_key,
            balance_after=account.balance,
            create_time=now(),
        )
        self.top_ups[(request.customer_id, request.idempotency_key)] = top_up
        return billing_pb2.TopUpAccountResponse(account=account, top_up=top_up)

    def _credit(self, customer_id: str, amount: money_pb2.Money) -> billing_pb2.Account | None:
        account = self.accounts.get(customer_id)
        if account is None:
            account = billing_pb2.Account(
                customer_id=customer_id,
                balance=money_pb2.Money(currency_code=amount.currency_code),
                create_time=now(),
            )
            self.accounts[customer_id] = account
        elif account.balance.currency_code != amount.currency_code:
            return None
        account.balance.amount_minor += amount.amount_minor
        account.update_time.CopyFrom(now())
        return account

    async def GetInvoice(  # noqa: N802
        self, request: billing_pb2.GetInvoiceRequest, context: Context
    ) -> billing_pb2.GetInvoiceResponse:
        record_call(self.calls, "GetInvoice", context)
        if request.invoice_id not in self.invoices:
            await abort(context, code_pb2.NOT_FOUND, "INVOICE_NOT_FOUND", f"invoice {request.invoice_id}")
        return billing_pb2.GetInvoiceResponse(invoice=self.invoices[request.invoice_id])

    async def GetInvoiceByOrder(  # noqa: N802
        self, request: billing_pb2.GetInvoiceByOrderRequest, context: Context
    ) -> billing_pb2.GetInvoiceByOrderResponse:
        record_call(self.calls, "GetInvoiceByOrder", context)
        if self.hanging:
            await self._hang()
        invoice = self.invoice_of(request.order_id)
        if invoice is None:
            await abort(context, code_pb2.NOT_FOUND, "INVOICE_NOT_FOUND", f"order {request.order_id}")
        return billing_pb2.GetInvoiceByOrderResponse(invoice=invoice)

    async def ListInvoices(  # noqa: N802
        self, request: billing_pb2.ListInvoicesRequest, context: Context
    ) -> billing_pb2.ListInvoicesResponse:
        await abort(context, code_pb2.UNIMPLEMENTED, "UNIMPLEMENTED", "the edge does not list invoices")
