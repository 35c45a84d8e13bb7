"""Start a planned stack stage by stage, wait for readiness, watch for deaths, stop in reverse order."""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Sequence
from types import TracebackType

from scripts.devstack.plan import Endpoints, OneShot, ProcessSpec, StackPlan
from scripts.devstack.postgres import PostgresError, create_databases, drop_databases
from scripts.devstack.process import LineSink, ManagedProcess, StopOutcome

logger = logging.getLogger(__name__)

DEFAULT_START_TIMEOUT = 60.0
# Above the services' own shutdown grace (5 s) plus the outbox flush, so a healthy stop never needs SIGKILL.
DEFAULT_STOP_GRACE = 10.0
MAX_POLL_INTERVAL = 0.5


class StackError(Exception):
    """The stack could not start, or one of its processes died."""


class Stack:
    """The processes of a StackPlan; use as a context manager or call start() / stop() yourself."""

    def __init__(self, plan: StackPlan, *, sink: LineSink | None = None, poll_interval: float = 0.05) -> None:
        self.plan = plan
        self._sink = sink
        self._poll_interval = poll_interval
        self._processes: list[ManagedProcess] = []
        # Set by a watcher thread whenever a child exits, so waits wake at once instead of at the next poll.
        self._exited = threading.Event()
        # True between creating the plan's PostgreSQL databases and dropping them.
        self._databases_created = False

    @property
    def endpoints(self) -> Endpoints:
        return self.plan.endpoints

    @property
    def processes(self) -> Sequence[ManagedProcess]:
        return tuple(self._processes)

    def start(self, timeout: float = DEFAULT_START_TIMEOUT) -> None:
        """Create the databases, run the one-shots, then start every stage.

        On any failure (or interruption) stop what was started, drop what was created, and re-raise.
        """
        deadline = time.monotonic() + timeout
        try:
            if self.plan.postgres is not None:
                self._databases_created = True
                create_databases(self.plan.postgres)
            self._run_one_shots(deadline)
            for stage in self.plan.stages:
                self._wait_ready([self._spawn(spec) for spec in stage], deadline, timeout)
        except PostgresError as error:
            self.stop()
            raise StackError(str(error)) from None
        except BaseException:
            self.stop()
            raise

    def wait_for_exit(self) -> ManagedProcess:
        """Block until some process exits and return it (a healthy stack never returns on its own)."""
        while True:
            dead = self._first_dead()
            if dead is not None:
                return dead
            # A bounded wait keeps the main thread responsive to signals on every platform.
            self._exited.wait(timeout=1.0)

    def stop(self, grace: float = DEFAULT_STOP_GRACE) -> list[StopOutcome]:
        """Stop processes in reverse start order (edge before services before NATS); idempotent.

        Then the plan's PostgreSQL databases are dropped, unless it keeps them.
        """
        outcomes = [process.stop(grace) for process in reversed(self._processes)]
        postgres = self.plan.postgres
        if self._databases_created and postgres is not None and not postgres.keep:
            self._databases_created = False
            try:
                drop_databases(postgres)
            except PostgresError as error:
                logger.warning("%s", error)
        return outcomes

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _spawn(self, spec: ProcessSpec) -> ManagedProcess:
        process = ManagedProcess(spec, self.endpoints.log_dir, sink=self._sink, on_exit=self._exited.set)
        process.start()
        self._processes.append(process)
        return process

    def _run_one_shots(self, deadline: float) -> None:
        """Run every one-shot at once, each logging to <log_dir>/<name>.log; all must exit 0 in time."""
        if not self.plan.prepare:
            return
        self.endpoints.log_dir.mkdir(parents=True, exist_ok=True)
        running = [(shot, self._launch(shot)) for shot in self.plan.prepare]
        failures = []
        try:
            for shot, child in running:
                failure = self._outcome(shot, child, deadline)
                if failure:
                    failures.append(failure)
        finally:
            # Interrupted (Ctrl-C) or failed: leave no migration running behind the devstack's back.
            for _, child in running:
                if child.poll() is None:
                    child.kill()
                    child.wait()
        if failures:
            raise StackError("\n".join(failures))

    def _outcome(self, shot: OneShot, child: subprocess.Popen[bytes], deadline: float) -> str | None:
        """None when the one-shot exited 0 before the deadline, else what went wrong."""
        try:
            code = child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return f"{shot.name} did not finish before the start timeout"
        if code == 0:
            logger.info("%s finished", shot.name)
            return None
        log = self.endpoints.log_dir / f"{shot.name}.log"
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        return f"{shot.name} exited {code}; last lines of {log}:\n{tail}"

    def _launch(self, shot: OneShot) -> subprocess.Popen[bytes]:
        with (self.endpoints.log_dir / f"{shot.name}.log").open("wb") as log:
            return subprocess.Popen(
                shot.argv, env=dict(shot.env), cwd=shot.cwd, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def _first_dead(self) -> ManagedProcess | None:
        return next((process for process in self._processes if process.returncode is not None), None)

    def _wait_ready(self, stage: list[ManagedProcess], deadline: float, timeout: float) -> None:
        waiting = {process.name: "not checked yet" for process in stage}
        interval = self._poll_interval
        while True:
            dead = self._first_dead()
            if dead is not None:
                raise StackError(
                    f"{dead.name} {dead.how_it_ended()} before the stack was ready; "
                    f"last lines of {dead.log_path}:\n{dead.log_tail()}"
                )
            for process in stage:
                if process.name in waiting:
                    problem = process.spec.probe.check()
                    if problem is None:
                        del waiting[process.name]
                        logger.info("%s is ready", process.name)
                    else:
                        waiting[process.name] = problem
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise StackError(self._not_ready_message(stage, waiting, timeout))
            self._exited.wait(timeout=interval)
            # Back off gently: most processes are ready within a second, and every probe of the edge
            # is a line in its access log.
            interval = min(interval * 1.5, MAX_POLL_INTERVAL)

    @staticmethod
    def _not_ready_message(stage: list[ManagedProcess], waiting: dict[str, str], timeout: float) -> str:
        parts = [f"not ready after {timeout:.0f} s:"]
        for process in stage:
            if process.name in waiting:
                parts.append(
                    f"- {process.name}: {process.spec.probe.describe()} -> {waiting[process.name]}; "
                    f"last lines of {process.log_path}:\n{process.log_tail()}"
                )
        return "\n".join(parts)
