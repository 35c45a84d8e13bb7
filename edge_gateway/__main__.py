"""`python -m edge_gateway`: serve the edge with uvicorn (uvloop + httptools) on EDGE_HOST:EDGE_PORT."""

import uvicorn

from chassis.logs import configure_logging
from edge_gateway.settings import load_settings


def main() -> None:
    """Validate the configuration here so a bad value fails before any worker starts."""
    settings = load_settings()
    configure_logging("edge", settings.log_level, settings.log_format)
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


if __name__ == "__main__":
    main()
