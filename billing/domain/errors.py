"""Billing's errors: plain exceptions named for what happened; the gRPC layer owns their status codes."""

from __future__ import annotations

from collections.abc import Sequence


class BillingError(Exception):
    """Base of every error billing reports to its callers."""


class InvalidRequest(BillingError):
    """The request breaks a rule of its own; `violations` names each field and what is wrong with it."""

    def __init__(self, violations: Sequence[tuple[str, str]]) -> None:
        self.violations = tuple(violations)
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in self.violations))


class AccountNotFound(BillingError):
    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        super().__init__(f"customer {customer_id} has no account")


class InvoiceNotFound(BillingError):
    def __init__(self, what: str) -> None:
        super().__init__(f"no invoice for {what}")


class IdempotencyKeyReused(BillingError):
    """A top-up key was used before for a different amount: the caller mixed up two requests."""

    def __init__(self, customer_id: str, key: str) -> None:
        self.customer_id, self.key = customer_id, key
        super().__init__(f"idempotency key {key!r} of customer {customer_id} was used for a different top-up")


class CurrencyMismatch(BillingError):
    def __init__(self, customer_id: str, account_currency: str, requested: str) -> None:
        self.metadata = {"account_currency": account_currency, "requested_currency": requested}
        super().__init__(f"the account of {customer_id} is kept in {account_currency}, not {requested}")


class Unshippable(BillingError):
    """Shipping cannot deliver the order's parcel, so the order cannot be invoiced for payment."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


class InvoiceNotInStatus(BillingError):
    """An invoice was asked to take a step its status does not allow (e.g. refund a failed one)."""

    def __init__(self, invoice_id: str, status: str, required: str) -> None:
        super().__init__(f"invoice {invoice_id} is {status}, not {required}")
