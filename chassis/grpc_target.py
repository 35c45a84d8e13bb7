"""gRPC targets: the address syntax every *_ADDR setting accepts, and how a channel spreads calls over it.

Pure Python and pydantic (no grpc, no SQLAlchemy) so that the edge's settings can share it with the services'.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Annotated

from pydantic import AfterValidator

# Calls go to every address the target resolves to in turn (gRPC's default, pick_first, would send
# everything to the first replica). Given as the channel's default service config, the modern form of
# the deprecated `grpc.lb_policy_name` argument.
ROUND_ROBIN_SERVICE_CONFIG = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})
BALANCING_OPTIONS: tuple[tuple[str, str], ...] = (("grpc.service_config", ROUND_ROBIN_SERVICE_CONFIG),)

TARGET_FORMS = "host:port, dns:///host:port or ipv4:IP:port,IP:port"
_LABEL = r"[A-Za-z0-9_][A-Za-z0-9_-]{0,62}"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")


class TargetError(ValueError):
    """The text is not a gRPC target this system dials."""


def validate_target(value: str) -> str:
    """`value` unchanged when it is `host:port`, `dns:[//authority]/host:port`, `ipv4:` or `ipv6:` lists.

    Port numbers are required everywhere: gRPC would otherwise assume 443, never what a service here
    listens on.
    """
    text = value.strip()
    if text != value or not text:
        raise TargetError(f"must be {TARGET_FORMS} (no surrounding spaces)")
    scheme, colon, rest = text.partition(":")
    if scheme == "dns" and colon:
        _check_dns(rest)
    elif scheme in ("ipv4", "ipv6") and colon:
        _check_ip_list(scheme, rest)
    else:
        _check_host_port(text)
    return value


def ipv4_target(addresses: list[str] | tuple[str, ...]) -> str:
    """One `host:port` stays as it is; several become `ipv4:a,b` (every replica, balanced round robin)."""
    if len(addresses) == 1:
        return addresses[0]
    return "ipv4:" + ",".join(addresses)


def _check_dns(rest: str) -> None:
    # dns:host:port, dns:///host:port or dns://resolver:53/host:port
    if rest.startswith("//"):
        _authority, slash, name = rest[2:].partition("/")
        if not slash:
            raise TargetError("a dns: target with // must be dns:///host:port (or dns://resolver/host:port)")
        rest = name
    _check_host_port(rest)


def _check_ip_list(scheme: str, rest: str) -> None:
    parts = rest.split(",")
    if not all(parts):
        raise TargetError(f"{scheme}: must list at least one address, separated by commas")
    for part in parts:
        host, _ = _split_port(part)
        try:
            address = ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
        except ValueError:
            raise TargetError(f"{part!r} in the {scheme}: list is not an IP address with a port") from None
        if address.version != int(scheme[-1]):
            raise TargetError(f"{part!r} is not an {scheme[:-1].upper()}v{scheme[-1]} address")


def _check_host_port(text: str) -> None:
    host, _ = _split_port(text)
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise TargetError(f"{host} is not an IPv6 address") from None
    elif not _HOSTNAME.match(host):
        raise TargetError(f"{host!r} is not a host name or IP address; expected {TARGET_FORMS}")


def _split_port(text: str) -> tuple[str, int]:
    host, colon, port = text.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) <= 65535:
        raise TargetError(f"{text!r} needs a port between 1 and 65535; expected {TARGET_FORMS}")
    return host, int(port)


# A settings field holding a gRPC target, e.g. `shipping_addr: GrpcTarget = "127.0.0.1:50053"`.
GrpcTarget = Annotated[str, AfterValidator(validate_target)]
