"""buf lint, format and breaking pass on the repository and catch what they exist to catch."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from google.protobuf import descriptor_pb2

from .contract_copy import CheckResult, Contract

BASELINE = "contracts/baseline.binpb"
INVENTORY = "mercado/inventory/v1/inventory.proto"
CONTEXTS = ("inventory", "billing", "shipping")


def test_repository_contract_passes_lint(repository: Contract) -> None:
    result = repository.buf("lint")
    assert result.returncode == 0, result.stdout + result.stderr


def test_repository_protos_are_formatted(repository: Contract) -> None:
    result = repository.buf("format", "--diff", "--exit-code")
    assert result.returncode == 0, result.stdout + result.stderr


def test_repository_contract_keeps_the_released_baseline_working(repository: Contract) -> None:
    result = repository.buf("breaking", "--against", BASELINE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_baseline_holds_the_released_services_and_events(repository: Contract) -> None:
    # An empty or truncated baseline would make every breaking check pass vacuously.
    image = descriptor_pb2.FileDescriptorSet.FromString((repository.root / BASELINE).read_bytes())
    services = {f"{file.package}.{service.name}" for file in image.file for service in file.service}
    event_files = {file.name for file in image.file if file.name.endswith("/events.proto")}
    assert {
        "mercado.inventory.v1.InventoryService",
        "mercado.billing.v1.BillingService",
        "mercado.shipping.v1.ShippingService",
    } <= services
    assert {f"mercado/{context}/v1/events.proto" for context in CONTEXTS} <= event_files


@dataclass(frozen=True)
class BreakingEdit:
    """An edit to a released proto and the violation buf must report for it."""

    proto: str
    old: str
    new: str
    rule: str
    names: tuple[str, ...]


BREAKING_EDITS = {
    "changed field type": BreakingEdit(
        INVENTORY, "  int64 on_hand = 5;", "  string on_hand = 5;", "FIELD_SAME_TYPE", ("on_hand", "Item")
    ),
    "deleted field": BreakingEdit(
        INVENTORY,
        "  // Units held by open reservations.\n  int64 reserved = 6;\n",
        "",
        "FIELD_NO_DELETE",
        ("reserved", "Item"),
    ),
    "renamed RPC": BreakingEdit(
        INVENTORY,
        "rpc GetItem(GetItemRequest)",
        "rpc FetchItem(GetItemRequest)",
        "RPC_NO_DELETE",
        ("GetItem", "InventoryService"),
    ),
    "renamed field": BreakingEdit(
        "mercado/shipping/v1/shipping.proto",
        "  string tracking_number = 7;",
        "  string tracking_code = 7;",
        "FIELD_SAME_NAME",
        ("tracking_number", "Shipment"),
    ),
    "changed event field type": BreakingEdit(
        "mercado/billing/v1/events.proto",
        "  PaymentFailureReason reason = 4;",
        "  string reason = 4;",
        "FIELD_SAME_TYPE",
        ("reason", "PaymentFailed"),
    ),
}


@pytest.mark.parametrize("edit", BREAKING_EDITS.values(), ids=BREAKING_EDITS.keys())
def test_breaking_check_rejects_an_incompatible_edit(scratch: Contract, edit: BreakingEdit) -> None:
    scratch.edit(edit.proto, edit.old, edit.new)

    result = scratch.check("breaking", "--against", BASELINE)

    assert result.returncode == 100
    matching = [v for v in result.violations if v["type"] == edit.rule and v["path"].endswith(edit.proto)]
    assert matching, f"no {edit.rule} violation in {result.violations}"
    assert all(f'"{name}"' in matching[0]["message"] for name in edit.names), matching[0]["message"]


def test_breaking_check_accepts_a_new_field(scratch: Contract) -> None:
    scratch.edit(
        INVENTORY,
        "  google.protobuf.Timestamp update_time = 10;\n}",
        "  google.protobuf.Timestamp update_time = 10;\n"
        "  // Warehouse bin the item is stored in.\n  string bin_location = 11;\n}",
    )

    assert scratch.check("breaking", "--against", BASELINE) == CheckResult(0, [])
    assert scratch.check("lint") == CheckResult(0, [])


def test_lint_rejects_an_undocumented_field(scratch: Contract) -> None:
    scratch.edit(
        INVENTORY,
        "  google.protobuf.Timestamp update_time = 10;\n}",
        "  google.protobuf.Timestamp update_time = 10;\n  string bin_location = 11;\n}",
    )

    result = scratch.check("lint")

    assert result.returncode == 100
    assert [v["type"] for v in result.violations] == ["COMMENT_FIELD"]
    assert "bin_location" in result.violations[0]["message"]


def test_format_check_rejects_a_misformatted_proto(scratch: Contract) -> None:
    scratch.edit(INVENTORY, "  int64 on_hand = 5;", "      int64   on_hand=5;")

    result = scratch.buf("format", "--diff", "--exit-code")

    assert result.returncode == 100
    assert "inventory.proto" in result.stdout
    assert "+  int64 on_hand = 5;" in result.stdout
