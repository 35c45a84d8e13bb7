"""Event naming rule: event type -> subject, stream and durable consumer names; no I/O."""

from __future__ import annotations

import re

# `<root>.<context>.v<N>.<EventName>`, e.g. `mercado.inventory.v1.StockReserved`. The context and
# root must stay lowercase alphanumerics: they round-trip through an upper-case stream name.
_EVENT_TYPE = re.compile(
    r"^(?P<root>[a-z][a-z0-9]*)\.(?P<context>[a-z][a-z0-9]*)\.(?P<version>v[0-9]+)\.(?P<name>[A-Z][A-Za-z0-9]*)$"
)
_STREAM = re.compile(r"^[A-Z][A-Z0-9]*_[A-Z][A-Z0-9]*_V[0-9]+$")
_SERVICE = re.compile(r"^[a-z][a-z0-9_]*$")


def _parts(event_type: str) -> re.Match[str]:
    match = _EVENT_TYPE.match(event_type)
    if match is None:
        raise ValueError(f"event type {event_type!r} is not '<root>.<context>.v<N>.<EventName>'")
    return match


def subject_for(event_type: str) -> str:
    """The subject an event is published on: the event type itself."""
    _parts(event_type)
    return event_type


def stream_for(event_type: str) -> str:
    """The stream holding every event of one publishing context and version."""
    match = _parts(event_type)
    return f"{match['root']}_{match['context']}_{match['version']}".upper()


def stream_subjects(stream: str) -> list[str]:
    """The subjects a stream captures: the whole `<root>.<context>.v<N>` namespace."""
    if _STREAM.match(stream) is None:
        raise ValueError(f"stream name {stream!r} is not '<ROOT>_<CONTEXT>_V<N>'")
    return [stream.lower().replace("_", ".") + ".>"]


def durable_for(service: str, event_type: str) -> str:
    """The durable consumer through which `service` receives `event_type` (no dots allowed)."""
    if _SERVICE.match(service) is None:
        raise ValueError(f"service name {service!r} must be lowercase letters, digits or '_'")
    match = _parts(event_type)
    return f"{service}--{match['context']}-{match['version']}-{match['name']}"
