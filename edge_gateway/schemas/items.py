"""Catalogue shapes: an item with its availability, a page of items, and the admin write bodies."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from edge_gateway.schemas.money import NEXT_PAGE_TOKEN_DESCRIPTION, Money, PriceIn

SKU_PATTERN = r"^[A-Z0-9][A-Z0-9-]{2,31}$"

Sku = Annotated[
    str,
    Field(
        pattern=SKU_PATTERN,
        description="3 to 32 characters of A-Z, 0-9 and '-', not starting with '-'.",
        examples=["MUG-001"],
    ),
]


class Item(BaseModel):
    """A catalogue item with its current stock."""

    sku: Sku
    name: str
    unit_price: Money
    weight_grams: int
    on_hand: int = Field(description="Units physically in stock, reserved ones included.")
    reserved: int = Field(description="Units held by open orders.")
    available: int = Field(description="on_hand - reserved; never negative.")
    low_stock_threshold: int
    created_at: datetime | None
    updated_at: datetime | None


class ItemPage(BaseModel):
    """One page of the catalogue in SKU order."""

    items: list[Item]
    next_page_token: str = Field(description=NEXT_PAGE_TOKEN_DESCRIPTION)


class CreateItemBody(BaseModel):
    """A new catalogue item."""

    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True)

    sku: Sku
    name: str = Field(min_length=1, max_length=200)
    unit_price: PriceIn
    weight_grams: int = Field(gt=0, le=1_000_000)
    initial_on_hand: int = Field(default=0, ge=0, le=10**9)
    low_stock_threshold: int = Field(default=0, ge=0, le=10**9)


class AdjustStockBody(BaseModel):
    """A restock (positive delta) or shrinkage (negative delta) with the reason it happened."""

    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True)

    delta: int = Field(ge=-(10**9), le=10**9, description="Units to add or remove; never zero.")
    reason: str = Field(min_length=1, max_length=200, examples=["restock from supplier"])

    @field_validator("delta")
    @classmethod
    def _not_zero(cls, delta: int) -> int:
        if delta == 0:
            raise ValueError("delta must not be zero")
        return delta
