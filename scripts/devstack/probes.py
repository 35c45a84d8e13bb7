"""Readiness probes for the stack's processes: NATS greeting, gRPC health, HTTP readiness, an open port."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Protocol

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

PROBE_TIMEOUT_SECONDS = 1.0


class Probe(Protocol):
    """One readiness check; `check` returns None when ready, otherwise what it saw instead."""

    def check(self) -> str | None: ...

    def describe(self) -> str: ...


def _greeting(host: str, port: int) -> bytes:
    with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_SECONDS) as sock:
        return sock.recv(5)


@dataclass(frozen=True)
class NatsProbe:
    """NATS is ready once it greets a new connection with its INFO line (JetStream is up by then)."""

    host: str
    port: int

    def check(self) -> str | None:
        try:
            greeting = _greeting(self.host, self.port)
        except OSError as exc:
            return str(exc)
        return None if greeting.startswith(b"INFO") else f"unexpected greeting {greeting!r}"

    def describe(self) -> str:
        return f"NATS at nats://{self.host}:{self.port}"


@dataclass(frozen=True)
class GrpcHealthProbe:
    """A gRPC service is ready when grpc.health.v1 reports SERVING for its proto service name."""

    address: str
    service: str

    def check(self) -> str | None:
        with grpc.insecure_channel(self.address) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            try:
                reply = stub.Check(
                    health_pb2.HealthCheckRequest(service=self.service), timeout=PROBE_TIMEOUT_SECONDS
                )
            except grpc.RpcError as exc:
                return f"health check failed: {exc.code().name}"
        status: str = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        return None if status == "SERVING" else status

    def describe(self) -> str:
        return f"gRPC health of {self.service} at {self.address}"


@dataclass(frozen=True)
class HttpProbe:
    """An HTTP service is ready when the URL answers 200."""

    url: str

    def check(self) -> str | None:
        try:
            response = httpx.get(self.url, timeout=PROBE_TIMEOUT_SECONDS)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        return None if response.status_code == 200 else f"HTTP {response.status_code}"

    def describe(self) -> str:
        return f"GET {self.url}"


@dataclass(frozen=True)
class PortProbe:
    """Ready when something accepts TCP connections on the port (for processes without a health API)."""

    host: str
    port: int

    def check(self) -> str | None:
        try:
            socket.create_connection((self.host, self.port), timeout=PROBE_TIMEOUT_SECONDS).close()
        except OSError as exc:
            return str(exc)
        return None

    def describe(self) -> str:
        return f"TCP {self.host}:{self.port}"
