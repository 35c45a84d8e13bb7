"""Where `make bench-orders` spends the machine: CPU seconds per stack process, and py-spy profiles of them.

CPU comes from /proc (Linux), so it costs the processes nothing. Profiling is opt-in: py-spy samples
from outside without pausing the target (`--nonblocking`), which keeps its own cost to a few percent
of a core, but it is still a cost, so a profiled run is for finding hotspots, not for the figures.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scripts.bench_cpu import CpuMeter

SAMPLE_RATE = 100
# Frames that merely carry the work (interpreter start-up, the event loop, thread bootstrap, the
# entry points) are on most stacks and say nothing about where the time goes.
PLUMBING = (
    "<frozen runpy>",
    "asyncio/runners.py",
    "asyncio/base_events.py",
    "asyncio/events.py",
    "threading.py",
    "uvicorn/server.py",
    "uvicorn/main.py",
    "uvicorn/_compat.py",
    "__main__.py",
    "/main.py",
)


class ProfileError(Exception):
    """py-spy is missing or failed to attach."""


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idling, since boot (first line of /proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, iowait = fields[3], fields[4]
    # Fields 9 and 10 (guest time) are already counted in user and nice.
    return (sum(fields[:8]) - idle - iowait) / os.sysconf("SC_CLK_TCK")


MACHINE = "whole machine"


class StackCpuMeter(CpuMeter):
    """The stack's processes, plus this process ("client") and the whole machine.

    The machine's figure shows whether something besides the benchmark competed for the cores.
    """

    def __init__(self, pids: Mapping[str, int]) -> None:
        super().__init__(pids)
        # What the last stop() measured.
        self.last: dict[str, float] = {}

    def _read(self) -> dict[str, float]:
        readings = super()._read()
        readings["client"] = time.process_time()
        readings[MACHINE] = machine_busy_seconds()
        return readings

    def stop(self) -> dict[str, float]:
        self.last = super().stop()
        return self.last


def find_py_spy() -> str:
    candidate = Path(sys.executable).parent / "py-spy"
    found = str(candidate) if candidate.exists() else shutil.which("py-spy")
    if found is None:
        raise ProfileError("py-spy is not installed; for a local profile: .venv/bin/pip install py-spy")
    return found


@dataclass(frozen=True)
class Hotspots:
    samples: int
    own: list[tuple[str, int]]
    inclusive: list[tuple[str, int]]


class Profiler:
    """One `py-spy record` per process, for `seconds`, writing collapsed stacks to `out_dir`."""

    def __init__(
        self, pids: Mapping[str, int], out_dir: Path, seconds: float, *, gil_only: bool = False
    ) -> None:
        self._pids = dict(pids)
        # Only samples of the thread holding the GIL: Python's own CPU, without threads waiting for it.
        self._gil_only = gil_only
        self._out_dir = out_dir
        self._seconds = max(1, round(seconds))
        self._recorders: dict[str, subprocess.Popen[bytes]] = {}

    def path(self, name: str) -> Path:
        return self._out_dir / f"{name}.collapsed.txt"

    def start(self) -> None:
        py_spy = find_py_spy()
        self._out_dir.mkdir(parents=True, exist_ok=True)
        for name, pid in self._pids.items():
            argv = [
                py_spy, "record", "--pid", str(pid), "--duration", str(self._seconds),
                "--rate", str(SAMPLE_RATE), "--format", "raw", "--function", "--nonblocking",
                "--output", str(self.path(name)), *(["--gil"] if self._gil_only else []),
            ]  # fmt: skip
            self._recorders[name] = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def finish(self, top: int) -> dict[str, Hotspots]:
        """Wait for every recorder and summarise its stacks."""
        results: dict[str, Hotspots] = {}
        for name, recorder in self._recorders.items():
            _, errors = recorder.communicate(timeout=self._seconds + 30)
            if recorder.returncode != 0 or not self.path(name).exists():
                raise ProfileError(f"py-spy on {name} failed: {errors.decode(errors='replace')[-500:]}")
            results[name] = summarise(self.path(name).read_text().splitlines(), top)
        return results


def _frame_name(frame: str) -> str:
    """'handle (chassis/messaging/consumer.py)' from py-spy's 'handle (/abs/path/consumer.py)'."""
    function, _, location = frame.partition(" (")
    parts = location.rstrip(")").split("/")
    return f"{function} ({'/'.join(parts[-2:])})"


def summarise(lines: Sequence[str], top: int) -> Hotspots:
    """Top frames by own samples (the frame was running) and by inclusive samples (it was on the stack)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in lines:
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [_frame_name(frame) for frame in stack.split(";")]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    telling = [(frame, n) for frame, n in inclusive.most_common() if not _plumbing(frame)]
    return Hotspots(samples=total, own=own.most_common(top), inclusive=telling[:top])


def _plumbing(frame: str) -> bool:
    location = frame.rpartition(" (")[2]
    return any(part in f"/{location}" for part in PLUMBING)
