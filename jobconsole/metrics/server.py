"""Serving the metrics over HTTP with prometheus-client's server, on a registry of their own."""

from __future__ import annotations

import errno

from prometheus_client import CollectorRegistry, start_http_server

from jobconsole.errors import UsageError
from jobconsole.metrics.collector import Observed, SchedulerCollector
from jobconsole.engine.tally import RunTally


class MetricsPortError(UsageError):
    """The metrics endpoint cannot listen where it was asked to."""


class MetricsServer:
    """``/metrics`` on ``host:port`` (a thread of prometheus-client's); :meth:`close` stops it."""

    def __init__(self, scheduler: Observed, tally: RunTally, host: str, port: int) -> None:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(SchedulerCollector(scheduler, tally))
        try:
            self._server, self._thread = start_http_server(port, addr=host, registry=registry)
        except OSError as error:
            raise MetricsPortError(f"cannot serve metrics on {host}:{port}: {_reason(error)}") from None
        self.host = host
        self.port = int(self._server.server_address[1])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def _reason(error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return "the port is in use by another process (choose another --metrics-port)"
    if error.errno == errno.EACCES:
        return "permission denied (ports below 1024 need privileges; choose another --metrics-port)"
    if error.errno == errno.EADDRNOTAVAIL:
        return "no such address on this machine (check --metrics-host)"
    return f"{error.strerror or error} (check --metrics-host and --metrics-port)"
