"""Turn a bench-orders run into figures, compare them with the targets, and render the text it prints."""

from __future__ import annotations

import argparse
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mercado.billing.v1 import billing_pb2
from scripts.bench_orders_load import LoadResult
from scripts.bench_orders_procs import MACHINE, Hotspots
from scripts.bench_orders_settle import SETTLED_INVOICE, Settlement, seconds
from scripts.invariants import InvariantReport

TARGET_ORDERS_PER_SECOND = 300.0
TARGET_ACCEPT_P99_MS = 50.0
TARGET_COMPLETION_P99_S = 1.0
MAX_LINES = 10


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


@dataclass(frozen=True)
class Figures:
    placed: int
    measured: int
    orders_per_second: float
    # Orders per second the whole saga kept up with: every order placed, over the time from the first
    # one until the backlog was worked off. Below orders_per_second when billing or shipping lag.
    sustained_per_second: float
    failures: Counter[str]
    accept_ms: Sequence[float]
    # Seconds from the client's 202 to the invoice's pay time and to the shipment's creation time. The
    # order shows AWAITING_SHIPMENT once billing commits the payment, which lies between the two:
    # billing stamps pay_time as it starts the payment (before waiting for its database connection),
    # and shipping creates the shipment only after that commit was published and consumed.
    completion_s: Sequence[float]
    shipment_s: Sequence[float]
    payment_failed: int
    lost: int
    drain_seconds: float
    invariants: InvariantReport
    load_average: tuple[float, float, float]

    @classmethod
    def of(
        cls,
        load: LoadResult,
        settlement: Settlement,
        invariants: InvariantReport,
        load_average: tuple[float, float, float],
    ) -> Figures:
        invoices = settlement.snapshot.invoices_by_order()
        shipments = settlement.snapshot.shipments_by_order()
        completion, shipment = [], []
        for order in load.measured_orders:
            invoice = invoices.get(order.order_id, [None])[0]
            if invoice is not None and invoice.status == billing_pb2.INVOICE_STATUS_PAID:
                completion.append(seconds(invoice.pay_time) - order.accepted_at)
            if order.order_id in shipments:
                shipment.append(seconds(shipments[order.order_id][0].create_time) - order.accepted_at)
        final = [invoices[o.order_id][0].status for o in load.orders if o.order_id in invoices]
        return cls(
            placed=len(load.orders),
            measured=len(load.measured_orders),
            orders_per_second=len(load.measured_orders) / load.measured_seconds,
            sustained_per_second=len(load.orders) / (load.load_seconds + settlement.drain_seconds),
            failures=load.failures,
            accept_ms=[order.latency * 1000 for order in load.measured_orders],
            completion_s=completion,
            shipment_s=shipment,
            payment_failed=sum(1 for status in final if status == billing_pb2.INVOICE_STATUS_FAILED),
            lost=len(load.orders) - sum(1 for status in final if status in SETTLED_INVOICE),
            drain_seconds=settlement.drain_seconds,
            invariants=invariants,
            load_average=load_average,
        )

    @property
    def valid(self) -> bool:
        """False when orders failed, got lost or an invariant broke: then the speed is beside the point."""
        return not self.failures and self.lost == 0 and self.invariants.ok

    def verdicts(self) -> list[tuple[str, bool]]:
        return [
            (
                f"accepted orders/s >= {TARGET_ORDERS_PER_SECOND:.0f}",
                self.orders_per_second >= TARGET_ORDERS_PER_SECOND,
            ),
            (
                f"p99 accept <= {TARGET_ACCEPT_P99_MS:.0f} ms",
                percentile(self.accept_ms, 0.99) <= TARGET_ACCEPT_P99_MS,
            ),
            (
                f"p99 completion <= {TARGET_COMPLETION_P99_S:.0f} s",
                percentile(self.completion_s, 0.99) <= TARGET_COMPLETION_P99_S,
            ),
            ("no order lost", self.lost == 0),
            ("invariants hold (no double effect, money conserved, no oversell)", self.invariants.ok),
        ]


def _latency_line(label: str, values: Sequence[float], unit: str, scale: float) -> str:
    p50, p99 = percentile(values, 0.5) * scale, percentile(values, 0.99) * scale
    top = max(values, default=math.nan) * scale
    spread = f"p50 {p50:8.1f} {unit}   p99 {p99:8.1f} {unit}   max {top:8.1f} {unit}"
    return f"{label:<34}{spread}   (n={len(values)})"


def _invariant_lines(report: InvariantReport) -> list[str]:
    """The checker's verdict, what it read, and the first violations (thousands would drown the figures)."""
    lines = str(report).splitlines()
    shown = [line for line in lines if not line.startswith("  [")][:MAX_LINES]
    violations = [line for line in lines if line.startswith("  [")]
    shown += violations[:MAX_LINES]
    if len(violations) > MAX_LINES:
        shown.append(f"  ... and {len(violations) - MAX_LINES} more violations")
    return shown


def _hotspot_lines(name: str, spots: Hotspots) -> list[str]:
    lines = [f"  {name}: {spots.samples} samples; own time (running in that function):"]
    lines += [f"    {100 * n / spots.samples:5.1f}%  {frame}" for frame, n in spots.own]
    lines.append(f"  {name}: inclusive (on the stack):")
    lines += [f"    {100 * n / spots.samples:5.1f}%  {frame}" for frame, n in spots.inclusive]
    return lines


@dataclass(frozen=True)
class Cpu:
    """CPU seconds by process (and the whole machine) in the measured window and over the whole run."""

    window: Mapping[str, float]
    total: Mapping[str, float]


def _cpu_lines(cpu: Cpu, seconds: float, orders: int) -> list[str]:
    """Shares of one core in the window (and what else ran on the machine), and CPU per order."""
    ours = {name: used for name, used in sorted(cpu.window.items()) if name != MACHINE}
    others = max(0.0, cpu.window.get(MACHINE, 0.0) - sum(ours.values()))
    shares = ", ".join(f"{name} {100 * used / seconds:.0f}%" for name, used in ours.items())
    stack = {name: used for name, used in sorted(cpu.total.items()) if name not in (MACHINE, "client")}
    per_order = ", ".join(f"{name} {1000 * used / orders:.1f}" for name, used in stack.items())
    return [
        f"CPU in the window (% of one core): {shares}; other processes {100 * others / seconds:.0f}%",
        f"CPU ms per order (first order to backlog worked off): {per_order}; "
        f"stack {1000 * sum(stack.values()) / orders:.1f}",
    ]


def render(
    figures: Figures, args: argparse.Namespace, concurrency: int, cpu: Cpu, hotspots: Mapping[str, Hotspots]
) -> str:
    pacing = f"offered {args.rate:.0f}/s" if args.rate else "closed loop"
    lines = [
        f"POST /v1/orders: {concurrency} in flight ({pacing}), {args.customers} customers, "
        f"{args.items} SKUs, {args.duration:.0f} s measured after {args.warmup:.0f} s warm-up",
        f"orders accepted (202)             {figures.measured} measured, {figures.placed} in all",
        f"accepted orders/s                 {figures.orders_per_second:.0f}",
        f"settled orders/s (sustained)      {figures.sustained_per_second:.0f}",
        _latency_line("accept latency (202)", figures.accept_ms, "ms", 1.0),
        _latency_line("completion (202 -> pay_time)", figures.completion_s, "ms", 1000.0),
        _latency_line("202 -> shipment created (bound)", figures.shipment_s, "ms", 1000.0),
        f"failed requests                   {dict(figures.failures) or 0}",
        f"payment failed                    {figures.payment_failed}",
        f"lost (not settled in time)        {figures.lost}",
        f"backlog worked off {figures.drain_seconds:.1f} s after the load stopped",
        *_invariant_lines(figures.invariants),
        *_cpu_lines(cpu, args.duration, max(1, figures.placed)),
        "load average (1, 5, 15 min)       " + " ".join(f"{value:.2f}" for value in figures.load_average),
    ]
    lines += [f"target {label}: {'met' if ok else 'NOT met'}" for label, ok in figures.verdicts()]
    if hotspots:
        lines.append(f"py-spy hotspots (collapsed stacks in {args.profile_dir}):")
        for name, spots in hotspots.items():
            lines += _hotspot_lines(name, spots)
    if not figures.valid:
        lines.append("INVALID RUN: orders failed, were lost or broke an invariant (see above)")
    return "\n".join(lines)


@dataclass(frozen=True)
class MatrixRow:
    """One configuration's figures in a run comparing several ("postgres x2 @4": 2 replicas, 4 in flight)."""

    label: str
    figures: Figures
    cpu: Cpu


def render_matrix(rows: Sequence[MatrixRow], args: argparse.Namespace) -> str:
    """One line per configuration, measured one after the other in this run under the same load."""
    pacing = f"offered {args.rate:.0f}/s" if args.rate else "closed loop"
    header = (
        f"{'configuration':<18}{'accepted/s':>11}{'settled/s':>10}{'accept p50':>12}{'accept p99':>12}"
        f"{'done p50':>10}{'done p99':>10}{'failed':>7}{'lost':>6}  {'invariants':<11}"
        f"{'stack CPU ms/order':>19}"
    )
    lines = [
        f"Comparison (database xprocesses @orders in flight; {pacing}, {args.duration:.0f} s measured per "
        "configuration; done = 202 -> invoice paid; failed = requests not answered 202):",
        header,
    ]
    for row in rows:
        f = row.figures
        stack = sum(used for name, used in row.cpu.total.items() if name not in (MACHINE, "client"))
        done_p50, done_p99 = (1000 * percentile(f.completion_s, q) for q in (0.5, 0.99))
        lines.append(
            f"{row.label:<18}{f.orders_per_second:>11.0f}{f.sustained_per_second:>10.0f}"
            f"{percentile(f.accept_ms, 0.5):>9.1f} ms{percentile(f.accept_ms, 0.99):>9.1f} ms"
            f"{done_p50:>7.0f} ms{done_p99:>7.0f} ms"
            f"{sum(f.failures.values()):>7}{f.lost:>6}  {'OK' if f.invariants.ok else 'VIOLATED':<11}"
            f"{1000 * stack / max(1, f.placed):>19.1f}"
        )
    return "\n".join(lines)
