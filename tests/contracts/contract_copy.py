"""Runs the contract tools (buf, scripts/gen_protos.py) on the repository or on a throwaway copy of it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
GEN_SCRIPT = REPO_ROOT / "scripts" / "gen_protos.py"
# Everything `make contracts` reads; a copy of these behaves like the repository for buf and gen.
CONTRACT_PARTS = ("protos", "buf.yaml", "contracts/baseline.binpb", "gen")
TIMEOUT_SECONDS = 120


def locate_buf() -> Path:
    """The pinned buf from node_modules; a missing buf fails the suite, since CI always installs it."""
    path = REPO_ROOT / "node_modules" / ".bin" / "buf"
    if not path.is_file():
        pytest.fail(
            f"buf not found at {path}: run `make install` "
            "(npm ci installs @bufbuild/buf from package-lock.json)",
            pytrace=False,
        )
    return path


@dataclass(frozen=True)
class CheckResult:
    """Exit code and violations of one buf check run with `--error-format json`."""

    returncode: int
    violations: list[dict[str, Any]]


@dataclass(frozen=True)
class Contract:
    """A directory holding the contract, with the commands CI runs on it."""

    root: Path
    buf_path: Path

    @property
    def protos(self) -> Path:
        return self.root / "protos"

    @property
    def generated(self) -> Path:
        return self.root / "gen"

    def buf(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run buf with `args` from the contract root."""
        return run([str(self.buf_path), *args], cwd=self.root)

    def check(self, *args: str) -> CheckResult:
        """Run a buf check (lint, breaking) and parse its JSON violations, one per output line."""
        result = self.buf(*args, "--error-format", "json")
        # 100 means "violations found"; anything else but 0 means buf could not run the check at all.
        assert result.returncode in (0, 100), f"buf {' '.join(args)} failed: {result.stderr}"
        lines = [line for line in result.stdout.splitlines() if line.strip()]
        return CheckResult(result.returncode, [json.loads(line) for line in lines])

    def gen(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run scripts/gen_protos.py on this contract's protos/ and gen/."""
        overrides = ["--protos", str(self.protos), "--gen", str(self.generated)]
        return run([sys.executable, str(GEN_SCRIPT), *overrides, *args], cwd=REPO_ROOT)

    def edit(self, proto: str, old: str, new: str) -> None:
        """Replace `old` by `new` in protos/`proto`; `old` must occur exactly once, so no edit is lost."""
        path = self.protos / proto
        text = path.read_text()
        assert text.count(old) == 1, f"{old!r} should occur exactly once in {proto}"
        path.write_text(text.replace(old, new))


def run(command: list[str], *, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, check=False, timeout=TIMEOUT_SECONDS
    )


def copy_contract(destination: Path, buf_path: Path) -> Contract:
    """Copy the repository's contract into `destination` (byte-code caches left behind)."""
    for part in CONTRACT_PARTS:
        source, target = REPO_ROOT / part, destination / part
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    return Contract(destination, buf_path)
