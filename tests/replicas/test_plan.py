"""How the devstack wires replicas: distinct ports, one database per service, callers dialling them all."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.devstack import PlanError, plan_stack
from scripts.devstack.specs import ProcessSpec, StackPlan

LOCAL_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def processes(plan: StackPlan) -> dict[str, ProcessSpec]:
    return {spec.name: spec for stage in plan.stages for spec in stage}


def test_each_replica_has_its_own_port_and_callers_get_a_target_listing_them_all(tmp_path: Path) -> None:
    plan = plan_stack(tmp_path, auto_ports=True, database="postgres", replicas=3, postgres_url=LOCAL_SERVER)
    specs = processes(plan)

    shipping = [specs[f"shipping-{i}"] for i in (1, 2, 3)]
    ports = [spec.env["SHIPPING_GRPC_PORT"] for spec in shipping]
    expected_target = "ipv4:" + ",".join(f"127.0.0.1:{port}" for port in ports)
    assert len(set(ports)) == 3
    assert plan.endpoints.grpc["shipping"] == expected_target
    assert plan.endpoints.replicas["shipping"] == tuple(f"127.0.0.1:{port}" for port in ports)
    for caller in ("inventory-1", "inventory-3", "billing-2"):
        assert specs[caller].env[f"{caller.split('-')[0].upper()}_SHIPPING_ADDR"] == expected_target
    assert specs["edge"].env["EDGE_SHIPPING_ADDR"] == expected_target


def test_replicas_share_their_service_database_and_leave_migrations_to_the_one_shot(tmp_path: Path) -> None:
    plan = plan_stack(tmp_path, auto_ports=True, database="postgres", replicas=2, postgres_url=LOCAL_SERVER)
    specs = processes(plan)

    billing_urls = {specs[f"billing-{i}"].env["BILLING_DATABASE_URL"] for i in (1, 2)}
    assert billing_urls == {plan.endpoints.databases["billing"]}
    assert plan.endpoints.databases["billing"] != plan.endpoints.databases["inventory"]
    assert {specs[f"billing-{i}"].env["BILLING_MIGRATE"] for i in (1, 2)} == {"false"}
    assert [shot.argv[-1] for shot in plan.prepare] == [
        "shipping.migrations",
        "inventory.migrations",
        "billing.migrations",
    ]


def test_the_sqlite_stack_is_unchanged_one_process_per_service_migrating_itself(tmp_path: Path) -> None:
    plan = plan_stack(tmp_path, auto_ports=True)
    specs = processes(plan)

    assert set(specs) == {"nats", "inventory", "billing", "shipping", "edge"}
    assert plan.prepare == ()
    assert plan.postgres is None
    assert "INVENTORY_MIGRATE" not in specs["inventory"].env
    assert specs["inventory"].env["INVENTORY_DATABASE_URL"].startswith("sqlite+aiosqlite:///")
    assert specs["inventory"].env["INVENTORY_SHIPPING_ADDR"] == plan.endpoints.grpc["shipping"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"replicas": 2}, "--replicas 2 needs --database postgres"),
        ({"replicas": 0, "database": "postgres"}, "--replicas must be at least 1"),
    ],
)
def test_impossible_options_are_refused_before_anything_is_planned(
    tmp_path: Path, options: dict[str, object], message: str
) -> None:
    with pytest.raises(PlanError, match=message):
        plan_stack(tmp_path, auto_ports=True, **options)  # type: ignore[arg-type]
