"""Money and paging shapes shared by every resource of the public API."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

CURRENCY_PATTERN = r"^[A-Z]{3}$"

Currency = Annotated[
    str, Field(pattern=CURRENCY_PATTERN, description="ISO 4217 code in upper case.", examples=["EUR"])
]


class Money(BaseModel):
    """An exact amount in the currency's minor unit (cents for EUR); never a float."""

    currency: Currency
    amount_minor: int = Field(description="Amount in minor units.", examples=[1999])


class PriceIn(BaseModel):
    """A price given by a client: positive, exact, in minor units."""

    model_config = ConfigDict(strict=True, extra="forbid")

    currency: Currency
    amount_minor: int = Field(gt=0, le=10**12, description="Amount in minor units, positive.")


PageToken = Annotated[
    str,
    Field(
        max_length=512,
        description="Opaque token from a previous page's next_page_token; empty for the first page.",
    ),
]

NEXT_PAGE_TOKEN_DESCRIPTION = "Pass as page_token to read the next page; empty on the last page."
