"""List the messages a service's consumers gave up on, read from that service's `dead_letter` table.

    python -m scripts.dead_letters --service billing                  # the `make run` stack in .data/
    python -m scripts.dead_letters --service shipping --data-dir /tmp/stack
    python -m scripts.dead_letters --service inventory --database-url postgresql+asyncpg://... --json

Read-only: it never changes the table (replaying a message is an operator's deliberate act).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.message import DecodeError
from sqlalchemy import MetaData, RowMapping, select

from chassis.db import create_engine
from chassis.inbox import dead_letter_table
from mercado.billing.v1 import events_pb2 as billing_events
from mercado.inventory.v1 import events_pb2 as inventory_events
from mercado.shipping.v1 import events_pb2 as shipping_events

SERVICES = ("inventory", "billing", "shipping")
# Imported for their side effect: the event types register in the default descriptor pool.
_EVENT_MODULES = (billing_events, inventory_events, shipping_events)


class NoDatabase(Exception):
    """The service's SQLite file is not where the stack would keep it."""


def database_url(service: str, data_dir: Path, explicit: str | None) -> str:
    """The URL given, or the SQLite file the devstack gives `service` under `data_dir`."""
    if explicit:
        return explicit
    path = data_dir.resolve() / f"{service}.db"
    # Opening a missing SQLite file would create an empty one and report nothing, which misleads.
    if not path.is_file():
        raise NoDatabase(f"no database at {path}; start the stack (make run) or pass --data-dir")
    return f"sqlite+aiosqlite:///{path}"


async def read_dead_letters(url: str, limit: int) -> list[RowMapping]:
    table = dead_letter_table(MetaData())
    engine = create_engine(url, read_only=True)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(table).order_by(table.c.id.desc()).limit(limit))
            return list(rows.mappings())
    finally:
        await engine.dispose()


def payload_view(event_type: str | None, payload: bytes) -> Any:
    """The payload as JSON when it parses as its declared event type, else its bytes in base64."""
    try:
        descriptor = descriptor_pool.Default().FindMessageTypeByName(event_type or "")
        message = message_factory.GetMessageClass(descriptor).FromString(payload)
        return json_format.MessageToDict(message, preserving_proto_field_name=True)
    except (KeyError, DecodeError):
        return {"base64": base64.b64encode(payload).decode()}


def _utc(value: datetime | None, timespec: str = "auto") -> str | None:
    # SQLite hands back the stored UTC time without its zone.
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat(timespec=timespec)


def as_json(row: RowMapping) -> str:
    document = {
        "id": row["id"],
        "created_at": _utc(row["created_at"]),
        "consumer": row["consumer"],
        "subject": row["subject"],
        "event_type": row["event_type"],
        "event_id": row["event_id"],
        "deliveries": row["deliveries"],
        "error": row["error"],
        "headers": row["headers"],
        "payload": payload_view(row["event_type"], row["payload"]),
    }
    return json.dumps(document, default=str)


def as_text(row: RowMapping) -> str:
    when = _utc(row["created_at"], "seconds") or "?"
    payload = json.dumps(payload_view(row["event_type"], row["payload"]))
    return (
        f"#{row['id']}  {when}  {row['consumer']}  deliveries={row['deliveries']}\n"
        f"    event   {row['event_type'] or row['subject']}  id={row['event_id']}\n"
        f"    error   {row['error']}\n"
        f"    payload {payload}"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.dead_letters",
        description="List the messages a service's consumers dead-lettered, newest first.",
    )
    parser.add_argument("--service", required=True, choices=SERVICES)
    parser.add_argument("--data-dir", type=Path, default=Path(".data"), help="the devstack's data directory")
    parser.add_argument("--database-url", help="read this database instead (e.g. the service's PostgreSQL)")
    parser.add_argument("--limit", type=int, default=50, help="at most this many, newest first")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args(argv)
    if args.limit <= 0:
        parser.error("--limit must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        url = database_url(args.service, args.data_dir, args.database_url)
    except NoDatabase as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    rows = asyncio.run(read_dead_letters(url, args.limit))
    # The listing is the command's output for the person who ran it, hence stdout, not logging.
    if args.json:
        sys.stdout.writelines(as_json(row) + "\n" for row in rows)
    elif rows:
        sys.stdout.writelines(as_text(row) + "\n" for row in rows)
    else:
        sys.stdout.write(f"{args.service}: no dead letters\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
