"""NATS JetStream plumbing: connection, streams, the consume loop and dead letters; knows no service."""

from chassis.messaging.connection import connect_nats
from chassis.messaging.consumer import EventConsumer
from chassis.messaging.dead_letters import DeadLetterSink, SqlDeadLetters, sql_dead_letters
from chassis.messaging.events import (
    Handler,
    IncomingEvent,
    MalformedEvent,
    PoisonMessage,
    Subscription,
    TransientError,
)
from chassis.messaging.streams import ensure_streams

__all__ = [
    "DeadLetterSink",
    "EventConsumer",
    "Handler",
    "IncomingEvent",
    "MalformedEvent",
    "PoisonMessage",
    "SqlDeadLetters",
    "Subscription",
    "TransientError",
    "connect_nats",
    "ensure_streams",
    "sql_dead_letters",
]
