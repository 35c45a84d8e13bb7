"""Choose the ports of the local stack: configured ones that must be free, or free ones picked by the OS."""

from __future__ import annotations

import socket
from collections.abc import Mapping


class PortError(Exception):
    """A configured port is taken or malformed; the message names the environment variable to change."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the OS picks it; another process could still take it later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def is_free(host: str, port: int) -> bool:
    """True when a server could listen on host:port now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # The servers set SO_REUSEADDR themselves, so a socket lingering in TIME_WAIT is no obstacle
        # for them; only a live listener is, and the probe must not report more than that.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


class PortAllocator:
    """Hands out one distinct port per environment variable, either configured (checked) or automatic."""

    def __init__(self, environ: Mapping[str, str], *, host: str, auto: bool) -> None:
        self._environ = environ
        self._host = host
        self._auto = auto
        self._taken: dict[int, str] = {}

    def allocate(self, env_var: str, default: int) -> int:
        """The port for `env_var`: a free one in auto mode, else the configured or default port if free."""
        port = self._pick_free() if self._auto else self._configured(env_var, default)
        if port in self._taken:
            raise PortError(
                f"{env_var} and {self._taken[port]} both ask for port {port}; give each service its own port"
            )
        self._taken[port] = env_var
        return port

    def allocate_free(self, label: str) -> int:
        """A free port not handed out yet, whatever the mode (for ports nobody needs to know in advance)."""
        port = self._pick_free()
        self._taken[port] = label
        return port

    def _pick_free(self) -> int:
        # The OS may hand out a recently released port twice; ask again until it is one we have not used.
        while (port := free_port(self._host)) in self._taken:
            continue
        return port

    def _configured(self, env_var: str, default: int) -> int:
        raw = self._environ.get(env_var)
        try:
            port = default if raw is None else int(raw)
        except ValueError:
            raise PortError(f"{env_var}={raw!r} is not a port number") from None
        if not 0 < port < 65536:
            raise PortError(f"{env_var}={port} is outside 1..65535")
        if not is_free(self._host, port):
            raise PortError(
                f"port {port} on {self._host} is already in use, so the stack cannot start there. "
                f"Stop whatever listens on it, or pick another port: "
                f"{env_var}={free_port(self._host)} make run (or `--ports auto` for free ports)"
            )
        return port
