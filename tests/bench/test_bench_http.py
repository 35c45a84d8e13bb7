"""The load client's HTTP/1.1 connection, against a small server that answers as the test scripts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest

from scripts.bench_http import HttpConnection

Answer = Callable[[bytes], bytes | None]


def reply(status: str, body: bytes = b"", *extra: str) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


@dataclass
class Server:
    """Counts connections and requests; `answer` maps a request body to the reply bytes (None: hang up)."""

    answer: Answer
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    url: str = ""

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                body = await reader.readexactly(length)
                self.requests.append(head + body)
                answer = self.answer(body)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    fake = Server(lambda body: reply("202 Accepted", body, "Location: /v1/orders/o-1"))
    listening = await asyncio.start_server(fake.serve, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    fake.url = f"http://127.0.0.1:{port}"
    async with listening:
        yield fake


async def test_a_post_sends_json_with_the_token_and_reads_status_location_and_body(server: Server) -> None:
    connection = HttpConnection(server.url, timeout=5)
    response = await connection.post("/v1/orders", {"lines": []}, "t0ken")
    connection.close()

    assert (response.status, response.location) == (202, "/v1/orders/o-1")
    assert response.json() == {"lines": []}
    (request,) = server.requests
    assert request.startswith(b"POST /v1/orders HTTP/1.1\r\n")
    assert b"Authorization: Bearer t0ken\r\n" in request
    assert b"Content-Type: application/json\r\n" in request
    assert json.loads(request.split(b"\r\n\r\n", 1)[1]) == {"lines": []}


async def test_requests_share_one_kept_alive_connection(server: Server) -> None:
    connection = HttpConnection(server.url, timeout=5)
    statuses = [(await connection.post("/v1/orders", {"n": n}, "t")).status for n in range(5)]
    connection.close()

    assert statuses == [202] * 5
    assert (server.connections, len(server.requests)) == (1, 5)


async def test_a_connection_the_server_closes_is_opened_again_for_the_next_request(server: Server) -> None:
    server.answer = lambda body: reply("200 OK", body, "Connection: close")
    connection = HttpConnection(server.url, timeout=5)
    first = await connection.post("/v1/items", b'{"n": 1}', "t")
    second = await connection.post("/v1/items", b'{"n": 2}', "t")
    connection.close()

    assert [first.json(), second.json()] == [{"n": 1}, {"n": 2}]
    assert server.connections == 2


async def test_a_hang_up_mid_request_fails_that_request_only(server: Server) -> None:
    server.answer = lambda body: None if body == b'"drop"' else reply("202 Accepted", body)
    connection = HttpConnection(server.url, timeout=5)

    with pytest.raises(ConnectionError):
        await connection.post("/v1/orders", "drop", "t")
    after = await connection.post("/v1/orders", "fine", "t")
    connection.close()

    assert after.json() == "fine"
    assert server.connections == 2


async def test_a_server_that_never_answers_times_out() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up and closes
        writer.close()

    listening = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    async with listening:
        connection = HttpConnection(f"http://127.0.0.1:{port}", timeout=0.2)
        with pytest.raises(TimeoutError):
            await connection.post("/v1/orders", {}, "t")
        connection.close()
