"""One stack for the fault tests, a ledger of what they did, and a REST driver per test.

Every test leaves each process running (restarting what it killed, even when it failed halfway), so
the next test starts from a whole stack.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from scripts.devstack import Stack
from scripts.invariants import Ledger
from tests.faults.control import ensure_running, running_stack
from tests.faults.shop import Shop

# Events a killed billing held unacknowledged are offered again after the ack wait: 5 s instead of
# the default 30 keeps the crash tests short (billing's handlers take milliseconds; quotes at most 2 s).
BILLING_ENV = {"BILLING_CONSUMER_ACK_WAIT_SECONDS": "5"}


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("faults"), {"billing": BILLING_ENV}) as running:
        yield running


@pytest.fixture(scope="package")
def ledger() -> Ledger:
    return Ledger()


@pytest.fixture
async def shop(stack: Stack, ledger: Ledger) -> AsyncIterator[Shop]:
    async with httpx.AsyncClient(base_url=stack.endpoints.edge_url, timeout=10.0) as client:
        yield Shop(client, ledger)
    for process in stack.processes:
        await ensure_running(stack, process.name)
