"""Timestamps built by arithmetic must equal what protobuf's own FromDatetime builds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from chassis.proto_time import optional_timestamp, timestamp


@pytest.mark.parametrize(
    "moment",
    [
        pytest.param(datetime(2026, 11, 28, 5, 30, 1, 123456, tzinfo=UTC), id="utc-with-microseconds"),
        pytest.param(datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=2))), id="offset"),
        pytest.param(datetime(2026, 1, 1, 0, 0, 0, 999999), id="naive-taken-as-utc"),
        pytest.param(datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC), id="before-the-epoch"),
        pytest.param(datetime(1970, 1, 1, tzinfo=UTC), id="the-epoch"),
    ],
)
def test_timestamp_matches_protobufs_conversion(moment: datetime) -> None:
    expected = Timestamp()
    expected.FromDatetime(moment)

    assert timestamp(moment) == expected


def test_an_absent_moment_leaves_the_field_unset() -> None:
    assert optional_timestamp(None) is None
    assert optional_timestamp(datetime(2026, 1, 1, tzinfo=UTC)) == timestamp(datetime(2026, 1, 1, tzinfo=UTC))
