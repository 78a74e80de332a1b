"""Example jobs for jobconsole, written as an app using it would write them.

A small sample app ("MEP Watch") that follows the meetings Members of the
European Parliament declare. Everything runs offline; its state lives in
``JOBCONSOLE_DEMO_DIR`` (default ``./demo-data``).

The jobs, one per kind the original system documented, plus one that fails:

- :func:`~sample_jobs.newsletter.send_weekly_newsletter`: simple, in a thread.
- :func:`~sample_jobs.scrape.scrape_mep_meetings`: CPU-bound, in a process.
- :func:`~sample_jobs.alerts.send_smart_alerts`: multi-step, with partial failures.
- :func:`~sample_jobs.embeddings.clean_up_embeddings`: long and batched; honours stop_event.
- :func:`~sample_jobs.partner_feed.sync_partner_feed`: raises, to show a traceback.

Jobs modules for ``jobconsole --jobs``: :mod:`sample_jobs.demo` (seconds-scale
schedules, the default), :mod:`sample_jobs.production` (absolute times) and
:mod:`sample_jobs.original_style` (the original no-argument registration).
"""
