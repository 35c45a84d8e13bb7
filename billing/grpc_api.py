"""BillingService over gRPC: proto request -> use case -> proto response, and the error -> status table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import grpc
import grpc.aio

from billing import use_cases
from billing.domain import (
    AccountNotFound,
    CurrencyMismatch,
    IdempotencyKeyReused,
    InvalidRequest,
    InvoiceNotFound,
)
from billing.messages import account_to_proto, invoice_to_proto, money_from_proto, top_up_to_proto
from billing.use_cases import Limits, Queries, TopUpRequest, UnitOfWork
from chassis.errors import ErrorMapping, ErrorTable
from chassis.page_tokens import InvalidPageToken, decode_page_token, encode_page_token
from mercado.billing.v1 import billing_pb2 as pb
from mercado.billing.v1 import billing_pb2_grpc

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["BillingService"].full_name

_code = grpc.StatusCode
ERROR_TABLE: ErrorTable = {
    InvalidRequest: ErrorMapping(_code.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
    InvalidPageToken: ErrorMapping(_code.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
    AccountNotFound: ErrorMapping(_code.NOT_FOUND, "ACCOUNT_NOT_FOUND"),
    InvoiceNotFound: ErrorMapping(_code.NOT_FOUND, "INVOICE_NOT_FOUND"),
    IdempotencyKeyReused: ErrorMapping(_code.ALREADY_EXISTS, "IDEMPOTENCY_KEY_REUSED"),
    CurrencyMismatch: ErrorMapping(_code.FAILED_PRECONDITION, "CURRENCY_MISMATCH"),
}

Context = grpc.aio.ServicerContext[Any, Any]


def utc_now() -> datetime:
    return datetime.now(UTC)


class BillingServicer(billing_pb2_grpc.BillingServiceServicer):
    """Translates only: every rule lives in the use cases, every status code in ERROR_TABLE."""

    def __init__(
        self,
        *,
        unit_of_work: Callable[[], UnitOfWork],
        queries: Queries,
        limits: Limits,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._uow = unit_of_work
        self._queries = queries
        self._limits = limits
        self._clock = clock

    async def GetAccount(self, request: pb.GetAccountRequest, context: Context) -> pb.GetAccountResponse:
        account = await use_cases.get_account(self._queries, request.customer_id)
        return pb.GetAccountResponse(account=account_to_proto(account))

    async def TopUpAccount(
        self, request: pb.TopUpAccountRequest, context: Context
    ) -> pb.TopUpAccountResponse:
        top_up = TopUpRequest(
            customer_id=request.customer_id,
            amount=money_from_proto(request.amount),
            idempotency_key=request.idempotency_key,
        )
        result = await use_cases.top_up_account(self._uow(), top_up, now=self._clock())
        return pb.TopUpAccountResponse(
            account=account_to_proto(result.account), top_up=top_up_to_proto(result.top_up)
        )

    async def GetInvoice(self, request: pb.GetInvoiceRequest, context: Context) -> pb.GetInvoiceResponse:
        invoice = await use_cases.get_invoice(self._queries, request.invoice_id)
        return pb.GetInvoiceResponse(invoice=invoice_to_proto(invoice))

    async def GetInvoiceByOrder(
        self, request: pb.GetInvoiceByOrderRequest, context: Context
    ) -> pb.GetInvoiceByOrderResponse:
        invoice = await use_cases.get_invoice_by_order(self._queries, request.order_id)
        return pb.GetInvoiceByOrderResponse(invoice=invoice_to_proto(invoice))

    async def ListInvoices(
        self, request: pb.ListInvoicesRequest, context: Context
    ) -> pb.ListInvoicesResponse:
        before = decode_page_token(request.page_token, "invoices", request.customer_id, int)
        page = await use_cases.list_invoices(
            self._queries,
            customer_id=request.customer_id,
            size=request.page_size,
            before=before,
            limits=self._limits,
        )
        return pb.ListInvoicesResponse(
            invoices=[invoice_to_proto(invoice) for invoice in page.entries],
            next_page_token=encode_page_token("invoices", request.customer_id, page.next_key),
        )
