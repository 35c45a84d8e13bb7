"""chassis.faults: a fault point does nothing unless MERCADO_FAULT names it, then crashes exactly once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from chassis.faults import CRASH_EXIT_STATUS, Fault, FaultSettings, fault_point, fault_settings

CRASH_ONCE = (
    f"from chassis.faults import Fault, fault_point; fault_point(Fault('{Fault.RELAY_CRASH_BEFORE_PUBLISH}'))"
)


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    fault_settings.cache_clear()
    yield
    fault_settings.cache_clear()


def run_fault_point(env: dict[str, str]) -> int:
    completed = subprocess.run([sys.executable, "-c", CRASH_ONCE], env=env, timeout=60, check=False)
    return completed.returncode


def test_fault_points_are_no_ops_when_nothing_is_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MERCADO_FAULT", raising=False)

    fault_point(Fault.RELAY_CRASH_BEFORE_PUBLISH)

    assert fault_settings().fault == frozenset()


def test_an_unknown_fault_name_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MERCADO_FAULT", "relay.crash_before_publish, relay.typo")
    monkeypatch.setenv("MERCADO_FAULT_DIR", str(tmp_path))

    with pytest.raises(ValidationError, match=r"relay\.typo"):
        FaultSettings()


def test_a_fault_without_a_marker_directory_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERCADO_FAULT", "relay.crash_before_publish")
    monkeypatch.delenv("MERCADO_FAULT_DIR", raising=False)

    with pytest.raises(ValidationError, match="MERCADO_FAULT_DIR"):
        FaultSettings()


def test_a_switched_on_crash_fires_once_then_the_restarted_process_runs_on(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "MERCADO_FAULT": Fault.RELAY_CRASH_BEFORE_PUBLISH.value,
        "MERCADO_FAULT_DIR": str(tmp_path / "faults"),
    }

    first, second = run_fault_point(env), run_fault_point(env)

    assert (first, second) == (CRASH_EXIT_STATUS, 0)
    assert (tmp_path / "faults" / Fault.RELAY_CRASH_BEFORE_PUBLISH.value).exists()
