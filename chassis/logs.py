"""Process logging: JSON (or text) lines carrying the service name and the bound request context."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, TextIO

_CONTEXT: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "mercado_log_context", default=MappingProxyType({})
)

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged too.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def log_context() -> Mapping[str, str]:
    """The fields bound by the enclosing `bind_log_context` blocks (request_id, trace_id, ...)."""
    return _CONTEXT.get()


@contextmanager
def bind_log_context(**fields: str) -> Iterator[None]:
    """Attach fields to every log line emitted inside the block (and tasks started from it)."""
    token = _CONTEXT.set({**_CONTEXT.get(), **fields})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in vars(record).items() if key not in _RECORD_FIELDS}


class JsonFormatter(logging.Formatter):
    """One JSON object per line; keys are stable so log queries keep working."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "service": self._service,
        }
        line.update(_CONTEXT.get())
        line.update(_extras(record))
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Human-readable lines for local runs, with the same context fields as key=value pairs."""

    def __init__(self, service: str) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        fields = {"service": self._service, **_CONTEXT.get(), **_extras(record)}
        base = super().format(record)
        pairs = " ".join(f"{key}={value}" for key, value in fields.items())
        head, _, rest = base.partition("\n")
        return f"{head} [{pairs}]" + (f"\n{rest}" if rest else "")


def configure_logging(
    service: str, level: str = "INFO", fmt: str = "json", *, stream: TextIO | None = None
) -> None:
    """Route all logging to one stream handler (stderr by default) in the chosen format."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter(service) if fmt == "json" else TextFormatter(service))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
