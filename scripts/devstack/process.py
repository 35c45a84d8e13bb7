"""One supervised child process: start it, copy its output to a log file (and a sink), stop it politely."""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from scripts.devstack.plan import ProcessSpec

logger = logging.getLogger(__name__)

# Receives (process name, line without newline) for every line a child writes.
LineSink = Callable[[str, str], None]
TAIL_LINES = 40


@dataclass(frozen=True)
class StopOutcome:
    """How a process ended: its exit code, whether it had to be killed, and how long stopping took."""

    name: str
    returncode: int
    killed: bool
    seconds: float

    @property
    def clean(self) -> bool:
        return self.returncode == 0 and not self.killed

    def describe(self) -> str:
        if self.killed:
            how = "had to be killed: it ignored SIGTERM for the whole grace period"
        elif self.returncode < 0:
            # Letting the signal's default action end the process skips its own orderly exit.
            how = f"{describe_exit(self.returncode)} instead of exiting by itself"
        else:
            how = describe_exit(self.returncode)
        return f"{self.name} {how} ({self.seconds:.1f} s)"


def describe_exit(returncode: int) -> str:
    """Popen's return code in words: negative codes are the signal that ended the process."""
    if returncode < 0:
        return f"was ended by {signal.Signals(-returncode).name}"
    return f"exited {returncode}"


class ManagedProcess:
    """A child in its own session: a Ctrl-C reaches only the supervisor, which then stops it in order."""

    def __init__(
        self, spec: ProcessSpec, log_dir: Path, *, sink: LineSink | None, on_exit: Callable[[], None]
    ) -> None:
        self.spec = spec
        self.log_path = log_dir / f"{spec.name}.log"
        self._sink = sink
        self._on_exit = on_exit
        self._popen: subprocess.Popen[bytes] | None = None
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._outcome: StopOutcome | None = None
        self._pump_thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int:
        return self._started().pid

    @property
    def returncode(self) -> int | None:
        return self._started().poll()

    def how_it_ended(self) -> str:
        code = self.returncode
        return "is still running" if code is None else describe_exit(code)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._popen = subprocess.Popen(
            self.spec.argv,
            env=dict(self.spec.env),
            cwd=self.spec.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert self._popen.stdout is not None
        self._pump_thread = threading.Thread(
            target=self._pump, args=(self._popen.stdout,), name=f"{self.name}-log", daemon=True
        )
        self._pump_thread.start()
        threading.Thread(target=self._watch, name=f"{self.name}-exit", daemon=True).start()
        logger.info("started %s (pid %d): %s", self.name, self._popen.pid, " ".join(self.spec.argv))

    def stop(self, grace: float) -> StopOutcome:
        """SIGTERM, then SIGKILL if the process is still running after `grace` seconds; idempotent."""
        if self._outcome is not None:
            return self._outcome
        popen = self._started()
        began = time.monotonic()
        killed = False
        if popen.poll() is None:
            popen.send_signal(signal.SIGTERM)
            try:
                popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop within %.1f s; killing it", self.name, grace)
                popen.kill()
                popen.wait()
                killed = True
        self._outcome = StopOutcome(self.name, popen.returncode, killed, time.monotonic() - began)
        return self._outcome

    def log_tail(self) -> str:
        """The last lines the process wrote, for error messages."""
        if self.returncode is not None and self._pump_thread is not None:
            # An exited process's last words may still be in the pipe; give the reader a moment.
            self._pump_thread.join(timeout=1.0)
        return "\n".join(self._tail)

    def _started(self) -> subprocess.Popen[bytes]:
        if self._popen is None:
            raise RuntimeError(f"{self.name} has not been started")
        return self._popen

    def _pump(self, stream: IO[bytes]) -> None:
        with self.log_path.open("wb") as log:
            for raw in iter(stream.readline, b""):
                log.write(raw)
                # Flushed per line so the file is current when someone tails it or a start-up fails.
                log.flush()
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                self._tail.append(line)
                if self._sink is not None:
                    self._sink(self.name, line)

    def _watch(self) -> None:
        self._started().wait()
        self._on_exit()
