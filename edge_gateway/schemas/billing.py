"""Billing shapes: an account and its top-ups, and invoices (as an order embeds them and in full)."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from edge_gateway.schemas.items import Sku
from edge_gateway.schemas.money import Money, PriceIn


class InvoiceStatus(StrEnum):
    """PENDING -> PAID | FAILED; PAID -> REFUNDED once the order was cancelled."""

    PENDING = "PENDING"
    PAID = "PAID"
    FAILED = "FAILED"
    REFUNDED = "REFUNDED"


class Account(BaseModel):
    """A customer's prepaid balance (store credit), in the currency of its first top-up."""

    customer_id: str
    balance: Money
    created_at: datetime | None
    updated_at: datetime | None


class AmountIn(PriceIn):
    """An amount given by a client: positive, exact, in minor units."""


class TopUpBody(BaseModel):
    """Money to credit to the account; the first top-up fixes the account's currency."""

    model_config = ConfigDict(strict=True, extra="forbid")

    amount: AmountIn


class TopUp(BaseModel):
    """One credit booked on an account; a retry with the same Idempotency-Key returns the first one."""

    top_up_id: str
    amount: Money
    idempotency_key: str = Field(description="The request's Idempotency-Key, or one the edge generated.")
    balance_after: Money
    created_at: datetime | None


class TopUpResult(BaseModel):
    """The booked top-up and the account as it is now."""

    account: Account
    top_up: TopUp


class InvoiceSummary(BaseModel):
    """What an order costs and whether it was paid, as the order view shows it."""

    invoice_id: str
    status: InvoiceStatus
    subtotal: Money
    shipping_fee: Money
    total: Money = Field(description="subtotal + shipping_fee; the amount charged.")
    failure_reason: str | None = Field(
        description="Why the payment failed, e.g. INSUFFICIENT_FUNDS, NO_ACCOUNT, CURRENCY_MISMATCH, "
        "UNSHIPPABLE; null unless the status is FAILED.",
        examples=["INSUFFICIENT_FUNDS"],
    )


class InvoiceLine(BaseModel):
    """One billed line, priced at the reservation's snapshot."""

    sku: Sku
    quantity: int
    unit_price: Money
    line_total: Money


class Invoice(InvoiceSummary):
    """The invoice of one order, with its lines and the time of every status change."""

    order_id: str
    customer_id: str
    lines: list[InvoiceLine]
    failure_detail: str | None
    created_at: datetime | None
    updated_at: datetime | None
    paid_at: datetime | None
    failed_at: datetime | None
    refunded_at: datetime | None
