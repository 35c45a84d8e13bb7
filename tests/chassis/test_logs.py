"""Logs are JSON lines carrying the service and the bound request context."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from chassis.logs import bind_log_context, configure_logging


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    stream = io.StringIO()
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved_handlers:
        root.addHandler(handler)
    root.setLevel(saved_level)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_line_carries_service_and_bound_context(log_stream: io.StringIO) -> None:
    configure_logging("inventory", "INFO", "json", stream=log_stream)
    with bind_log_context(request_id="req-1", trace_id="a" * 32, order_id="ord-9"):
        logging.getLogger("inventory.grpc_api").info("reserved %d lines", 3, extra={"sku": "SKU-1"})
    logging.getLogger("inventory.grpc_api").info("outside")

    inside, outside = lines(log_stream)
    assert inside["msg"] == "reserved 3 lines"
    assert inside["service"] == "inventory"
    assert inside["level"] == "INFO"
    assert inside["logger"] == "inventory.grpc_api"
    assert (inside["request_id"], inside["trace_id"], inside["order_id"]) == ("req-1", "a" * 32, "ord-9")
    assert inside["sku"] == "SKU-1"
    assert "ts" in inside
    assert "order_id" not in outside
    assert "request_id" not in outside


def test_nested_bindings_add_fields_and_restore_on_exit(log_stream: io.StringIO) -> None:
    configure_logging("billing", "INFO", "json", stream=log_stream)
    log = logging.getLogger("billing")
    with bind_log_context(request_id="outer"):
        with bind_log_context(order_id="ord-1"):
            log.info("inner")
        log.info("after")

    inner, after = lines(log_stream)
    assert (inner["request_id"], inner["order_id"]) == ("outer", "ord-1")
    assert after["request_id"] == "outer"
    assert "order_id" not in after


def test_exceptions_are_logged_with_their_traceback(log_stream: io.StringIO) -> None:
    configure_logging("shipping", "INFO", "json", stream=log_stream)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("shipping").exception("failed")
    (line,) = lines(log_stream)
    assert "ValueError: boom" in str(line["exc"])


def test_level_filters_and_text_format_is_readable(log_stream: io.StringIO) -> None:
    configure_logging("inventory", "WARNING", "text", stream=log_stream)
    with bind_log_context(request_id="req-2"):
        logging.getLogger("x").info("hidden")
        logging.getLogger("x").warning("shown")
    output = log_stream.getvalue()
    assert "hidden" not in output
    assert "shown" in output
    assert "request_id=req-2" in output
    assert "service=inventory" in output
