"""`make bench-orders`: place orders through the edge under load and time the saga to AWAITING_SHIPMENT.

The stack runs as `make run` starts it (free ports, a temporary data directory), on SQLite or on
PostgreSQL (`--database postgres`: a fresh database per service, dropped afterwards) with
`--replicas N` processes per gRPC service. Items and funded accounts are set up through the edge;
orders are then placed with a fixed number in flight, and each 202's latency is recorded. After the
load, billing's and shipping's listings give every invoice's pay time and shipment's creation time,
so completion is measured without polling during the load. Finally the invariants are checked over
the settled state. Its output is the figures; `--matrix` runs SQLite x1, PostgreSQL x1 and PostgreSQL
x2 one after the other, `--concurrency 1,4,16` each load in turn, and several runs end with one table
comparing them.

The default load is 4 orders in flight. A closed loop keeps the machine busy at any concurrency, so an
order's accept latency is about the concurrency divided by the throughput (Little's law): at 32 in
flight, 300 orders/s means about 107 ms per order on average. The targets (>= 300 orders/s carried,
p99 accept <= 50 ms) can only hold together at a handful of orders in flight; `--concurrency 1,4,8,16,32`
shows the whole trade-off in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import grpc
import uvloop

from edge_gateway.auth import Role
from edge_gateway.devtoken import issue
from edge_gateway.settings import load_settings
from scripts.bench_orders_load import LoadPlan, LoadResult, SetupError, bench_items, place_orders, set_up
from scripts.bench_orders_procs import Hotspots, ProfileError, Profiler, StackCpuMeter
from scripts.bench_orders_report import Cpu, Figures, MatrixRow, render, render_matrix
from scripts.bench_orders_settle import Reader, Settlement, wait_until_settled
from scripts.devstack import Stack, StackError, plan_stack
from scripts.devstack.plan import DATABASES, Database, PlanError
from scripts.devstack.postgres import DEFAULT_SERVER_URL, SERVER_URL_ENV, PostgresError
from scripts.devstack.services import GRPC_SERVICES
from scripts.invariants import InvariantReport, Ledger, ServiceAddresses, check_invariants

# Logging per request would measure the logger; warnings and errors still reach the logs.
QUIET = {
    "EDGE_ACCESS_LOG": "false",
    "EDGE_LOG_LEVEL": "WARNING",
    **{f"{service.env_prefix}LOG_LEVEL": "WARNING" for service in GRPC_SERVICES},
}
# Enough of everything that neither stock nor money can run out during a run: every payment succeeds.
STOCK_PER_ITEM = 10_000_000
TOP_UP_MINOR = 10_000_000_000
TOKEN_TTL_SECONDS = 3600


DEFAULT_CONCURRENCY = 4


@dataclass(frozen=True)
class Config:
    """Where the services keep their data, how many processes each runs, and how many orders are in flight."""

    database: Database
    replicas: int
    concurrency: int = DEFAULT_CONCURRENCY

    @property
    def label(self) -> str:
        return f"{self.database} x{self.replicas} @{self.concurrency}"


# The stacks `--matrix` compares, in one run so that they share the machine's conditions.
MATRIX: tuple[tuple[Database, int], ...] = (("sqlite", 1), ("postgres", 1), ("postgres", 2))


@dataclass(frozen=True)
class Outcome:
    load: LoadResult
    settlement: Settlement
    invariants: InvariantReport
    # CPU seconds per process in the measured window, and from the first order until the backlog was
    # worked off (the latter divided by the orders is what one order costs each process).
    cpu_window: dict[str, float]
    cpu_total: dict[str, float]
    hotspots: dict[str, Hotspots]


def tokens(customers: Sequence[str]) -> tuple[str, dict[str, str]]:
    """An admin token and one customer token each, signed as the edge (same environment) expects."""
    settings = load_settings()
    admin = issue(settings, "bench-admin", Role.ADMIN, TOKEN_TTL_SECONDS)
    return admin, {c: issue(settings, c, Role.CUSTOMER, TOKEN_TTL_SECONDS) for c in customers}


def _load_plan(
    args: argparse.Namespace, config: Config, stack: Stack, meter: StackCpuMeter, profiler: Profiler | None
) -> LoadPlan:
    customers = [f"bench-customer-{i:03d}" for i in range(args.customers)]
    admin, customer_tokens = tokens(customers)
    items = bench_items(args.items, STOCK_PER_ITEM)
    asyncio.run(set_up(stack.endpoints.edge_url, admin, items, customers, TOP_UP_MINOR))

    def window_start() -> None:
        meter.start()
        if profiler is not None:
            profiler.start()

    return LoadPlan(
        edge_url=stack.endpoints.edge_url,
        customer_tokens=customer_tokens,
        items=items,
        concurrency=config.concurrency,
        warmup=args.warmup,
        duration=args.duration,
        rate=args.rate,
        on_window_start=window_start,
        on_window_end=meter.stop,
    )


def _ledger(plan: LoadPlan, load: LoadResult) -> Ledger:
    """What the benchmark put in and got accepted, for the conservation checks."""
    ledger = Ledger()
    for item in plan.items:
        ledger.item_created(item.sku, item.on_hand)
    for customer in plan.customer_tokens:
        ledger.topped_up(customer, TOP_UP_MINOR)
    for order in load.orders:
        ledger.order_accepted(order.order_id)
    return ledger


def _check(stack: Stack, ledger: Ledger) -> InvariantReport:
    where = stack.endpoints.grpc
    addresses = ServiceAddresses(
        inventory=where["inventory"], billing=where["billing"], shipping=where["shipping"]
    )
    return asyncio.run(check_invariants(addresses, ledger))


def run_benchmark(args: argparse.Namespace, config: Config, data_dir: Path) -> Outcome:
    plan = plan_stack(
        data_dir,
        auto_ports=True,
        extra_env=QUIET,
        database=config.database,
        replicas=config.replicas,
        postgres_url=args.postgres_url,
    )
    with Stack(plan) as stack:
        pids = {process.name: process.pid for process in stack.processes}
        window, total = StackCpuMeter(pids), StackCpuMeter(pids)
        python_pids = {name: pid for name, pid in pids.items() if name != "nats"}
        several = len(runs(args)) > 1
        profile_dir = args.profile_dir / config.label.replace(" ", "-") if several else args.profile_dir
        profiler = (
            Profiler(python_pids, profile_dir, args.duration, gil_only=args.profile_gil)
            if args.profile
            else None
        )
        load_plan = _load_plan(args, config, stack, window, profiler)
        total.start()
        # The load generator shares the two cores with the stack: uvloop keeps its share small.
        load = uvloop.run(place_orders(load_plan))
        hotspots = profiler.finish(args.profile_top) if profiler is not None else {}
        reader = Reader(stack.endpoints.grpc)
        try:
            order_ids = [order.order_id for order in load.orders]
            settlement = wait_until_settled(reader, order_ids, args.settle_timeout, on_caught_up=total.stop)
        finally:
            reader.close()
        invariants = _check(stack, _ledger(load_plan, load))
    return Outcome(
        load=load,
        settlement=settlement,
        invariants=invariants,
        cpu_window=window.last,
        cpu_total=total.last,
        hotspots=hotspots,
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench_orders", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of measured load")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load first")
    parser.add_argument(
        "--concurrency",
        type=_concurrencies,
        default=(DEFAULT_CONCURRENCY,),
        help=f"orders in flight (default {DEFAULT_CONCURRENCY}); a list such as 1,4,16 runs each in turn",
    )
    parser.add_argument("--rate", type=float, default=None, help="offered orders/s (default: closed loop)")
    parser.add_argument("--customers", type=int, default=64, help="funded customer accounts")
    parser.add_argument("--items", type=int, default=8, help="SKUs ordered from (one line, quantity 1)")
    parser.add_argument("--settle-timeout", type=float, default=120.0, help="seconds allowed to settle")
    parser.add_argument(
        "--database", choices=DATABASES, default="sqlite", help="where the services keep their data"
    )
    parser.add_argument("--replicas", type=int, default=1, help="processes per gRPC service (postgres only)")
    parser.add_argument(
        "--postgres-url",
        default=None,
        help=f"server for --database postgres (default: ${SERVER_URL_ENV}, else {DEFAULT_SERVER_URL})",
    )
    parser.add_argument(
        "--matrix",
        action="store_true",
        help="run " + ", ".join(f"{db} x{n}" for db, n in MATRIX) + " in turn "
        "(instead of --database/--replicas) and compare them in one table",
    )
    parser.add_argument("--profile", action="store_true", help="py-spy every Python process in the window")
    parser.add_argument("--profile-dir", type=Path, default=Path(".data/bench-orders-profile"))
    parser.add_argument("--profile-gil", action="store_true", help="profile only the GIL holder")
    parser.add_argument("--profile-top", type=int, default=12, help="frames listed per process")
    args = parser.parse_args(argv)
    if args.customers < 1 or args.items < 1 or args.duration <= 0:
        parser.error("--customers, --items and --duration must be positive")
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    if args.database == "sqlite" and args.replicas > 1 and not args.matrix:
        parser.error("--replicas above 1 needs --database postgres (SQLite has one writer per file)")
    return args


def _concurrencies(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        message = f"not a number or a comma-separated list of numbers: {text!r}"
        raise argparse.ArgumentTypeError(message) from None
    if any(value < 1 for value in values):
        raise argparse.ArgumentTypeError("orders in flight must be at least 1")
    return values


def runs(args: argparse.Namespace) -> list[Config]:
    """Every stack (`--matrix`, else --database/--replicas) at every concurrency, in that order."""
    stacks: Sequence[tuple[Database, int]] = MATRIX if args.matrix else ((args.database, args.replicas),)
    return [Config(database, replicas, c) for database, replicas in stacks for c in args.concurrency]


def _measure(args: argparse.Namespace, config: Config) -> MatrixRow:
    """One configuration from start to stop; its full report goes to stdout as soon as it is known."""
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="mercado-bench-orders-") as tmp:
        outcome = run_benchmark(args, config, Path(tmp))
    figures = Figures.of(outcome.load, outcome.settlement, outcome.invariants, os.getloadavg())
    cpu = Cpu(outcome.cpu_window, outcome.cpu_total)
    heading = f"== {config.label} (started {started:%Y-%m-%d %H:%M:%S} UTC) =="
    sys.stdout.write(f"{heading}\n{render(figures, args, config.concurrency, cpu, outcome.hotspots)}\n")
    sys.stdout.flush()
    return MatrixRow(config.label, figures, cpu)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="bench-orders | %(message)s")
    # The stack's readiness probes log every request at INFO; their progress lines are enough.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    rows = []
    try:
        for config in runs(args):
            logging.getLogger(__name__).info("measuring %s", config.label)
            rows.append(_measure(args, config))
    except (StackError, SetupError, ProfileError, PlanError, PostgresError, grpc.RpcError) as exc:
        sys.stderr.write(f"bench-orders failed: {exc}\n")
        return 1
    if len(rows) > 1:
        sys.stdout.write(render_matrix(rows, args) + "\n")
    return 0 if all(row.figures.valid for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
