"""Where a run's body runs: a worker thread, or a child process watched from one.

Both executors have one method, :meth:`Executor.execute`, called on a pool
worker with a run the loop has started; it returns when the run has ended and
reports the end to the loop through ``report``. Neither touches engine state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from jobconsole.engine.live_run import LiveRun
from jobconsole.engine.outcome import Outcome, outcome_of_exception, run_job_body
from jobconsole.engine.output import OutputCapture
from jobconsole.engine.process_runs import describe_exit
from jobconsole.engine.thread_output import capturing
from jobconsole.runs import EndedBy

Report = Callable[[LiveRun, Outcome, EndedBy, "int | None"], None]
"""Hand a run's end to the loop: the run, its outcome, what ended it, a process's exit code."""


class Executor(Protocol):
    def execute(self, run: LiveRun) -> None:
        """Run ``run``'s body to its end on the calling worker thread and report the end."""
        ...


class ThreadExecutor:
    """Calls the job on the worker thread; it stops cooperatively through its stop_event."""

    def __init__(self, report: Report) -> None:
        self._report = report

    def execute(self, run: LiveRun) -> None:
        capture = run.output = OutputCapture()
        with capturing(capture):
            outcome = run_job_body(run.spec.func, run.stop_event)
        output = capture.text()
        if output is not None:
            outcome = replace(outcome, output=output)
        self._report(run, outcome, _body_ended_by(outcome, run), None)


class ProcessExecutor:
    """Starts the run's child process and waits for it; the loop signals its group when it must end."""

    def __init__(self, report: Report, started: Callable[[LiveRun], None]) -> None:
        self._report = report
        self._started = started

    def execute(self, run: LiveRun) -> None:
        child = run.child
        assert child is not None, "a process run without its child"
        try:
            child.start()
        except Exception as exc:
            failed = outcome_of_exception(exc)
            self._report(
                run,
                replace(failed, error_message=f"could not start the process: {failed.error_message}"),
                EndedBy.CRASHED,
                None,
            )
            return
        run.output = child.output
        self._started(run)
        child_outcome, exitcode = child.wait()
        # ``escalated`` is set by the loop before it signals the group, so a signalled child reads it here.
        if run.escalated is not None:
            ended_by = run.escalated
        elif child_outcome is None:
            ended_by = EndedBy.CRASHED
        else:
            ended_by = _body_ended_by(child_outcome, run)
        outcome = child_outcome or Outcome(success=False, error_message=describe_exit(exitcode))
        output = child.output.text()
        if output is not None:
            outcome = replace(outcome, output=output)
        self._report(run, outcome, ended_by, exitcode)


def _body_ended_by(outcome: Outcome, run: LiveRun) -> EndedBy:
    """How a job body that came to its end ended: raised, or returned (after its stop_event was set, or not)."""
    if outcome.raised:
        return EndedBy.RAISED
    return EndedBy.STOP_EVENT if run.stop_event.is_set() else EndedBy.RETURNED


class RunExecutors:
    """The pool's one handler: each run to the executor of its kind."""

    def __init__(self, threads: Executor, processes: Executor) -> None:
        self._threads = threads
        self._processes = processes

    def execute(self, run: LiveRun) -> None:
        (self._threads if run.child is None else self._processes).execute(run)
