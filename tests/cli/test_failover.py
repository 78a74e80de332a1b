"""Three schedulers on one PostgreSQL, the leader killed in turn: never two leaders, no record lost or false.

See tests/support/failover.py for the scenario. Then the table is read: every row is final; each
occurrence (a second on the job's grid) is in the table exactly once (run, skipped, or inside one
``missed`` row's range); no body ran without a row, and no row claims a run whose body did not run beyond
the runs recorded ``abandoned`` (their body may have been killed before it began); no gap between runs is
longer than 15 s. The ten-minute version is the benchmark's failover part.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.failover import describe_gaps, read_outcome, run_chaos

CHAOS_SECONDS = float(os.environ.get("JOBCONSOLE_CHAOS_SECONDS", "180"))
TAKEOVER_LIMIT = 15.0


@pytest.mark.timeout(CHAOS_SECONDS + 240)
def test_three_schedulers_with_the_leader_killed_in_turn_run_each_occurrence_at_most_once(
    postgres_server, tmp_path: Path
) -> None:
    url = postgres_server.create_database(f"chaos_{os.getpid()}")
    ticks = tmp_path / "ticks"
    chaos = run_chaos(url, ticks, CHAOS_SECONDS)
    outcome = read_outcome(url, ticks)

    assert len(chaos.takeovers) >= max(2, int(CHAOS_SECONDS // 45))
    assert max(chaos.takeovers) <= TAKEOVER_LIMIT, chaos.takeovers
    # Terminated sessions cost the leader nothing; a paused leader woken after its replacement exits 75.
    assert chaos.kept_leading == chaos.faults.count("sessions terminated")
    assert chaos.replaced_exits == [75] * chaos.faults.count("SIGSTOP")
    assert outcome.not_final == 0
    assert outcome.twice == 0, "an occurrence is in the table twice"
    assert outcome.absent == 0, "an occurrence is missing from the table:\n" + describe_gaps(outcome.rows)
    assert outcome.lost == 0, "a body ran that has no row (lost, or run twice)"
    assert outcome.false == 0, "rows claim runs that never happened"
    assert outcome.longest_gap <= TAKEOVER_LIMIT
