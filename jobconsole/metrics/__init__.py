"""Prometheus metrics of a scheduler, served over HTTP (``jobconsole --metrics-port PORT``).

- The scheduler counts ended runs, their durations and how late scheduled runs start in a
  :class:`~jobconsole.engine.tally.RunTally` (``JobScheduler.count_runs()``), on its loop's
  thread, with a few increments per run and no lock.
- :mod:`.collector` turns those counts, the published snapshot, the scheduler's role and
  its notifiers' failures into metric families when Prometheus scrapes.
- :mod:`.server` serves them with prometheus-client's HTTP server; :mod:`.options` holds the
  command's ``--metrics-port`` and ``--metrics-host``.

prometheus-client is imported only by the collector and the server, so a scheduler
without metrics never loads it.
"""
