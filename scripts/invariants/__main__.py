"""`python -m scripts.invariants`: check a running stack's invariants and print the report (exit 1 if broken).

Without a ledger only what the services show by themselves is checked: no order stuck, no double
effect, stock counters consistent with the reservations, services agreeing, no negative balance.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from scripts.devstack.state import read_state
from scripts.invariants import ServiceAddresses, check_invariants


def _addresses(args: argparse.Namespace) -> ServiceAddresses | None:
    if args.data_dir is not None:
        state = read_state(args.data_dir)
        if state is None:
            return None
        return ServiceAddresses(state.grpc["inventory"], state.grpc["billing"], state.grpc["shipping"])
    return ServiceAddresses(args.inventory, args.billing, args.shipping)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.invariants", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a running `make run` stack's data directory")
    parser.add_argument("--inventory", default="127.0.0.1:50051")
    parser.add_argument("--billing", default="127.0.0.1:50052")
    parser.add_argument("--shipping", default="127.0.0.1:50053")
    args = parser.parse_args(argv)
    addresses = _addresses(args)
    if addresses is None:
        sys.stderr.write(f"no running stack in {args.data_dir} (devstack.json is missing)\n")
        return 2
    report = asyncio.run(check_invariants(addresses))
    # The report is this command's output, hence stdout.
    sys.stdout.write(f"{report}\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
