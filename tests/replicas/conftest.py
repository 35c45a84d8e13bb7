"""One stack for the package: two replicas per gRPC service, one PostgreSQL database per service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chassis.testing import postgres_url
from scripts.devstack import Stack, plan_stack
from scripts.devstack.services import GRPC_SERVICES

REPLICAS = 2
# JSON lines, at INFO: each consumer writes one line per event it handled, which shows which replica
# did the work (tests/replicas/test_two_replicas.py reads them).
LOG_ENV = {
    **{f"{service.env_prefix}LOG_FORMAT": "json" for service in GRPC_SERVICES},
    **{f"{service.env_prefix}LOG_LEVEL": "INFO" for service in GRPC_SERVICES},
}


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    plan = plan_stack(
        tmp_path_factory.mktemp("replicas"),
        auto_ports=True,
        extra_env=LOG_ENV,
        database="postgres",
        replicas=REPLICAS,
        postgres_url=postgres_url(),
    )
    with Stack(plan) as running:
        yield running
