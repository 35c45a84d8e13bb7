"""What a run's driver knows and the services do not tell: stock received, money paid in, orders accepted.

The services expose current state only (on hand, balances), not the history that produced it, so
conservation can only be checked against what whoever drove the system recorded while doing it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Ledger:
    """Record each successful call as it is made; a refused call changed nothing and is not recorded."""

    # Per SKU, units brought in: the initial on-hand of CreateItem plus every AdjustStock delta.
    received: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    # Per customer, the sum of the top-ups billing booked (minor units of the account's currency).
    top_ups: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    # Every order id the edge (or ReserveStock) accepted.
    accepted: set[str] = field(default_factory=set)

    def item_created(self, sku: str, initial_on_hand: int) -> None:
        self.received[sku] += initial_on_hand

    def stock_adjusted(self, sku: str, delta: int) -> None:
        self.received[sku] += delta

    def topped_up(self, customer_id: str, amount_minor: int) -> None:
        self.top_ups[customer_id] += amount_minor

    def order_accepted(self, order_id: str) -> None:
        self.accepted.add(order_id)
