"""`make run`: start NATS, the services and the edge, seed the demo data, supervise until Ctrl-C.

Everything this command writes to stdout is its user interface (banner, prefixed child output, the
shutdown report), which is why it writes there directly instead of through logging.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from scripts.devstack.banner import render_banner
from scripts.devstack.plan import DATABASES, PlanError, StackPlan, plan_stack
from scripts.devstack.ports import PortError
from scripts.devstack.postgres import DEFAULT_SERVER_URL, SERVER_URL_ENV, PostgresError
from scripts.devstack.process import LineSink, StopOutcome
from scripts.devstack.stack import DEFAULT_START_TIMEOUT, DEFAULT_STOP_GRACE, Stack, StackError
from scripts.devstack.state import clear_state, write_state
from scripts.seed import SeedError, describe_balances, seed_accounts, seed_catalogue

COLOURS = ("\033[36m", "\033[33m", "\033[35m", "\033[32m", "\033[34m", "\033[31m")
RESET = "\033[0m"


class StopRequested(BaseException):
    """SIGTERM arrived; raised in the main thread like KeyboardInterrupt is for SIGINT."""


def say(text: str) -> None:
    sys.stdout.write(f"devstack | {text}\n")
    sys.stdout.flush()


def console_sink(names: Sequence[str]) -> LineSink:
    """Prefix each child's lines with its name (coloured on a terminal) to keep interleaved output legible."""
    width = max(len(name) for name in (*names, "devstack"))
    colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    palette = {name: COLOURS[i % len(COLOURS)] for i, name in enumerate(names)}
    lock = threading.Lock()

    def write(name: str, line: str) -> None:
        prefix = f"{palette[name]}{name:<{width}}{RESET}" if colour else f"{name:<{width}}"
        with lock:
            sys.stdout.write(f"{prefix} | {line}\n")
            sys.stdout.flush()

    return write


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.devstack", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(".data"), help="databases, NATS store, logs")
    parser.add_argument(
        "--ports",
        choices=("env", "auto"),
        default="env",
        help="env: EDGE_PORT, INVENTORY_GRPC_PORT... or the defaults (8080, 50051...); auto: free ports",
    )
    parser.add_argument(
        "--database",
        choices=DATABASES,
        default="sqlite",
        help="sqlite: one file per service in the data directory; postgres: a fresh database and role "
        "per service on the PostgreSQL server, migrated once before the services start",
    )
    parser.add_argument(
        "--replicas",
        type=int,
        default=1,
        help="processes per gRPC service on distinct ports, sharing its database (needs --database postgres)",
    )
    parser.add_argument(
        "--postgres-url",
        default=None,
        help=f"the server to create the databases on (default: ${SERVER_URL_ENV}, else {DEFAULT_SERVER_URL})",
    )
    parser.add_argument(
        "--keep", action="store_true", help="postgres: keep the databases and roles after stopping"
    )
    parser.add_argument("--quiet", action="store_true", help="only write child output to the log files")
    parser.add_argument("--start-timeout", type=float, default=DEFAULT_START_TIMEOUT)
    parser.add_argument("--stop-grace", type=float, default=DEFAULT_STOP_GRACE)
    return parser.parse_args(argv)


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise StopRequested


def _report(outcomes: list[StopOutcome]) -> bool:
    for outcome in outcomes:
        say(outcome.describe())
    return all(outcome.clean for outcome in outcomes)


def run(plan: StackPlan, stack: Stack, args: argparse.Namespace) -> int:
    """Start, seed, announce, then wait for a child to die (1) or for Ctrl-C / SIGTERM (0)."""
    try:
        stack.start(timeout=args.start_timeout)
        report = seed_catalogue(plan.endpoints.grpc["inventory"])
        say(f"demo catalogue: {len(report.created)} items created, {len(report.existing)} already there")
        say(f"demo accounts: {describe_balances(seed_accounts(plan.endpoints.grpc['billing']))}")
        write_state(plan.endpoints, stack.processes)
        sys.stdout.write(render_banner(plan.endpoints) + "\n")
        sys.stdout.flush()
        dead = stack.wait_for_exit()
        say(f"{dead.name} {dead.how_it_ended()} while the stack was running; stopping the rest.")
        say(f"its last lines ({dead.log_path}):\n{dead.log_tail()}")
        return 1
    except (KeyboardInterrupt, StopRequested):
        say("stopping (SIGTERM to each process, last started first)...")
        return 0
    except (StackError, SeedError) as exc:
        say(f"failed: {exc}")
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        plan = plan_stack(
            args.data_dir,
            auto_ports=args.ports == "auto",
            database=args.database,
            replicas=args.replicas,
            postgres_url=args.postgres_url,
            keep_databases=args.keep,
        )
    except (PortError, PlanError, PostgresError) as exc:
        say(str(exc))
        return 2
    names = [spec.name for stage in plan.stages for spec in stage]
    stack = Stack(plan, sink=None if args.quiet else console_sink(names))
    # Explicitly, because a shell starting us in the background would otherwise leave SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_stop)
    try:
        status = run(plan, stack, args)
    finally:
        # A second Ctrl-C must not abandon children half-stopped; stopping is bounded by the grace anyway.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        clear_state(plan.endpoints.data_dir)
        clean = _report(stack.stop(grace=args.stop_grace))
    return status if clean else 1


if __name__ == "__main__":
    sys.exit(main())
