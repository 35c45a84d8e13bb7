"""What an invariant check found: the violations, named after SPEC §3's invariants, and what it saw."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Invariant(StrEnum):
    """The invariants of SPEC §3, in its words."""

    NO_LOST_ORDER = "no lost order"
    NO_DOUBLE_EFFECT = "no double effect"
    NO_OVERSELL = "no oversell"
    MONEY_CONSERVED = "money is conserved"
    SERVICES_AGREE = "services agree"


@dataclass(frozen=True)
class Violation:
    """One broken invariant about one subject ("order <id>", "sku <sku>", "customer <id>")."""

    invariant: Invariant
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.invariant.value}] {self.subject}: {self.detail}"


@dataclass(frozen=True)
class InvariantReport:
    """The outcome of one check; `ok` when nothing was violated."""

    violations: tuple[Violation, ...]
    # The order status the edge would show for every order found, by order id.
    order_status: Mapping[str, str] = field(default_factory=dict)
    # How many of each thing were read, e.g. {"orders": 12, "invoices": 11, ...}.
    counts: Mapping[str, int] = field(default_factory=dict)
    # What could not be checked for lack of knowledge (e.g. stock received of SKUs nobody recorded).
    unchecked: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.violations

    def statuses(self) -> Counter[str]:
        """How many orders are in each status."""
        return Counter(self.order_status.values())

    def __str__(self) -> str:
        seen = ", ".join(f"{count} {name}" for name, count in self.counts.items())
        by_status = ", ".join(f"{count} {status}" for status, count in sorted(self.statuses().items()))
        lines = [
            f"invariants: {'OK' if self.ok else f'{len(self.violations)} violation(s)'}",
            f"  read: {seen}",
            f"  orders: {by_status or 'none'}",
            *(f"  unchecked: {what}" for what in self.unchecked),
            *(f"  {violation}" for violation in self.violations),
        ]
        return "\n".join(lines)
