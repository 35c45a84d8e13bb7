"""The postal address shape, shared by orders (where to ship) and shipments (where the parcel goes)."""

from pydantic import BaseModel, ConfigDict, Field


class Address(BaseModel):
    """A postal address to ship to."""

    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200, examples=["Alice Example"])
    line1: str = Field(min_length=1, max_length=200, examples=["Hauptstrasse 1"])
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100, examples=["Berlin"])
    postal_code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]{0,15}$", examples=["10115"])
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2.", examples=["DE"])
