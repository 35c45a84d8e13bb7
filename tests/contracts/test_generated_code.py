"""scripts/gen_protos.py keeps gen/ in sync with protos/, and its --check catches drift."""

from __future__ import annotations

import os
import subprocess
import sys

from .contract_copy import Contract

SHIPPING = "mercado/shipping/v1/shipping.proto"
NEW_FIELD = (
    "  google.protobuf.Timestamp update_time = 12;\n}",
    "  google.protobuf.Timestamp update_time = 12;\n  // Parcel volume in cubic centimetres.\n"
    "  int64 volume_cm3 = 13;\n}",
)


def snapshot(contract: Contract) -> dict[str, bytes]:
    root = contract.generated
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def run_with_gen(contract: Contract, code: str) -> str:
    """Run `code` in a fresh interpreter that imports from the contract's gen/ only; returns its output."""
    env = {**os.environ, "PYTHONPATH": str(contract.generated)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout.strip()


def test_committed_gen_matches_protos(repository: Contract) -> None:
    result = repository.gen("--check")
    assert result.returncode == 0, result.stderr


def test_committed_gen_imports_every_service_and_event_module(repository: Contract) -> None:
    # Importing runs the protobuf and grpcio runtime version checks the generated code carries.
    code = "\n".join(
        [
            "from mercado.inventory.v1 import inventory_pb2_grpc, events_pb2 as inventory_events",
            "from mercado.billing.v1 import billing_pb2_grpc, events_pb2 as billing_events",
            "from mercado.shipping.v1 import shipping_pb2_grpc, events_pb2 as shipping_events",
            "stubs = [inventory_pb2_grpc.InventoryServiceStub, billing_pb2_grpc.BillingServiceStub,",
            "         shipping_pb2_grpc.ShippingServiceStub]",
            "print(*(stub.__name__ for stub in stubs))",
        ]
    )
    assert run_with_gen(repository, code) == "InventoryServiceStub BillingServiceStub ShippingServiceStub"


def test_check_reports_the_modules_a_proto_edit_changes_and_writes_nothing(scratch: Contract) -> None:
    scratch.edit(SHIPPING, *NEW_FIELD)
    before = snapshot(scratch)

    result = scratch.gen("--check")

    assert result.returncode == 1
    assert "make gen" in result.stderr
    assert "mercado/shipping/v1/shipping_pb2.py" in result.stderr
    assert "mercado/shipping/v1/shipping_pb2.pyi" in result.stderr
    assert "inventory" not in result.stderr
    assert snapshot(scratch) == before


def test_generation_brings_gen_back_in_sync_quietly(scratch: Contract) -> None:
    scratch.edit(SHIPPING, *NEW_FIELD)

    generated = scratch.gen()
    checked = scratch.gen("--check")

    assert generated.returncode == 0, generated.stderr
    # One summary line: no per-file chatter from protoc plugins.
    assert generated.stderr.strip().splitlines() == [
        f"generated {scratch.generated}/ from {scratch.protos}/: 2 file(s) changed"
    ]
    assert checked.returncode == 0, checked.stderr
    stub = (scratch.generated / "mercado/shipping/v1/shipping_pb2.pyi").read_text()
    assert "volume_cm3: _builtins.int" in stub
    code = "from mercado.shipping.v1 import shipping_pb2 as s\nprint(s.Shipment(volume_cm3=7).volume_cm3)"
    assert run_with_gen(scratch, code) == "7"


def test_check_ignores_bytecode_caches(scratch: Contract) -> None:
    cache = scratch.generated / "mercado" / "inventory" / "v1" / "__pycache__"
    cache.mkdir()
    (cache / "inventory_pb2.cpython-311.pyc").write_bytes(b"\x00compiled")

    result = scratch.gen("--check")

    assert result.returncode == 0, result.stderr


def test_generation_removes_modules_of_a_deleted_proto(scratch: Contract) -> None:
    (scratch.protos / SHIPPING).unlink()

    result = scratch.gen()

    package = scratch.generated / "mercado" / "shipping" / "v1"
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in package.iterdir()) == [
        "__init__.py",
        "events_pb2.py",
        "events_pb2.pyi",
        "events_pb2_grpc.py",
        "events_pb2_grpc.pyi",
    ]


def test_generation_reports_an_invalid_proto_and_keeps_gen(scratch: Contract) -> None:
    scratch.edit(SHIPPING, "  int64 total_weight_grams = 5;", "  int64 total_weight_grams = 5")
    before = snapshot(scratch)

    result = scratch.gen()

    assert result.returncode == 2
    assert "mercado/shipping/v1/shipping.proto" in result.stderr
    assert snapshot(scratch) == before
