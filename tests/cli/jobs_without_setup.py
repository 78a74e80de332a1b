"""A module that registers nothing: it has no setup_scheduled_jobs."""

JOBS = []
