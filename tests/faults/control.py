"""Fault control over a running devstack Stack: kill -9, stop, restart one process; per-process environment.

Works on the Stack's own ManagedProcess objects, so the Stack still stops whatever runs at the end.
A process is ended here by signal (never through `ManagedProcess.stop`, whose outcome is final) and
started again with `ManagedProcess.start`, which runs the same command line, ports and data files.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from chassis.testing import eventually
from scripts.devstack import ProcessSpec, Stack, StackPlan, plan_stack
from scripts.devstack.process import ManagedProcess

# Generous: two cores shared with other test runs; each poll returns as soon as the condition holds.
EXIT_TIMEOUT = 30.0
READY_TIMEOUT = 60.0


def plan_with_env(plan: StackPlan, env: Mapping[str, Mapping[str, str]]) -> StackPlan:
    """The same plan with extra environment variables for the named processes, e.g. fault points."""
    stages = tuple(
        tuple(
            dataclasses.replace(spec, env={**spec.env, **env[spec.name]}) if spec.name in env else spec
            for spec in stage
        )
        for stage in plan.stages
    )
    return dataclasses.replace(plan, stages=stages)


@contextmanager
def running_stack(data_dir: Path, env: Mapping[str, Mapping[str, str]] | None = None) -> Iterator[Stack]:
    """A whole stack on free ports under `data_dir`, stopped on exit; `env` adds variables per process."""
    plan = plan_with_env(plan_stack(data_dir, auto_ports=True), env or {})
    with Stack(plan) as stack:
        yield stack


def process(stack: Stack, name: str) -> ManagedProcess:
    return next(p for p in stack.processes if p.name == name)


async def wait_exited(stack: Stack, name: str, timeout: float = EXIT_TIMEOUT) -> int:  # noqa: ASYNC109
    """Wait for the process to end by itself (or by a signal already sent); its return code."""
    child = process(stack, name)
    await eventually(lambda: child.returncode is not None, timeout=timeout, message=f"{name} still runs")
    code = child.returncode
    assert code is not None
    return code


async def kill(stack: Stack, name: str) -> None:
    """SIGKILL: no shutdown, no flush, no ack; as a crashed machine or an OOM kill would leave it."""
    child = process(stack, name)
    os.kill(child.pid, signal.SIGKILL)
    await wait_exited(stack, name)


async def stop(stack: Stack, name: str) -> None:
    """SIGTERM and wait for the orderly exit (health NOT_SERVING, consumers stopped, outbox flushed)."""
    child = process(stack, name)
    os.kill(child.pid, signal.SIGTERM)
    code = await wait_exited(stack, name)
    assert code == 0, f"{name} exited with {code} on SIGTERM:\n{child.log_tail()}"


def planned(stack: Stack, name: str) -> ProcessSpec:
    """The process as the stack's plan describes it (command, environment, readiness probe)."""
    return next(spec for stage in stack.plan.stages for spec in stage if spec.name == name)


async def restart(
    stack: Stack,
    name: str,
    *,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = READY_TIMEOUT,  # noqa: ASYNC109 - a polling budget
) -> None:
    """Start an ended process again, as planned plus `extra_env`, and wait until its probe passes."""
    child = process(stack, name)
    assert child.returncode is not None, f"{name} is still running"
    spec = planned(stack, name)
    child.spec = dataclasses.replace(spec, env={**spec.env, **(extra_env or {})})
    _keep_log(child.log_path)
    child.start()

    async def ready() -> bool:
        assert child.returncode is None, f"{name} died while starting:\n{child.log_tail()}"
        return await asyncio.to_thread(child.spec.probe.check) is None

    await eventually(ready, timeout=timeout, interval=0.1, message=f"{name} not ready after restart")


async def ensure_running(stack: Stack, name: str) -> None:
    """Restart the process if it has ended (clean-up after a test that failed halfway)."""
    if process(stack, name).returncode is not None:
        await restart(stack, name)


@asynccontextmanager
async def stopped(stack: Stack, name: str) -> AsyncIterator[None]:
    """The process is stopped (SIGTERM) inside the block and running again after it."""
    await stop(stack, name)
    try:
        yield
    finally:
        await ensure_running(stack, name)


@asynccontextmanager
async def frozen(stack: Stack, name: str) -> AsyncIterator[None]:
    """SIGSTOP inside the block, SIGCONT after it: the process holds its connections but never answers."""
    pid = process(stack, name).pid
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        # The process may have been killed meanwhile; then there is nothing left to resume.
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)


def _keep_log(log_path: Path) -> None:
    # A restarted process rewrites its log file: keep the previous life's log beside it for post-mortems.
    if log_path.exists():
        generation = len(list(log_path.parent.glob(f"{log_path.stem}.*{log_path.suffix}")))
        log_path.rename(log_path.with_name(f"{log_path.stem}.{generation}{log_path.suffix}"))
