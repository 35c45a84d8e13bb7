"""Run wrk against one URL and return its figures (throughput, latency percentiles, errors)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SUMMARY_SCRIPT = Path(__file__).with_name("wrk_summary.lua")
SUMMARY_MARKER = "WRK_SUMMARY "


class WrkError(Exception):
    """wrk is missing or did not produce a summary."""


@dataclass(frozen=True)
class WrkResult:
    """One wrk run; `errors` counts non-2xx/3xx answers and socket errors together."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def find_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkError(
            "wrk is not installed; install it (Debian/Ubuntu: `sudo apt-get install -y wrk`, "
            "macOS: `brew install wrk`) and run the benchmark again"
        )
    return path


def parse_summary(output: str) -> WrkResult:
    line = next((line for line in output.splitlines() if line.startswith(SUMMARY_MARKER)), None)
    if line is None:
        raise WrkError(f"wrk printed no summary line; its output was:\n{output}")
    figures = json.loads(line.removeprefix(SUMMARY_MARKER))
    return WrkResult(
        requests=int(figures["requests"]),
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1e3,
        p99_ms=figures["p99_us"] / 1e3,
        max_ms=figures["max_us"] / 1e3,
        non_2xx=int(figures["status_errors"]),
        socket_errors=sum(
            int(figures[key]) for key in ("connect_errors", "read_errors", "write_errors", "timeouts")
        ),
    )


def run_wrk(url: str, *, duration: float, connections: int, threads: int) -> WrkResult:
    """Drive `url` for `duration` seconds with `connections` keep-alive connections."""
    argv = [
        find_wrk(),
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(duration))}s",
        "--timeout=5s",
        f"--script={SUMMARY_SCRIPT}",
        url,
    ]
    completed = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60, check=False)
    if completed.returncode != 0:
        raise WrkError(f"wrk failed with code {completed.returncode}: {completed.stderr.strip()}")
    return parse_summary(completed.stdout)
