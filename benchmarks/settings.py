"""How long and how often each part runs: the full benchmark, and the quick smoke run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    quick: bool
    repeats: int
    parallel: bool
    """Run the parts, and the contenders' processes, side by side (quick mode only: its figures mean nothing)."""
    # 1. dispatch lateness
    lateness_jobs: tuple[int, ...]
    lateness_seconds: int
    lateness_tail: float
    lead_seconds: float
    drift_jobs: int
    drift_runs: int
    timer_floor_samples: int
    # 2. burst
    burst_jobs: int
    # 3. process runs
    process_runs: int
    process_timeouts: int
    process_grace: float
    process_timeout_seconds: float
    process_floor_samples: int
    # 4. idle
    idle_seconds: float
    # 5. history
    history_rows: int
    history_backends: tuple[str, ...]
    query_samples: int
    page_downs: int
    # 6. over SSH
    ssh_idle_seconds: float
    ssh_scroll_seconds: float
    ssh_history_rows: int
    scroll_keys_per_second: float
    tick_delay_seconds: float
    settle_seconds: float
    """Pause after the console has drawn before measuring, so start-up work is over."""
    # 7. failover
    failover_seconds: float
    """How long the leader is broken in turn; 0 skips the part (the suite's chaos test runs it for 3 minutes)."""
    # 8. attach
    attach_seconds: float
    attach_commands: int
    # 9. purge while recording
    purge_rows: int
    purge_backends: tuple[str, ...]
    purge_record_batch: int
    """Runs written per write, as the recorder batches them..."""
    purge_record_every: float
    """...every this many seconds."""
    purge_baseline_seconds: float


FULL = Settings(
    quick=False,
    repeats=3,
    parallel=False,
    lateness_jobs=(1, 100, 1_000, 10_000),
    lateness_seconds=10,
    lateness_tail=2.0,
    lead_seconds=2.0,
    drift_jobs=100,
    drift_runs=100,
    timer_floor_samples=500,
    burst_jobs=10_000,
    process_runs=10,
    process_timeouts=1,
    process_grace=1.0,
    process_timeout_seconds=1.0,
    process_floor_samples=20,
    idle_seconds=60.0,
    history_rows=1_000_000,
    history_backends=("sqlite", "postgresql"),
    query_samples=20,
    page_downs=10,
    ssh_idle_seconds=30.0,
    ssh_scroll_seconds=30.0,
    ssh_history_rows=20_000,
    scroll_keys_per_second=4.0,
    tick_delay_seconds=5.0,
    settle_seconds=2.0,
    failover_seconds=600.0,
    attach_seconds=30.0,
    attach_commands=30,
    purge_rows=1_000_000,
    purge_backends=("sqlite", "postgresql"),
    purge_record_batch=10,
    purge_record_every=0.05,
    purge_baseline_seconds=10.0,
)

QUICK = Settings(
    quick=True,
    repeats=1,
    parallel=True,
    lateness_jobs=(10,),
    lateness_seconds=1,
    lateness_tail=0.5,
    lead_seconds=0.5,
    drift_jobs=10,
    drift_runs=2,
    timer_floor_samples=50,
    burst_jobs=200,
    process_runs=2,
    process_timeouts=1,
    process_grace=0.2,
    process_timeout_seconds=0.5,
    process_floor_samples=3,
    idle_seconds=2.0,
    history_rows=20_000,  # filters of 1 % still fill a few screens
    history_backends=("sqlite",),
    query_samples=3,
    page_downs=2,
    ssh_idle_seconds=2.0,
    ssh_scroll_seconds=2.0,
    ssh_history_rows=500,
    scroll_keys_per_second=4.0,
    tick_delay_seconds=3.0,
    settle_seconds=0.5,
    failover_seconds=0.0,
    attach_seconds=3.0,
    attach_commands=3,
    purge_rows=20_000,
    purge_backends=("sqlite",),
    purge_record_batch=10,
    purge_record_every=0.05,
    purge_baseline_seconds=1.0,
)
