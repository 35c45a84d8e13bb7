"""The command behind `make run`: serves the seeded stack, refuses taken ports, stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from scripts.devstack.plan import REPO_ROOT
from scripts.devstack.services import GRPC_SERVICES
from scripts.devstack.stack import DEFAULT_STOP_GRACE
from scripts.devstack.state import StackState, read_state, state_path
from scripts.seed import DEMO_CATALOGUE

pytestmark = pytest.mark.e2e

START_TIMEOUT = 60.0
SHUTDOWN_LINE = re.compile(r"^devstack \| (?P<name>[\w-]+) (?P<how>.+) \(\d+\.\d s\)$", re.MULTILINE)


def devstack(
    data_dir: Path, log: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "scripts.devstack", "--data-dir", str(data_dir), *args],
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def wait_until_ready(process: subprocess.Popen[bytes], data_dir: Path, log: Path) -> StackState:
    deadline = time.monotonic() + START_TIMEOUT
    while (state := read_state(data_dir)) is None:
        assert time.monotonic() < deadline, f"not ready after {START_TIMEOUT} s:\n{log.read_text()}"
        try:
            # Doubles as the poll interval and ends early if the command dies.
            code = process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"devstack exited with {code} before it was ready:\n{log.read_text()}")
    return state


def interrupt(process: subprocess.Popen[bytes]) -> int | None:
    """Ctrl-C; the exit code, or None (and a kill) if the whole stack took longer than one grace period."""
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=DEFAULT_STOP_GRACE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


def shutdown_report(output: str) -> dict[str, str]:
    """The devstack's last words per process, e.g. {"edge": "exited 0"}."""
    return {m["name"]: m["how"] for m in SHUTDOWN_LINE.finditer(output)}


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serves_the_demo_catalogue_then_sigint_stops_every_process_with_exit_0(tmp_path: Path) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "devstack.out"
    process = devstack(data_dir, log, "--ports", "auto")
    try:
        state = wait_until_ready(process, data_dir, log)
        catalogue = httpx.get(f"{state.edge_url}/v1/items", timeout=10.0)
    finally:
        code = interrupt(process)

    output = log.read_text()
    assert catalogue.status_code == 200
    assert {item.sku for item in DEMO_CATALOGUE} <= {item["sku"] for item in catalogue.json()["items"]}
    assert f"grpcurl -plaintext {state.grpc['inventory']} list" in output
    assert set(state.pids) == {"nats", "edge", *(service.name for service in GRPC_SERVICES)}
    assert shutdown_report(output) == dict.fromkeys(state.pids, "exited 0")
    assert code == 0
    assert not any(is_running(pid) for pid in state.pids.values())
    assert not state_path(data_dir).exists()


def test_a_dying_service_stops_the_whole_stack_with_a_failure(tmp_path: Path) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "devstack.out"
    process = devstack(data_dir, log, "--ports", "auto")
    try:
        state = wait_until_ready(process, data_dir, log)
        os.kill(state.pids["inventory"], signal.SIGKILL)
        code = process.wait(timeout=DEFAULT_STOP_GRACE)
    finally:
        interrupt(process)

    output = log.read_text()
    assert code == 1, output
    assert "inventory was ended by SIGKILL while the stack was running" in output
    assert not any(is_running(pid) for pid in state.pids.values())


def test_a_taken_port_fails_fast_naming_the_variable_to_change(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        with socket.socket() as spare:
            spare.bind(("127.0.0.1", 0))
            edge_port = spare.getsockname()[1]
        env = {**os.environ, "INVENTORY_GRPC_PORT": str(taken), "EDGE_PORT": str(edge_port)}
        process = devstack(tmp_path / "data", tmp_path / "devstack.out", env=env)
        code = process.wait(timeout=30)

    output = (tmp_path / "devstack.out").read_text()
    assert code == 2
    assert f"port {taken}" in output
    assert "INVENTORY_GRPC_PORT=" in output
    assert not (tmp_path / "data" / "logs").exists()


def test_replicas_on_sqlite_are_refused_before_anything_starts(tmp_path: Path) -> None:
    process = devstack(tmp_path / "data", tmp_path / "devstack.out", "--ports", "auto", "--replicas", "2")
    code = process.wait(timeout=30)

    output = (tmp_path / "devstack.out").read_text()
    assert code == 2
    assert "--replicas 2 needs --database postgres" in output
    assert not (tmp_path / "data" / "logs").exists()


def test_an_unreachable_postgres_server_fails_fast_naming_the_setting(tmp_path: Path) -> None:
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        closed = spare.getsockname()[1]
    server = f"postgresql+asyncpg://postgres@127.0.0.1:{closed}/postgres"
    process = devstack(
        tmp_path / "data", tmp_path / "devstack.out", "--ports", "auto", "--database", "postgres",
        "--postgres-url", server,
    )  # fmt: skip
    code = process.wait(timeout=30)

    output = (tmp_path / "devstack.out").read_text()
    assert code == 1, output
    assert f"127.0.0.1:{closed}" in output
    assert "--postgres-url" in output
    assert "Traceback" not in output
