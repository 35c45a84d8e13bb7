"""The text the devstack shows once everything is up: where things are, and a tour to paste."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url

from scripts.devstack.plan import Endpoints
from scripts.seed import CUSTOMER_WITHOUT_ACCOUNT, DEMO_ACCOUNTS

EXAMPLE_ADDRESS = {
    "name": "Alice Example",
    "line1": "1 Rua Augusta",
    "city": "Lisboa",
    "postal_code": "1100-053",
    "country": "PT",
}
EXAMPLE_LINES = [{"sku": "MUG-ENAMEL", "quantity": 2}]
DEFAULT_DATA_DIR = ".data"


def _tool(name: str) -> str:
    # Relative to where the developer stands, as they will paste it from the repository root.
    path = Path(".venv/bin") / name
    return str(path) if path.exists() else name


def render_banner(endpoints: Endpoints) -> str:
    return "\n".join(["", *_where(endpoints), "", *_tour(endpoints), "", *_direct(endpoints), ""])


def _where(endpoints: Endpoints) -> list[str]:
    funded = " and ".join(account.customer_id for account in DEMO_ACCOUNTS)
    return [
        "Mercado is running. Ctrl-C stops everything.",
        "",
        f"  edge (REST)       {endpoints.edge_url}",
        f"  API docs          {endpoints.edge_url}/docs",
        *(f"  {name + ' (gRPC)':<17} {_replicas(endpoints, name)}" for name in endpoints.grpc),
        f"  NATS              {endpoints.nats_url}",
        *_databases(endpoints),
        f"  data              {_relative(endpoints.data_dir)}",
        f"  logs              {_relative(endpoints.log_dir)}/<name>.log",
        "",
        f"Demo data: a catalogue; {funded} have EUR 500.00 each, {CUSTOMER_WITHOUT_ACCOUNT} has no account.",
    ]


def _replicas(endpoints: Endpoints, name: str) -> str:
    addresses = endpoints.replicas.get(name, ())
    if len(addresses) <= 1:
        return endpoints.grpc[name]
    return f"{', '.join(addresses)} ({len(addresses)} replicas, callers balance round robin)"


def _databases(endpoints: Endpoints) -> list[str]:
    """PostgreSQL databases are worth a line each; SQLite files sit in the data directory."""
    if not _on_postgres(endpoints):
        return []
    return [
        "  PostgreSQL        one database and role per service, dropped at exit (unless --keep):",
        *(f"    {name:<15} {_masked(url)}" for name, url in endpoints.databases.items()),
    ]


def _on_postgres(endpoints: Endpoints) -> bool:
    return any(url.startswith("postgresql") for url in endpoints.databases.values())


def _masked(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def dial(endpoints: Endpoints, name: str) -> str:
    """host:port of one replica of the service, for tools that take a single address (grpcurl)."""
    return next(iter(endpoints.replicas.get(name, ())), endpoints.grpc[name])


@dataclass(frozen=True)
class _Tools:
    python: str
    grpcurl: str

    @property
    def token(self) -> str:
        return f"{self.python} -m edge_gateway.devtoken"

    def field(self, *path: str) -> str:
        """A jq-free filter that prints one field of the JSON document on stdin."""
        keys = "".join(f'["{key}"]' for key in path)
        return f"{self.python} -c 'import json,sys; print(json.load(sys.stdin){keys})'"

    def place_order(self, variable: str, token: str, recipient: str) -> list[str]:
        order = {"lines": EXAMPLE_LINES, "shipping_address": {**EXAMPLE_ADDRESS, "name": recipient}}
        return [
            f'  {variable}=$(curl -s -X POST $EDGE/v1/orders -H "Authorization: Bearer ${token}" \\',
            f"      -H 'Content-Type: application/json' -d {shlex.quote(json.dumps(order))} \\",
            f"      | {self.field('order_id')}); echo ${variable}",
        ]


def _tour(endpoints: Endpoints) -> list[str]:
    """One order from placement to delivery, then an order that cannot be paid, step by step."""
    tools = _Tools(_tool("python"), _tool("grpcurl"))
    return [
        "Tour: paste one step at a time into a second terminal at the repository root.",
        "  # 1. tokens for a customer, an admin and a carrier",
        f"  EDGE={endpoints.edge_url}",
        f"  ALICE=$({tools.token} --sub alice --role customer)",
        f"  ADMIN=$({tools.token} --sub ops --role admin)",
        f"  CARRIER=$({tools.token} --sub courier --role carrier)",
        "  # 2. the catalogue, and alice's balance",
        "  curl -s $EDGE/v1/items",
        '  curl -s $EDGE/v1/accounts/alice -H "Authorization: Bearer $ALICE"',
        "  # 3. alice orders two mugs (202, PENDING_PAYMENT); ORDER keeps the order id",
        *tools.place_order("ORDER", "ALICE", "Alice Example"),
        *_delivery(endpoints, tools),
        *_unpaid(tools),
        "  # 9. messages a service's consumers gave up on (there should be none)",
        f"  {tools.python} -m scripts.dead_letters --service billing{_where_billing_keeps_data(endpoints)}",
    ]


def _delivery(endpoints: Endpoints, tools: _Tools) -> list[str]:
    shipping = dial(endpoints, "shipping")
    return [
        "  # 4. billing charged her and shipping made a shipment: AWAITING_SHIPMENT",
        '  curl -s $EDGE/v1/orders/$ORDER -H "Authorization: Bearer $ALICE"',
        "  # 5. follow the shipment over gRPC (in the background; the stream ends once it is delivered)",
        f'  {tools.grpcurl} -plaintext -d "{{\\"order_id\\": \\"$ORDER\\"}}" {shipping} \\',
        "      mercado.shipping.v1.ShippingService/WatchShipment &",
        "  # 6. the carrier dispatches and delivers; the shipment id is in the order",
        '  SHIPMENT=$(curl -s $EDGE/v1/orders/$ORDER -H "Authorization: Bearer $ALICE" \\',
        f"      | {tools.field('shipment', 'shipment_id')}); echo $SHIPMENT",
        '  curl -s -X POST "$EDGE/v1/shipments/${SHIPMENT}:dispatch" -H "Authorization: Bearer $CARRIER"',
        '  curl -s -X POST "$EDGE/v1/shipments/${SHIPMENT}:deliver" -H "Authorization: Bearer $CARRIER"',
        "  # 7. DELIVERED, as an admin sees it",
        '  curl -s $EDGE/v1/orders/$ORDER -H "Authorization: Bearer $ADMIN"',
    ]


def _unpaid(tools: _Tools) -> list[str]:
    carol = CUSTOMER_WITHOUT_ACCOUNT
    return [
        f"  # 8. {carol} has no account: her order ends PAYMENT_FAILED and its stock is released",
        f"  CAROL=$({tools.token} --sub {carol} --role customer)",
        *tools.place_order("UNPAID", "CAROL", "Carol Example"),
        '  curl -s $EDGE/v1/orders/$UNPAID -H "Authorization: Bearer $ADMIN"',
    ]


def _direct(endpoints: Endpoints) -> list[str]:
    grpcurl = _tool("grpcurl")
    inventory, billing = dial(endpoints, "inventory"), dial(endpoints, "billing")
    return [
        "Each service directly (reflection and health on every one):",
        f"  {grpcurl} -plaintext {inventory} list",
        f'  {grpcurl} -plaintext -d "{{\\"order_id\\": \\"$ORDER\\"}}" {inventory} \\',
        "      mercado.inventory.v1.InventoryService/GetReservation",
        f'  {grpcurl} -plaintext -d \'{{"customer_id": "alice"}}\' {billing} \\',
        "      mercado.billing.v1.BillingService/GetAccount",
        f"  {grpcurl} -plaintext {dial(endpoints, 'shipping')} grpc.health.v1.Health/Check",
    ]


def _where_billing_keeps_data(endpoints: Endpoints) -> str:
    if _on_postgres(endpoints):
        return f" --database-url {shlex.quote(endpoints.databases['billing'])}"
    return _data_dir_option(endpoints)


def _data_dir_option(endpoints: Endpoints) -> str:
    where = _relative(endpoints.data_dir)
    return "" if where == DEFAULT_DATA_DIR else f" --data-dir {shlex.quote(where)}"


def _relative(path: Path) -> str:
    """Short when the data lives under the current directory (the usual .data), absolute otherwise."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)
