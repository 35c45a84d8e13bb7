"""The machine's PostgreSQL cluster as the restart test drives it: find it, stop it, start it, ask if ready.

Debian's cluster tools (pg_ctlcluster, pg_isready) do the work, as root. `--skip-systemctl-redirect`
makes pg_ctlcluster act on the cluster itself instead of handing over to systemd, which test machines
and containers do not run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from chassis.testing import eventually

CLUSTERS_DIR = Path("/etc/postgresql")
CLUSTER_NAME = "main"
TOOLS = ("pg_ctlcluster", "pg_isready", "pg_lsclusters")
# A fast stop takes about a second and a start two or three; the margin is for two busy, shared cores.
COMMAND_TIMEOUT = 60.0
READY_TIMEOUT = 60.0


class ClusterUnavailable(Exception):
    """The cluster cannot be driven from here; the message names what is missing."""


@dataclass(frozen=True)
class PostgresCluster:
    """One Debian-managed cluster (`<version>/main`) listening on `host:port`."""

    version: str
    name: str
    host: str
    port: int

    def stop(self) -> None:
        """A fast shutdown: open sessions are ended at once and their clients see the connection drop."""
        self._pg_ctlcluster("stop", "-m", "fast")

    def start(self) -> None:
        self._pg_ctlcluster("start")

    def is_running(self) -> bool:
        """True when this cluster's postmaster runs, ready or not (pg_ctlcluster status exits 3 if not)."""
        return self._pg_ctlcluster("status", check=False).returncode == 0

    def is_ready(self) -> bool:
        """True when the server accepts connections (pg_isready exits 0)."""
        command = ["pg_isready", "--quiet", "-h", self.host, "-p", str(self.port), "-t", "2"]
        return subprocess.run(command, check=False, timeout=COMMAND_TIMEOUT).returncode == 0

    async def ensure_ready(self, timeout: float = READY_TIMEOUT) -> None:  # noqa: ASYNC109 - a polling budget
        """Start the cluster if it is down, then wait until it accepts connections."""
        if not await asyncio.to_thread(self.is_running):
            await asyncio.to_thread(self.start)
        await self.wait_ready(timeout)

    async def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:  # noqa: ASYNC109 - a polling budget
        await eventually(
            lambda: asyncio.to_thread(self.is_ready),
            timeout=timeout,
            interval=0.2,
            message=f"PostgreSQL {self} does not accept connections",
        )

    def __str__(self) -> str:
        return f"{self.version}/{self.name} on {self.host}:{self.port}"

    def _pg_ctlcluster(
        self, action: str, *options: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action, *options]
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}: {done.stderr.strip()}")
        return done


@asynccontextmanager
async def stopped(cluster: PostgresCluster) -> AsyncIterator[None]:
    """The cluster is down inside the block, and running and accepting connections after it, whatever happens.

    The blocking commands run in threads, so the event loop (load, health checks) carries on meanwhile.
    """
    try:
        await asyncio.to_thread(cluster.stop)
        yield
    finally:
        await cluster.ensure_ready()


def find_cluster(host: str, port: int) -> PostgresCluster:
    """The `main` cluster of the installed version; ClusterUnavailable says what stops us driving it."""
    missing = [f"{tool} on PATH" for tool in TOOLS if shutil.which(tool) is None]
    if os.geteuid() != 0:
        missing.append(f"root (running as uid {os.geteuid()})")
    versions = sorted(p.parent.name for p in CLUSTERS_DIR.glob(f"*/{CLUSTER_NAME}") if p.is_dir())
    if not versions:
        missing.append(f"a cluster {CLUSTERS_DIR}/<version>/{CLUSTER_NAME}")
    elif len(versions) > 1:
        missing.append(f"a single cluster to restart (found versions {', '.join(versions)})")
    if missing:
        raise ClusterUnavailable("restarting PostgreSQL needs " + ", ".join(missing))
    cluster = PostgresCluster(version=versions[0], name=CLUSTER_NAME, host=host, port=port)
    listens_on = _cluster_port(cluster)
    if listens_on != port:
        # Restarting another server than the one the tests use would prove nothing and disturb it.
        raise ClusterUnavailable(
            f"restarting PostgreSQL needs the cluster on port {port}; {cluster.version}/"
            f"{cluster.name} listens on {listens_on}"
        )
    return cluster


def _cluster_port(cluster: PostgresCluster) -> int | None:
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], check=True, capture_output=True, text=True, timeout=COMMAND_TIMEOUT
    )
    for line in listing.stdout.splitlines():
        version, name, port, *_ = line.split()
        if (version, name) == (cluster.version, cluster.name):
            return int(port)
    return None
