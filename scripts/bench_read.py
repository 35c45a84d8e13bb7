"""`make bench-read`: GET /v1/items/{sku} through the edge and inventory against a bare HTTP→gRPC hop.

Both sides run as separate processes started the same way (one uvicorn worker, one gRPC server
process) in the same run, so the ratio says what the real path costs on top of one hop. The box has
two cores shared with whatever else runs, so the sides are measured in alternating rounds (A B, B A,
A B ...) and the verdict takes the median of the rounds' ratios: a burst of outside load then spoils
one round instead of one side. CPU time per request of each serving process is reported too: unlike
req/s, it barely moves with outside load. Its output is the figures, written to stdout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from scripts.bench_cpu import CpuMeter
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


BASELINE = "baseline (bare hop)"
EDGE = "edge + inventory"


@dataclass(frozen=True)
class Target:
    label: str
    url: str
    # The processes that serve it, whose CPU time per request is reported.
    processes: tuple[str, ...]


@dataclass(frozen=True)
class Run:
    """One measured wrk run of one target and the CPU its serving processes used, per request."""

    wrk: WrkResult
    cpu_us: Mapping[str, float]


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


def measure_once(target: Target, meter: CpuMeter, args: argparse.Namespace) -> Run:
    meter.start()
    result = run_wrk(target.url, duration=args.duration, connections=args.connections, threads=args.threads)
    used = meter.stop()
    requests = max(result.requests, 1)
    return Run(result, {name: used[name] * 1e6 / requests for name in target.processes if name in used})


def measure(
    targets: Sequence[Target], pids: Mapping[str, int], args: argparse.Namespace
) -> dict[str, list[Run]]:
    """`args.rounds` runs of each target; every other round in reverse order, so drift hits both."""
    meter = CpuMeter(pids)
    for target in targets:
        check_answers(target)
        # Warm-up: connection pools, gRPC channels, SQLite page cache and CPython's caches fill up here.
        run_wrk(target.url, duration=args.warmup, connections=args.connections, threads=args.threads)
    runs: dict[str, list[Run]] = {target.label: [] for target in targets}
    for round_no in range(args.rounds):
        for target in targets if round_no % 2 == 0 else tuple(reversed(targets)):
            runs[target.label].append(measure_once(target, meter, args))
    return runs


def run_benchmark(args: argparse.Namespace, data_dir: Path) -> dict[str, list[Run]]:
    plan = plan_stack(data_dir, auto_ports=True, extra_env=QUIET)
    bare = baseline(plan)
    with Stack(plan.with_stage(*bare.processes)) as stack:
        seed_catalogue(stack.endpoints.grpc["inventory"], items=(ITEM,))
        targets = (
            Target(BASELINE, bare.url, tuple(spec.name for spec in bare.processes)),
            Target(EDGE, f"{stack.endpoints.edge_url}/v1/items/{ITEM.sku}", ("edge", "inventory")),
        )
        pids = {process.name: process.pid for process in stack.processes}
        return measure(targets, pids, args)


def _row(label: str, runs: Sequence[Run]) -> str:
    """Medians over the rounds; errors are summed, since any error invalidates the run."""
    results = [run.wrk for run in runs]
    med = statistics.median
    cpu = sorted({name for run in runs for name in run.cpu_us})
    cpu_text = "  ".join(f"{name} {med(run.cpu_us.get(name, 0.0) for run in runs):.0f}" for name in cpu)
    throughput = med(r.requests_per_second for r in results)
    p50, p99 = med(r.p50_ms for r in results), med(r.p99_ms for r in results)
    worst, errors = max(r.max_ms for r in results), sum(r.errors for r in results)
    return f"{label:<22}{throughput:>10.0f}{p50:>10.1f}{p99:>10.1f}{worst:>10.1f}{errors:>8}   {cpu_text}"


def report(
    runs: dict[str, list[Run]], args: argparse.Namespace, load: tuple[float, float]
) -> tuple[str, bool]:
    """The figures as a table plus the verdict; False when any request failed (the run is invalid)."""
    bare, edge = runs[BASELINE], runs[EDGE]
    ratios = [
        e.wrk.requests_per_second / b.wrk.requests_per_second if b.wrk.requests_per_second else 0.0
        for b, e in zip(bare, edge, strict=True)
    ]
    ratio = statistics.median(ratios)
    edge_p99 = statistics.median(run.wrk.p99_ms for run in edge)
    lines = [
        f"GET /v1/items/{ITEM.sku}: {args.connections} connections, {args.threads} wrk threads, "
        f"{args.rounds} alternating rounds of {args.duration:.0f} s per side, {args.warmup:.0f} s warm-up",
        f"load average (1 min): {load[0]:.2f} before the run, {load[1]:.2f} at its end (its own load "
        f"included), {os.cpu_count()} cores",
        f"{'median of rounds':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}{'errors':>8}"
        "   CPU us/request by process",
        _row(BASELINE, bare),
        _row(EDGE, edge),
        f"ratio edge/baseline   {ratio:.2f}   (target >= {TARGET_RATIO}; rounds: "
        + ", ".join(f"{r:.2f}" for r in ratios)
        + ")",
        f"edge p99              {edge_p99:.1f} ms (target <= {TARGET_P99_MS:.0f} ms)",
        f"target: {'met' if ratio >= TARGET_RATIO and edge_p99 <= TARGET_P99_MS else 'NOT met'}",
    ]
    valid = all(run.wrk.errors == 0 and run.wrk.requests > 0 for side in runs.values() for run in side)
    if not valid:
        lines.append("INVALID RUN: some requests failed, so these figures measure errors, not reads")
    return "\n".join(lines), valid


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_read", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds measured per target and round")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds; the verdict takes the median"
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load first")
    parser.add_argument("--connections", type=int, default=64)
    # Two wrk threads on a two-core machine: wrk competes with the servers, as any load generator would.
    parser.add_argument("--threads", type=int, default=2)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        find_wrk()
        load_before = os.getloadavg()[0]
        with tempfile.TemporaryDirectory(prefix="mercado-bench-") as tmp:
            runs = run_benchmark(args, Path(tmp))
    except (BenchError, WrkError, StackError, SeedError) as exc:
        sys.stderr.write(f"bench-read failed: {exc}\n")
        return 1
    text, valid = report(runs, args, (load_before, os.getloadavg()[0]))
    sys.stdout.write(text + "\n")
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
