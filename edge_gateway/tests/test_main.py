"""`python -m edge_gateway` serves the API as a process, the way `make run` starts it."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def edge_process(tmp_path: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Port 1 is never a backend here, whatever else runs on this machine.
    down = {f"EDGE_{name}_ADDR": "127.0.0.1:1" for name in ("INVENTORY", "BILLING", "SHIPPING")}
    env = {**os.environ, "EDGE_PORT": str(port), **down}
    log = tmp_path / "edge.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "edge_gateway"], cwd=REPO, env=env, stderr=sink)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            # uvicorn re-raises the SIGTERM it handled once shutdown is complete.
            assert process.wait(timeout=10) in {0, -signal.SIGTERM}
    assert "Application shutdown complete" in log.read_text()


def _poll_live(base_url: str, timeout: float = 15.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(f"{base_url}/healthz", timeout=1.0)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # polling interval of a deadline-bounded wait, not synchronisation


def test_module_entrypoint_serves_liveness_and_reports_backends_down(edge_process: str) -> None:
    assert _poll_live(edge_process).json() == {"status": "ok"}

    ready = httpx.get(f"{edge_process}/readyz", timeout=5.0)
    item = httpx.get(f"{edge_process}/v1/items/MUG-001", timeout=5.0)

    assert ready.status_code == 503
    assert ready.json()["backends"] == dict.fromkeys(("inventory", "billing", "shipping"), "UNREACHABLE")
    assert (item.status_code, item.headers["content-type"]) == (503, "application/problem+json")
