"""Create or update the JetStream streams named by the event naming rule; idempotent at every start."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from chassis.naming import stream_for, stream_subjects

logger = logging.getLogger(__name__)

# A publish retried (same Nats-Msg-Id) within this window is stored once.
DUPLICATE_WINDOW_SECONDS = 120.0
MAX_AGE_SECONDS = 7 * 24 * 3600.0


def stream_config(stream: str, storage: StorageType = StorageType.FILE, replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=stream,
        subjects=stream_subjects(stream),
        retention=RetentionPolicy.LIMITS,
        discard=DiscardPolicy.OLD,
        storage=storage,
        max_age=MAX_AGE_SECONDS,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        num_replicas=replicas,
    )


async def ensure_streams(
    js: JetStreamContext,
    event_types: Iterable[str],
    *,
    storage: StorageType = StorageType.FILE,
    replicas: int = 1,
) -> None:
    """Make sure the stream of every event type exists with the current configuration.

    Publishers and consumers both call this, so whichever service starts first creates the stream.
    Every service of one deployment must ask for the same `replicas`, or each start undoes the last.
    """
    for stream in sorted({stream_for(event_type) for event_type in event_types}):
        config = stream_config(stream, storage, replicas)
        try:
            await js.stream_info(stream)
        except NotFoundError:
            try:
                await js.add_stream(config)
                logger.info("stream %s created", stream)
                continue
            except BadRequestError:
                # Another service created it between our lookup and our create: update below.
                pass
        await js.update_stream(config)
