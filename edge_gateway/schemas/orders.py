"""Order shapes: the body that places an order and the composed order view returned for it."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from edge_gateway.schemas.items import Sku
from edge_gateway.schemas.money import NEXT_PAGE_TOKEN_DESCRIPTION, Money

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


class Address(BaseModel):
    """A postal address to ship to."""

    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200, examples=["Alice Example"])
    line1: str = Field(min_length=1, max_length=200, examples=["Hauptstrasse 1"])
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100, examples=["Berlin"])
    postal_code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]{0,15}$", examples=["10115"])
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2.", examples=["DE"])


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


class Order(BaseModel):
    """The composed view of an order."""

    order_id: str = Field(description="UUID of the order.")
    customer_id: str
    status: OrderStatus
    lines: list[OrderLine]
    shipping_address: Address
    totals: OrderTotals
    total_weight_grams: int
    created_at: datetime | None
    updated_at: datetime | None


class OrderPage(BaseModel):
    """One page of orders, newest first."""

    orders: list[Order]
    next_page_token: str = Field(description=NEXT_PAGE_TOKEN_DESCRIPTION)
