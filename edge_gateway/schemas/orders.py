"""Order shapes: the body that places an order and the composed order view returned for it."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from edge_gateway.schemas.address import Address
from edge_gateway.schemas.billing import InvoiceSummary
from edge_gateway.schemas.items import Sku
from edge_gateway.schemas.money import NEXT_PAGE_TOKEN_DESCRIPTION, Money
from edge_gateway.schemas.shipping import ShipmentSummary

CustomerId = Annotated[str, Field(min_length=1, max_length=128, examples=["alice"])]


class OrderStatus(StrEnum):
    """Where an order is in its life, as composed from the services that own its parts."""

    PENDING_PAYMENT = "PENDING_PAYMENT"
    PAYMENT_FAILED = "PAYMENT_FAILED"
    AWAITING_SHIPMENT = "AWAITING_SHIPMENT"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class OrderLineIn(BaseModel):
    """A quantity of one SKU; each SKU may appear once per order."""

    model_config = ConfigDict(strict=True, extra="forbid")

    sku: Sku
    quantity: int = Field(ge=1, description="Units to order, 1 to the per-line cap (default 1000).")


class PlaceOrderBody(BaseModel):
    """An order: lines and where to ship them. Only admins may name another customer."""

    model_config = ConfigDict(strict=True, extra="forbid")

    lines: list[OrderLineIn] = Field(min_length=1, description="1 to the per-order cap (default 50).")
    shipping_address: Address
    customer_id: CustomerId | None = Field(
        default=None, description="Admins: the customer the order is for. Customers: omit or own id."
    )


class OrderLine(BaseModel):
    """A line with the price and weight snapshotted when the stock was reserved."""

    sku: Sku
    quantity: int
    unit_price: Money
    unit_weight_grams: int
    line_total: Money


class OrderTotals(BaseModel):
    """Amounts of the order; shipping fee and total join once billing has invoiced it."""

    subtotal: Money
    shipping_fee: Money | None = Field(default=None, description="Absent until the order is invoiced.")
    total: Money | None = Field(default=None, description="Absent until the order is invoiced.")


OrderPart = Literal["billing", "shipping"]


class Order(BaseModel):
    """The composed view of an order: its reservation, invoice and shipment."""

    order_id: str = Field(description="UUID of the order.")
    customer_id: str
    status: OrderStatus
    lines: list[OrderLine]
    shipping_address: Address
    totals: OrderTotals
    total_weight_grams: int
    invoice: InvoiceSummary | None = Field(default=None, description="Absent until billing invoiced it.")
    shipment: ShipmentSummary | None = Field(
        default=None, description="Absent until the order is paid (or if it was cancelled before)."
    )
    degraded: list[OrderPart] = Field(
        description="Services that did not answer in time; their parts are missing and the status is "
        "derived from the parts that answered."
    )
    created_at: datetime | None
    updated_at: datetime | None = Field(description="The latest change of any part of the order.")


class OrderPage(BaseModel):
    """One page of orders, newest first."""

    orders: list[Order]
    next_page_token: str = Field(description=NEXT_PAGE_TOKEN_DESCRIPTION)
