"""A client of one server-sent event stream, driving the ASGI app the way an HTTP server does.

httpx's ASGI transport hands out a response only after the app has finished, so it can neither
read events as they come nor leave in the middle; this client can do both, and disconnects the
way a server reports a closed socket (an `http.disconnect` message).
"""

import asyncio
from types import TracebackType
from typing import Any, Self

import orjson
from starlette.types import ASGIApp, Message

# A deadline for each wait, generous for a loaded machine; the waits end as soon as data arrives.
WAIT_SECONDS = 10.0


class EventStream:
    """`async with EventStream(app, path, headers) as stream`: status, headers, then events."""

    def __init__(self, app: ASGIApp, path: str, headers: dict[str, str]) -> None:
        self._app = app
        self._scope: dict[str, Any] = {
            "type": "http",
            # 2.4: the version under which Starlette's own streaming response stops watching for
            # disconnects; the edge's must notice anyway.
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("edge.test", 80),
        }
        self._sent: asyncio.Queue[Message] = asyncio.Queue()
        self._left = asyncio.Event()
        self._asked = False
        self._buffer = b""
        self._ended = False
        self.status = 0
        self.headers: dict[str, str] = {}
        self.comments: list[str] = []
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        self.task = asyncio.create_task(self._run())
        start = await asyncio.wait_for(self._sent.get(), WAIT_SECONDS)
        assert start["type"] == "http.response.start", start
        self.status = start["status"]
        self.headers = {name.decode(): value.decode() for name, value in start["headers"]}
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.disconnect()
        assert self.task is not None
        await asyncio.wait_for(self.task, WAIT_SECONDS)

    async def _run(self) -> None:
        await self._app(self._scope, self._receive, self._sent.put)

    async def _receive(self) -> Message:
        if not self._asked:
            self._asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._left.wait()
        return {"type": "http.disconnect"}

    def disconnect(self) -> None:
        """The client goes away, as a server reports a closed connection."""
        self._left.set()

    async def next_event(self) -> tuple[str, Any] | None:
        """The next event's name and decoded data; None once the server ended the stream."""
        while b"\n\n" not in self._buffer:
            if self._ended:
                assert not self._buffer.strip(), self._buffer
                return None
            message = await asyncio.wait_for(self._sent.get(), WAIT_SECONDS)
            self._buffer += message.get("body", b"")
            self._ended = not message.get("more_body", False)
        block, self._buffer = self._buffer.split(b"\n\n", 1)
        fields = [line.split(b": ", 1) for line in block.split(b"\n")]
        if fields[0][0] == b"":
            self.comments.append(fields[0][1].decode())  # a ": ..." comment line
            return await self.next_event()
        named = {name.decode(): value for name, value in fields}
        return named["event"].decode(), orjson.loads(named["data"])
