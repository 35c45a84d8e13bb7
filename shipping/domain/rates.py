"""The rate table: zone of a destination, carrier, ETA and fee by weight band and currency; pure data.

Parcels leave one warehouse in Germany. Every country the table names belongs to one zone; a
country it does not name, a parcel heavier than the last weight band or a currency without prices
is unshippable. Fees are set per currency (EUR, GBP, USD) rather than converted, so a quote never
depends on an exchange rate and the same request always gets the same answer.
"""

from __future__ import annotations

import enum
from bisect import bisect_left
from dataclasses import dataclass

from shipping.domain.errors import Unshippable


@dataclass(frozen=True)
class Money:
    """An exact amount in the currency's minor unit; never a float."""

    amount_minor: int
    currency: str


class Zone(enum.Enum):
    DOMESTIC = "DOMESTIC"
    EU = "EU"
    EUROPE = "EUROPE"  # European countries outside the EU customs union
    WORLD = "WORLD"


@dataclass(frozen=True)
class Carrier:
    name: str
    tracking_prefix: str


@dataclass(frozen=True)
class Quote:
    fee: Money
    eta_days: int
    carrier: Carrier


_POST = Carrier("Mercado Post", "MP")
_EXPRESS = Carrier("Mercado Express", "MX")

_COUNTRIES = {
    Zone.DOMESTIC: "DE",
    Zone.EU: "AT BE BG CY CZ DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK",
    Zone.EUROPE: "AD AL BA CH FO GB GG GI IM IS JE LI MC ME MK NO RS SM VA",
    Zone.WORLD: "AE AR AU BR CA CL HK IL IN JP KR MX NZ SG TR TW US ZA",
}
_ZONES = {country: zone for zone, names in _COUNTRIES.items() for country in names.split()}

# (carrier, days from dispatch to delivery) per zone.
_SERVICE = {
    Zone.DOMESTIC: (_POST, 2),
    Zone.EU: (_POST, 4),
    Zone.EUROPE: (_EXPRESS, 5),
    Zone.WORLD: (_EXPRESS, 8),
}

# Upper bound (inclusive) of each weight band in grams; 31.5 kg is the usual parcel limit.
WEIGHT_BANDS_GRAMS = (1_000, 2_000, 5_000, 10_000, 20_000, 31_500)

# Fee in minor units for each weight band above, per zone and currency.
_FEES: dict[tuple[Zone, str], tuple[int, ...]] = {
    (Zone.DOMESTIC, "EUR"): (499, 599, 799, 1099, 1699, 2499),
    (Zone.DOMESTIC, "GBP"): (449, 549, 699, 949, 1449, 2149),
    (Zone.DOMESTIC, "USD"): (549, 649, 899, 1199, 1849, 2699),
    (Zone.EU, "EUR"): (999, 1299, 1799, 2499, 3499, 4999),
    (Zone.EU, "GBP"): (849, 1099, 1549, 2149, 2999, 4299),
    (Zone.EU, "USD"): (1099, 1399, 1949, 2699, 3799, 5449),
    (Zone.EUROPE, "EUR"): (1299, 1599, 2199, 2999, 4299, 5999),
    (Zone.EUROPE, "GBP"): (1099, 1349, 1899, 2599, 3699, 5149),
    (Zone.EUROPE, "USD"): (1399, 1749, 2399, 3249, 4649, 6499),
    (Zone.WORLD, "EUR"): (1999, 2599, 3499, 4999, 7499, 9999),
    (Zone.WORLD, "GBP"): (1699, 2249, 2999, 4299, 6449, 8599),
    (Zone.WORLD, "USD"): (2199, 2849, 3799, 5449, 8149, 10899),
}
SUPPORTED_CURRENCIES = tuple(sorted({currency for _, currency in _FEES}))


def zone_of(country: str) -> Zone:
    zone = _ZONES.get(country)
    if zone is None:
        raise Unshippable(f"no rate for destination {country}", destination_country=country)
    return zone


def carrier_for(country: str) -> Carrier:
    """The carrier that moves parcels to `country`; Unshippable if the table does not serve it."""
    return _SERVICE[zone_of(country)][0]


def quote(country: str, weight_grams: int, currency: str) -> Quote:
    """Fee, ETA and carrier of a parcel of `weight_grams` (positive) to `country` in `currency`."""
    zone = zone_of(country)
    band = bisect_left(WEIGHT_BANDS_GRAMS, weight_grams)
    if band == len(WEIGHT_BANDS_GRAMS):
        limit = WEIGHT_BANDS_GRAMS[-1]
        raise Unshippable(f"parcels above {limit} g cannot be shipped", total_weight_grams=str(weight_grams))
    fees = _FEES.get((zone, currency))
    if fees is None:
        supported = ", ".join(SUPPORTED_CURRENCIES)
        raise Unshippable(f"no rate in {currency}; quotes are in {supported}", currency_code=currency)
    carrier, eta_days = _SERVICE[zone]
    return Quote(Money(fees[band], currency), eta_days, carrier)
