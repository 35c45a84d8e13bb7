"""Billing's domain events: facts the unit of work stores in the outbox with the change that caused them."""

from __future__ import annotations

from dataclasses import dataclass

from billing.domain.model import Invoice, PostalAddress


@dataclass(frozen=True)
class PaymentCaptured:
    invoice: Invoice
    shipping_address: PostalAddress
    total_weight_grams: int


@dataclass(frozen=True)
class PaymentFailed:
    invoice: Invoice


@dataclass(frozen=True)
class PaymentRefunded:
    invoice: Invoice


DomainEvent = PaymentCaptured | PaymentFailed | PaymentRefunded
