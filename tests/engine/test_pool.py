"""The worker pool: a task never waits while a worker sits idle, and blocked workers get company."""

from __future__ import annotations

import threading

from jobconsole.engine.pool import WorkerPool


def test_a_task_submitted_to_idle_workers_runs_although_the_watchdog_waits_too() -> None:
    """The watchdog used to wait on the workers' condition: the one wake-up a submit gives could go to it,
    and the task then waited, with every worker idle, until the next submit (seconds, in a scheduler)."""
    release = threading.Event()
    ran: list[str] = []
    done = threading.Event()
    both_started = threading.Barrier(3)

    def handle(task: str) -> None:
        if task.startswith("blocker"):
            both_started.wait(5)
            release.wait(5)
        ran.append(task)
        if task == "late":
            done.set()

    pool: WorkerPool[str] = WorkerPool(handle, eager_limit=2, starvation_seconds=60.0)
    pool.submit_many(["blocker-1", "blocker-2"])  # both eager workers busy: the watchdog starts and waits
    both_started.wait(5)
    pool.submit_many(["queued"])  # nobody idle; the watchdog (60 s) adds no worker either
    release.set()
    # Both workers finish, take "queued", then go idle: the watchdog has been waiting longest.
    idle = threading.Event()

    def workers_idle() -> None:
        while pool._idle < 2:  # noqa: SLF001 - the state the bug needs, observed, not changed
            threading.Event().wait(0.005)
        idle.set()

    threading.Thread(target=workers_idle, daemon=True).start()
    assert idle.wait(5)
    pool.submit_many(["late"])
    assert done.wait(2), f"a task waited with every worker idle (ran: {ran})"
    pool.close()


def test_blocked_workers_get_another_after_the_starvation_delay() -> None:
    release = threading.Event()
    started = threading.Event()

    def handle(task: str) -> None:
        if task.startswith("blocker"):
            release.wait(5)
        else:
            started.set()

    pool: WorkerPool[str] = WorkerPool(handle, eager_limit=2, starvation_seconds=0.02)
    pool.submit_many(["blocker-1", "blocker-2"])
    pool.submit_many(["due"])
    assert started.wait(2), "no worker was added for a task stuck behind blocked workers"
    assert pool.size == 3
    release.set()
    pool.close()
