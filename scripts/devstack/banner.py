"""The text the devstack shows once everything is up: where things are and commands to paste."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from scripts.devstack.plan import Endpoints

EXAMPLE_ORDER = {
    "lines": [{"sku": "MUG-ENAMEL", "quantity": 2}],
    "shipping_address": {
        "name": "Alice Example",
        "line1": "1 Rua Augusta",
        "city": "Lisboa",
        "postal_code": "1100-053",
        "country": "PT",
    },
}


def _tool(name: str) -> str:
    # Relative to where the developer stands, as they will paste it from the repository root.
    path = Path(".venv/bin") / name
    return str(path) if path.exists() else name


def render_banner(endpoints: Endpoints) -> str:
    inventory = endpoints.grpc["inventory"]
    python = _tool("python")
    grpcurl = _tool("grpcurl")
    order = shlex.quote(json.dumps(EXAMPLE_ORDER))
    lines = [
        "",
        "Mercado is running. Ctrl-C stops everything.",
        "",
        f"  edge (REST)       {endpoints.edge_url}",
        f"  API docs          {endpoints.edge_url}/docs",
        *(f"  {name + ' (gRPC)':<17} {address}" for name, address in endpoints.grpc.items()),
        f"  NATS              {endpoints.nats_url}",
        f"  data              {_relative(endpoints.data_dir)}",
        f"  logs              {_relative(endpoints.log_dir)}/<name>.log",
        "",
        "Try:",
        f"  curl -s {endpoints.edge_url}/v1/items",
        f"  TOKEN=$({python} -m edge_gateway.devtoken --sub alice --role customer)",
        f'  curl -s -X POST {endpoints.edge_url}/v1/orders -H "Authorization: Bearer $TOKEN" \\',
        f"       -H 'Content-Type: application/json' -d {order}",
        f"  {grpcurl} -plaintext {inventory} list",
        f'  {grpcurl} -plaintext -d \'{{"order_id": "<order_id from the POST>"}}\' {inventory} \\',
        "       mercado.inventory.v1.InventoryService/GetReservation",
        f"  {grpcurl} -plaintext {inventory} grpc.health.v1.Health/Check",
        "",
    ]
    return "\n".join(lines)


def _relative(path: Path) -> str:
    """Short when the data lives under the current directory (the usual .data), absolute otherwise."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)
