"""``--metrics-port`` and ``--metrics-host`` for the ``jobconsole`` command, and starting the endpoint.

Light on purpose: the command's parser imports this, and only :func:`serve_metrics`,
called when a port is given, loads prometheus-client.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobconsole.engine import JobScheduler
    from jobconsole.metrics.server import MetricsServer

PORT_ENV = "JOBCONSOLE_METRICS_PORT"
HOST_ENV = "JOBCONSOLE_METRICS_HOST"
DEFAULT_HOST = "127.0.0.1"


def port_number(text: str) -> int:
    """A port to serve the metrics on, 1 to 65535; 0 (or nothing) is off."""
    try:
        port = int(text.strip() or "0")
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port number from 1 to 65535, or 0 for no metrics (--metrics-port or {PORT_ENV})"
        )
    return port


def add_metrics_options(parser: argparse.ArgumentParser) -> None:
    """The flags; their variables and ``[metrics]`` in the config file come in through jobconsole.config."""
    parser.add_argument(
        "--metrics-port",
        metavar="PORT",
        type=port_number,
        help=f"serve Prometheus metrics on PORT at /metrics; env {PORT_ENV}, [metrics] port (default 0: off)",
    )
    parser.add_argument(
        "--metrics-host",
        metavar="HOST",
        help=f"the address the metrics listen on; env {HOST_ENV}, [metrics] host (default {DEFAULT_HOST}: this machine only)",
    )


def serve_metrics(scheduler: JobScheduler, host: str, port: int) -> MetricsServer | None:
    """Serve ``scheduler``'s metrics on ``host:port`` (None when ``port`` is 0); call before it starts.

    Raises MetricsPortError (a UsageError) with one line when it cannot listen there.
    """
    if not port:
        return None
    from jobconsole.metrics.server import MetricsServer

    return MetricsServer(scheduler, scheduler.count_runs(), host, port)
