"""`python -m edge_gateway`: serve the edge with uvicorn (uvloop + httptools) on EDGE_HOST:EDGE_PORT."""

import signal
from types import FrameType

import uvicorn

from chassis.logs import configure_logging
from edge_gateway.settings import load_settings


def main() -> None:
    """Validate the configuration here so a bad value fails before any worker starts."""
    settings = load_settings()
    configure_logging("edge", settings.log_level, settings.log_format)
    _absorb_stop_signals()
    uvicorn.run(
        # Factory mode: each worker builds its own app (and channels) from the environment.
        "edge_gateway.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        http="httptools",
        access_log=settings.access_log,
        log_level=settings.log_level.lower(),
        # uvicorn's own loggers propagate to the root handler configured above (same format).
        log_config=None,
        server_header=False,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )


def _absorb_stop_signals() -> None:
    """Make a graceful stop exit 0.

    uvicorn handles SIGTERM/SIGINT itself, shuts down gracefully, restores the handlers it found and
    raises the signal again. With the default handlers that second delivery kills the process (-15)
    or raises KeyboardInterrupt, so supervisors would see a clean stop as a crash. The handlers set here
    are the ones uvicorn restores: they swallow that second delivery and `main()` returns normally.
    """

    def ignore(_signum: int, _frame: FrameType | None) -> None:
        return None

    signal.signal(signal.SIGTERM, ignore)
    signal.signal(signal.SIGINT, ignore)


if __name__ == "__main__":
    main()
