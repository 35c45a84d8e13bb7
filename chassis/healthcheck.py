"""`python -m chassis.healthcheck`: ask a gRPC server's standard health service once; exit 0 only if SERVING.

The container HEALTHCHECK of every gRPC service image. It speaks grpc.health.v1 rather than probing the
port, so a service whose database or NATS is down (NOT_SERVING) counts as unhealthy, not just a dead one.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

HEALTHY = 0
UNHEALTHY = 1


def _arguments(argv: Sequence[str] | None, environ: Mapping[str, str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m chassis.healthcheck",
        description="Exit 0 when the gRPC health service reports SERVING, 1 otherwise.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address of the server (default 127.0.0.1)")
    port = parser.add_mutually_exclusive_group(required=True)
    port.add_argument("--port", type=int, help="the server's gRPC port")
    port.add_argument(
        "--port-env",
        metavar="NAME",
        help="read the port from this environment variable, e.g. INVENTORY_GRPC_PORT",
    )
    parser.add_argument(
        "--service",
        default="",
        help="service name to ask about, e.g. mercado.inventory.v1.InventoryService (default: the server)",
    )
    parser.add_argument("--timeout", type=float, default=3.0, help="deadline of the call in seconds")
    args = parser.parse_args(argv)
    if args.port is None:
        args.port = _port_from(args.port_env, environ)
    return args


def _port_from(name: str, environ: Mapping[str, str]) -> int:
    raw = environ.get(name, "")
    if not raw.isdigit() or not 0 < int(raw) <= 65535:
        raise SystemExit(f"unhealthy: {name} must be a port number, got {raw!r}")
    return int(raw)


def check(host: str, port: int, service: str, timeout: float) -> str:
    """The status name the server reports for `service`, or why it could not be asked."""
    # No wait_for_ready: a closed port must fail at once instead of using up the whole deadline.
    with grpc.insecure_channel(f"{host}:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.RpcError as error:
            code = error.code() if isinstance(error, grpc.Call) else None
            if code is grpc.StatusCode.NOT_FOUND:
                return "not registered with the health service"
            return f"unreachable ({code.name if code else 'no status'})"
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    args = _arguments(argv, environ)
    status = check(args.host, args.port, args.service, args.timeout)
    if status == "SERVING":
        return HEALTHY
    target = args.service or "(server)"
    sys.stderr.write(f"unhealthy: {target} at {args.host}:{args.port} is {status}\n")
    return UNHEALTHY


if __name__ == "__main__":
    sys.exit(main())
