"""Transactional outbox: events stored with the state change, relayed to JetStream after commit."""

from chassis.outbox.message import OutboxMessage, event_message, outbox_message
from chassis.outbox.relay import OutboxRelay, PublishIncomplete
from chassis.outbox.table import Outbox, outbox_table

__all__ = [
    "Outbox",
    "OutboxMessage",
    "OutboxRelay",
    "PublishIncomplete",
    "event_message",
    "outbox_message",
    "outbox_table",
]
