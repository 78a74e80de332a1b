"""Process runs: due-to-body against the start method's floor, and timeout to process group gone.

Run as ``python -m benchmarks.process_workers KIND 'JSON arguments'``; prints one JSON line.

Every child of a fork server imports the parent's main module again, so this
module imports nothing but ``sys`` at the top and the rest inside the
functions: the floor's children and jobconsole's pay the same (nil) price for
it, and the job module is preloaded in both fork servers.
"""

from __future__ import annotations

import sys
from datetime import UTC
from typing import Any

JOB_MODULE = "benchmarks.job_modules.process_jobs"


def _summary(values: list[float]) -> dict[str, float]:
    import math

    from benchmarks.stats import percentile

    return {
        "p50_ms": percentile(values, 0.5) * 1000,
        "p99_ms": percentile(values, 0.99) * 1000,
        "max_ms": max(values) * 1000 if values else math.nan,
        "samples": len(values),
    }


def floor(args: dict[str, Any]) -> dict[str, Any]:
    """Start a bare child from a fork server with the job module preloaded; time to its first line."""
    import multiprocessing
    import multiprocessing.forkserver
    import time

    from benchmarks.job_modules import process_jobs

    samples = int(args.get("samples", 20))
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([JOB_MODULE])
    multiprocessing.forkserver.ensure_running()
    late: list[float] = []
    for index in range(samples + 1):
        reader, writer = context.Pipe(duplex=False)
        began = time.time()
        child = context.Process(target=process_jobs.report_start, args=(writer,))
        child.start()
        writer.close()
        started = reader.recv()
        child.join()
        if index:  # the first child also warms the fork server up
            late.append(started - began)
        time.sleep(0.05)
    return _summary(late)


def _pid_gone(pid: int) -> bool:
    """True once ``pid`` has exited (a zombie waiting to be reaped counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):  # reaped before the open, or between open and read
        return True


def _marks(path: Any) -> list[list[str]]:
    try:
        return [line.split() for line in path.read_text().splitlines()]
    except FileNotFoundError:
        return []


def runs(args: dict[str, Any]) -> dict[str, Any]:
    """jobconsole process runs: a periodic trivial job, then jobs that time out and ignore stop_event."""
    import math
    import os
    import tempfile
    import threading
    import time
    from datetime import datetime
    from pathlib import Path

    import schedule

    from benchmarks.clock import FreezableClock
    from benchmarks.contenders import wait_until
    from benchmarks.job_modules import process_jobs
    from jobconsole import JobScheduler
    from jobconsole.engine import RunFinished, RunStarted
    from jobconsole.runs import RunRecord

    count, timeouts, grace = int(args.get("runs", 10)), int(args.get("timeouts", 3)), float(args.get("grace", 1.0))
    timeout_seconds = float(args.get("timeout_seconds", 1.0))
    with tempfile.TemporaryDirectory(prefix="jobconsole-bench-") as tmp:
        marks, hang_marks = Path(tmp) / "marks.txt", Path(tmp) / "hang-marks.txt"
        os.environ[process_jobs.MARKS_ENV] = str(marks)
        os.environ[process_jobs.HANG_MARKS_ENV] = str(hang_marks)
        clock = FreezableClock()
        scheduler = JobScheduler(
            database_url=f"sqlite:///{tmp}/runs.db", notifiers=[], clock=clock, grace_seconds=grace,
            kill_after_seconds=5.0,
        )
        started: dict[int, RunRecord] = {}
        finished: dict[int, RunRecord] = {}
        ended = threading.Condition()

        def on_event(event: object) -> None:
            if isinstance(event, RunStarted):
                started[event.record.id] = event.record
            elif isinstance(event, RunFinished):
                with ended:
                    finished[event.record.id] = event.record
                    ended.notify_all()

        scheduler.add_listener(on_event)
        scheduler.register("note-start", process_jobs.note_start, job_schedule=schedule.every(1).seconds,
                           run_in_process=True)
        scheduler.register("hang", process_jobs.hang, job_schedule=schedule.every(600).minutes,
                           run_in_process=True, timeout_minutes=timeout_seconds / 60)
        t0 = float(math.ceil(time.time() + 2.0))
        clock.freeze(datetime.fromtimestamp(t0 - 1, UTC))
        try:
            scheduler.start()
        finally:
            clock.thaw()
        wait_until(t0 + count - 0.5)
        # Let the last measured periodic run end; later ones go on beside the timeouts, unmeasured.
        with ended:
            ended.wait_for(lambda: sum(1 for r in finished.values() if r.job_name == "note-start") >= count, 10)
        due_to_body: list[float] = []
        lines = _marks(marks)[:count]
        dues = sorted(r.scheduled_for.timestamp() for r in started.values() if r.job_name == "note-start" and r.scheduled_for)
        for due, line in zip(dues[:count], lines):
            due_to_body.append(float(line[0]) - due)

        gone_after_deadline: list[float] = []
        for _ in range(timeouts):
            hang_marks.write_text("")
            result = scheduler.run_job("hang")
            run_id = result.run_id
            assert run_id is not None, result.message
            deadline = None
            while deadline is None:
                record = started.get(run_id)
                deadline = record.deadline_at.timestamp() if record and record.deadline_at else None
                time.sleep(0.001)
            while not (lines := _marks(hang_marks)):
                time.sleep(0.001)
            pids = [int(lines[0][1]), int(lines[0][3])]
            wait_until(deadline)
            while not all(_pid_gone(pid) for pid in pids):
                time.sleep(0.0005)
            gone_after_deadline.append(time.time() - deadline)
            with ended:
                ended.wait_for(lambda run_id=run_id: run_id in finished, 30)
        scheduler.shutdown(2.0)
    return {
        "due_to_body": _summary(due_to_body),
        "gone_after_deadline": _summary(gone_after_deadline),
        "grace_s": grace,
        "timeout_s": timeout_seconds,
        "statuses": sorted({r.status.value for r in finished.values()}),
    }


KINDS = {"floor": floor, "runs": runs}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in KINDS:
        print(f"usage: python -m benchmarks.process_workers {{{','.join(KINDS)}}} 'JSON arguments'", file=sys.stderr)
        return 2
    import json

    print(json.dumps(KINDS[argv[0]](json.loads(argv[1]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
