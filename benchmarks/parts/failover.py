"""7. Failover: three schedulers on one PostgreSQL, the leader broken in turn for ten minutes.

The scenario is the suite's chaos test (tests/support/failover.py), run longer and with two jobs due every second,
the leader killed (kill -9), paused (SIGSTOP) or cut off (its sessions terminated) every 10-15 s. There is
no alternative to compare with: APScheduler 3.x and schedule have no leader election, so two of them on one
database run every job twice.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from benchmarks.parts import PartResult
from benchmarks.report import Table
from benchmarks.settings import Settings
from benchmarks.stats import Summary

JOBS = ("tick", "tock")
"""Two jobs due every second: over 1,000 occurrences in ten minutes."""


def run(settings: Settings) -> PartResult:
    table = Table(f"7. Failover — 3 schedulers, the leader broken every 10-15 s for {settings.failover_seconds:g} s")
    if not settings.failover_seconds:
        table.notes.append("Skipped in --quick: the suite's chaos test runs the same scenario for three minutes.")
        return PartResult([table], {"skipped": True})
    from tests.support.failover import median, read_outcome, run_chaos
    from tests.support.postgres import PostgresServer

    with tempfile.TemporaryDirectory(prefix="jobconsole-bench-") as scratch:
        saved_state = os.environ.get("XDG_STATE_HOME")
        os.environ["XDG_STATE_HOME"] = str(Path(scratch) / "state")
        server = PostgresServer()
        try:
            server.start()
            url = server.create_database("jobconsole_failover")
            ticks = Path(scratch) / "ticks"
            chaos = run_chaos(url, ticks, settings.failover_seconds, JOBS)
            outcome = read_outcome(url, ticks, JOBS)
        finally:
            server.cleanup()
            if saved_state is None:
                os.environ.pop("XDG_STATE_HOME", None)
            else:
                os.environ["XDG_STATE_HOME"] = saved_state
    takeovers = chaos.takeovers
    table.add("occurrences (two jobs, each every second)", jobconsole=Summary.of([outcome.occurrences]))
    table.add("faults: kill -9 / SIGSTOP / sessions terminated",
              jobconsole=" / ".join(str(chaos.faults.count(f)) for f in ("kill -9", "SIGSTOP", "sessions terminated")))
    table.add("failover: fault → next leader's lease, p50 (s)", jobconsole=Summary.of([median(takeovers)]))
    table.add("failover: fault → next leader's lease, max (s)", "≤ 15 s", max(takeovers, default=0) <= 15,
              jobconsole=Summary.of([max(takeovers, default=float("nan"))]))
    table.add("longest gap between runs (s)", "≤ 15 s", outcome.longest_gap <= 15,
              jobconsole=Summary.of([outcome.longest_gap]))
    table.add("occurrences in the table twice", "0", outcome.twice == 0, jobconsole=Summary.of([outcome.twice]))
    table.add("occurrences in no row", "0", outcome.absent == 0, jobconsole=Summary.of([outcome.absent]))
    table.add("bodies that ran with no row (lost)", "0", outcome.lost == 0, jobconsole=Summary.of([outcome.lost]))
    table.add("rows claiming a run that did not happen", "0", outcome.false == 0, jobconsole=Summary.of([outcome.false]))
    table.add("rows not final", "0", outcome.not_final == 0, jobconsole=Summary.of([outcome.not_final]))
    table.notes.append(
        "kill -9 on the same machine is taken over at once (the standby sees the holder's process is gone); "
        "SIGSTOP waits for the 10 s lease to lapse, as a lost host would. Terminated sessions cost the leader "
        f"nothing ({chaos.kept_leading} of {chaos.faults.count('sessions terminated')} kept leading); paused "
        f"leaders woken after their replacement exited with {sorted(set(chaos.replaced_exits))}."
    )
    raw = {"takeovers": takeovers, "faults": chaos.faults, "outcome": {
        k: v for k, v in vars(outcome).items() if k != "rows"}}
    return PartResult([table], raw)
