"""`python -m edge_gateway.healthcheck`: GET /readyz on the local edge once; exit 0 only on 200.

The container HEALTHCHECK of the edge image. Standard library only, so it starts quickly and does not
depend on the app's settings: it reads EDGE_PORT itself (the port the edge listens on).
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
from collections.abc import Mapping, Sequence

HEALTHY = 0
UNHEALTHY = 1
_REPORT_LIMIT = 300


def _default_port(environ: Mapping[str, str]) -> int:
    raw = environ.get("EDGE_PORT", "8080")
    if not raw.isdigit() or not 0 < int(raw) <= 65535:
        raise SystemExit(f"unhealthy: EDGE_PORT must be a port number, got {raw!r}")
    return int(raw)


def _arguments(argv: Sequence[str] | None, environ: Mapping[str, str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m edge_gateway.healthcheck",
        description="Exit 0 when the edge's /readyz answers 200 (every backend SERVING), 1 otherwise.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address of the edge (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="the edge's port (default: EDGE_PORT or 8080)")
    parser.add_argument("--timeout", type=float, default=3.0, help="deadline of the request in seconds")
    args = parser.parse_args(argv)
    if args.port is None:
        args.port = _default_port(environ)
    return args


def probe(host: str, port: int, timeout: float) -> tuple[int, str]:
    """The status code and (the start of) the body of GET /readyz; raises when the edge does not answer."""
    # http.client rather than urllib: urllib would route through an HTTP(S)_PROXY set in the container.
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", "/readyz", headers={"Accept": "application/json"})
        response = connection.getresponse()
        return response.status, response.read(_REPORT_LIMIT).decode("utf-8", "replace")
    finally:
        connection.close()


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    args = _arguments(argv, environ)
    where = f"{args.host}:{args.port}"
    try:
        status, body = probe(args.host, args.port, args.timeout)
    except (OSError, http.client.HTTPException) as error:
        sys.stderr.write(f"unhealthy: edge at {where} did not answer: {error!r}\n")
        return UNHEALTHY
    if status == http.client.OK:
        return HEALTHY
    sys.stderr.write(f"unhealthy: GET /readyz at {where} answered {status}: {body}\n")
    return UNHEALTHY


if __name__ == "__main__":
    sys.exit(main())
