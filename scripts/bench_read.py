"""`make bench-read`: GET /v1/items/{sku} through the edge and inventory against a bare HTTP→gRPC hop.

Both sides run as separate processes started the same way (one uvicorn worker, one gRPC server
process) in the same run, so the ratio says what the real path costs on top of one hop. Its output
is the figures, written to stdout.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from scripts.bench_wrk import WrkError, WrkResult, find_wrk, run_wrk
from scripts.devstack import ProcessSpec, Stack, StackError, StackPlan, plan_stack
from scripts.devstack.plan import HOST
from scripts.devstack.ports import free_port
from scripts.devstack.probes import HttpProbe, PortProbe
from scripts.devstack.services import GRPC_SERVICES
from scripts.seed import DEMO_CATALOGUE, SeedError, seed_catalogue

TARGET_RATIO = 0.7
TARGET_P99_MS = 40.0
ITEM = DEMO_CATALOGUE[0]
# Request logging would be a cost the baseline does not pay; measure the request path, not the logger.
QUIET = {
    "EDGE_ACCESS_LOG": "false",
    "EDGE_LOG_LEVEL": "WARNING",
    **{f"{service.env_prefix}LOG_LEVEL": "WARNING" for service in GRPC_SERVICES},
}


class BenchError(Exception):
    """A target answered something other than the item, so measuring it would be meaningless."""


@dataclass(frozen=True)
class Target:
    label: str
    url: str


@dataclass(frozen=True)
class Baseline:
    processes: tuple[ProcessSpec, ProcessSpec]
    url: str


def baseline(plan: StackPlan) -> Baseline:
    """The bare hop's two processes, on ports of their own, with the stack's environment."""
    grpc_port, http_port = free_port(), free_port()
    url = f"http://{HOST}:{http_port}/v1/items/{ITEM.sku}"
    module = (sys.executable, "-m", "scripts.bench_baseline")
    grpc_side = ProcessSpec(
        name="baseline-grpc",
        argv=(*module, "grpc", "--port", str(grpc_port), "--sku", ITEM.sku),
        env=plan.base_env,
        probe=PortProbe(HOST, grpc_port),
    )
    http_side = ProcessSpec(
        name="baseline-http",
        argv=(*module, "http", "--port", str(http_port), "--upstream", f"{HOST}:{grpc_port}"),
        env=plan.base_env,
        probe=HttpProbe(url),
    )
    return Baseline(processes=(grpc_side, http_side), url=url)


def check_answers(target: Target) -> None:
    """A benchmark of error pages is worthless: each URL must answer 200 with the item first."""
    response = httpx.get(target.url, timeout=5.0)
    if response.status_code != 200 or response.json().get("sku") != ITEM.sku:
        raise BenchError(f"{target.label}: GET {target.url} -> {response.status_code} {response.text[:200]}")


def measure(targets: Sequence[Target], args: argparse.Namespace) -> dict[str, WrkResult]:
    results: dict[str, WrkResult] = {}
    for target in targets:
        check_answers(target)
        # Warm-up: connection pools, gRPC channels, SQLite page cache and CPython's caches fill up here.
        run_wrk(target.url, duration=args.warmup, connections=args.connections, threads=args.threads)
        results[target.label] = run_wrk(
            target.url, duration=args.duration, connections=args.connections, threads=args.threads
        )
    return results


def run_benchmark(args: argparse.Namespace, data_dir: Path) -> dict[str, WrkResult]:
    plan = plan_stack(data_dir, auto_ports=True, extra_env=QUIET)
    bare = baseline(plan)
    with Stack(plan.with_stage(*bare.processes)) as stack:
        seed_catalogue(stack.endpoints.grpc["inventory"], items=(ITEM,))
        targets = (
            Target("baseline (bare hop)", bare.url),
            Target("edge + inventory", f"{stack.endpoints.edge_url}/v1/items/{ITEM.sku}"),
        )
        return measure(targets, args)


def report(results: dict[str, WrkResult], args: argparse.Namespace) -> tuple[str, bool]:
    """The figures as a table plus the verdict; False when any request failed (the run is invalid)."""
    lines = [
        f"GET /v1/items/{ITEM.sku}: {args.connections} connections, {args.threads} wrk threads, "
        f"{args.duration:.0f} s each after {args.warmup:.0f} s warm-up",
        f"{'':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}{'non-2xx':>10}{'sock err':>10}",
    ]
    for label, r in results.items():
        lines.append(
            f"{label:<22}{r.requests_per_second:>10.0f}{r.p50_ms:>10.1f}{r.p99_ms:>10.1f}"
            f"{r.max_ms:>10.1f}{r.non_2xx:>10}{r.socket_errors:>10}"
        )
    bare, edge = results["baseline (bare hop)"], results["edge + inventory"]
    ratio = edge.requests_per_second / bare.requests_per_second if bare.requests_per_second else 0.0
    verdict = "met" if ratio >= TARGET_RATIO and edge.p99_ms <= TARGET_P99_MS else "NOT met"
    lines += [
        f"ratio edge/baseline   {ratio:.2f}   (target >= {TARGET_RATIO})",
        f"edge p99              {edge.p99_ms:.1f} ms (target <= {TARGET_P99_MS:.0f} ms)",
        f"target: {verdict}",
    ]
    valid = all(r.errors == 0 and r.requests > 0 for r in results.values())
    if not valid:
        lines.append("INVALID RUN: some requests failed, so these figures measure errors, not reads")
    return "\n".join(lines), valid


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_read", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per target")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load first")
    parser.add_argument("--connections", type=int, default=64)
    # Two wrk threads on a two-core machine: wrk competes with the servers, as any load generator would.
    parser.add_argument("--threads", type=int, default=2)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        find_wrk()
        with tempfile.TemporaryDirectory(prefix="mercado-bench-") as tmp:
            results = run_benchmark(args, Path(tmp))
    except (BenchError, WrkError, StackError, SeedError) as exc:
        sys.stderr.write(f"bench-read failed: {exc}\n")
        return 1
    text, valid = report(results, args)
    sys.stdout.write(text + "\n")
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
