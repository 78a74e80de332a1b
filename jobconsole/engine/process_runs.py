"""Process runs: a child per run, in its own process group, ended in steps.

Children come from a fork server (safe in a multi-threaded parent, unlike a
plain fork) that has the job modules preloaded, so a child starts warm instead
of importing the application again. The child builds its :class:`Outcome`
itself and sends only that back; it never touches the parent's database
connections.
"""

from __future__ import annotations

import dataclasses
import functools
import multiprocessing
import multiprocessing.connection
import multiprocessing.forkserver
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from jobconsole.engine.jobs import JobFunc
from jobconsole.engine.outcome import Outcome, describe_exception, run_job_body
from jobconsole.engine.process_tree import become_subreaper, kill_tree, reap_children

_context = multiprocessing.get_context("forkserver")


def module_of(func: Callable[..., Any]) -> str:
    """The module that defines ``func`` (looking through functools.partial): what the fork server preloads."""
    while isinstance(func, functools.partial):
        func = func.func
    return getattr(func, "__module__", None) or "__main__"


def prepare_fork_server(modules: Iterable[str]) -> None:
    """Preload ``modules`` in the fork server and start it now, not on the first due run.

    The preload list only takes effect if the fork server is not running yet.
    """
    _context.set_forkserver_preload(sorted({__name__, *modules}))
    saved = sys.stderr
    # Under a TUI, sys.stderr may be a stand-in whose fileno() is -1; multiprocessing's
    # resource tracker passes that descriptor on and refuses to start with it.
    if _fileno(saved) < 0 and sys.__stderr__ is not None:
        sys.stderr = sys.__stderr__
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        sys.stderr = saved


def _fileno(stream: Any) -> int:
    try:
        return int(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return -1


_lifeline: tuple[multiprocessing.connection.Connection, multiprocessing.connection.Connection] | None = None
_lifeline_lock = threading.Lock()


def _lifeline_reader() -> multiprocessing.connection.Connection:
    """The read end of a pipe whose only writer is this (the scheduler's) process.

    Each child watches it: EOF means the scheduler is gone (even by ``kill -9``),
    and then the child ends its whole process group. A run must not outlive the
    scheduler that would record it; it is marked abandoned on the next start.
    """
    global _lifeline
    with _lifeline_lock:
        if _lifeline is None:
            _lifeline = _context.Pipe(duplex=False)
        return _lifeline[0]


def _watch_lifeline(lifeline: multiprocessing.connection.Connection) -> None:
    try:
        lifeline.recv()
    except (EOFError, OSError):
        pass
    kill_tree(os.getpid())
    os.killpg(0, signal.SIGKILL)


_stopped_by_signal = False
"""In a run's process: whether a SIGTERM from outside asked it to stop."""


def _on_sigterm(stop_event: PipeStopEvent, signum: int, _frame: object) -> None:
    """SIGTERM in a run's process. From the scheduler's escalation (it says so on the stop pipe
    first), it ends the process at once, as SIGTERM does. From anyone else (systemd stopping the
    whole control group, an operator's ``kill``) it is a request to stop: the job's stop_event is
    set and it gets the grace like any stopped run; a second SIGTERM ends it."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if stop_event.terminating():
        # The scheduler's SIGTERM reached the group; what left it goes too, before this process (its
        # subreaper) ends and they would be handed to init.
        kill_tree(os.getpid())
        os.kill(os.getpid(), signum)
        return
    global _stopped_by_signal
    _stopped_by_signal = True
    # Reading the pipe emptied it: say it again, for a wait() the signal interrupted and that resumes.
    stop_event.set_again()


def _child_main(
    func: JobFunc,
    stop_event: Any,
    conn: multiprocessing.connection.Connection,
    lifeline: multiprocessing.connection.Connection,
    output: str | None,
) -> None:
    # A session of its own makes the child the leader of a new process group, so
    # the parent can end it together with everything it started; as subreaper it also
    # keeps what leaves the group (see process_tree).
    os.setsid()
    become_subreaper()
    if output is not None:
        # Under the console the terminal belongs to the UI: a job's prints go to the log instead.
        fd = os.open(output, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    threading.Thread(target=_watch_lifeline, args=(lifeline,), name="jobconsole-lifeline", daemon=True).start()
    signal.signal(signal.SIGTERM, functools.partial(_on_sigterm, stop_event))
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    outcome = run_job_body(func, stop_event)
    # The run is over: nothing it started outlives it.
    kill_tree(os.getpid())
    reap_children()
    if _stopped_by_signal:
        outcome = dataclasses.replace(outcome, stopped_by_signal=True)
    try:
        conn.send(outcome)
    except Exception as exc:
        conn.send(Outcome(success=False, error_message=f"the result could not be sent back: {describe_exception(exc)}",
                          raised=outcome.raised))
    finally:
        conn.close()


_TERMINATE = b"T"


class PipeStopEvent:
    """A stop event shared with a child process, with the API of ``threading.Event``.

    It is a pipe: :meth:`set` writes a byte, and the event is set once the read
    end has something to read. Two descriptors cost far less to make and to hand
    to a fork-server child than ``multiprocessing.Event`` (five named semaphores,
    each created in the parent and opened again in the child), which was most of
    a process run's start-up beyond the fork itself.
    """

    def __init__(self) -> None:
        self._reader, self._writer = _context.Pipe(duplex=False)
        self._flag = False
        self._terminating = False

    def is_set(self) -> bool:
        if not self._flag and not self._reader.closed and self._reader.poll():
            self._flag = True
        return self._flag

    isSet = is_set

    def set(self) -> None:
        if self._flag:
            return
        self._flag = True
        try:
            self._writer.send_bytes(b"!")
        except OSError:
            # The run is over and its end of the pipe closed: nobody is left to tell.
            pass

    def clear(self) -> None:
        self._drain()
        self._flag = False

    def set_again(self) -> None:
        """Set, and write to the pipe even if already set (after :meth:`terminating` read it empty)."""
        self._flag = False
        self.set()

    def mark_terminating(self) -> None:
        """The scheduler's side: the SIGTERM about to be sent is the escalation, not a request."""
        self._flag = True
        try:
            self._writer.send_bytes(_TERMINATE)
        except OSError:
            pass

    def terminating(self) -> bool:
        """The child's side: whether the scheduler has said it is ending this process."""
        self._drain()
        return self._terminating

    def _drain(self) -> None:
        while not self._reader.closed and self._reader.poll():
            if self._reader.recv_bytes() == _TERMINATE:
                self._terminating = True
            self._flag = True

    def wait(self, timeout: float | None = None) -> bool:
        if not self._flag and not self._reader.closed and self._reader.poll(timeout):
            self._flag = True
        return self._flag

    def close(self) -> None:
        """Release the pipe once the child has ended; :meth:`is_set` keeps answering from what it saw."""
        self.is_set()
        self._reader.close()
        self._writer.close()

    def __repr__(self) -> str:
        return f"<PipeStopEvent {'set' if self._flag else 'unset'}>"


def describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "process ended without a result"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"process killed by {name} ({-exitcode}) without a result"
    return f"process exited with code {exitcode} without a result"


class ChildProcess:
    """One run's child process, its stop event and the pipe its outcome comes back on."""

    def __init__(self, func: JobFunc, name: str, output: str | None = None) -> None:
        self.stop_event = PipeStopEvent()
        self._reader, self._writer = _context.Pipe(duplex=False)
        self._process = _context.Process(
            target=_child_main, args=(func, self.stop_event, self._writer, _lifeline_reader(), output), name=name, daemon=False
        )
        self.pid: int | None = None
        """Set by the worker that starts the child; read by the engine loop to signal the group."""

    def start(self) -> int:
        self._process.start()
        self._writer.close()
        self.pid = self._process.pid
        assert self.pid is not None
        return self.pid

    def wait(self) -> tuple[Outcome | None, int | None]:
        """Block until the child has ended; return its outcome (None if it sent none) and exit code."""
        multiprocessing.connection.wait([self._reader, self._process.sentinel])
        outcome: Outcome | None = None
        if self._reader.poll():
            try:
                outcome = self._reader.recv()
            except (EOFError, OSError):
                outcome = None
            except Exception as exc:
                outcome = Outcome(
                    success=False, error_message=f"the result could not be read back: {describe_exception(exc)}"
                )
        self._process.join()
        self._reader.close()
        self.stop_event.close()
        # Whatever the job left behind in its group (grandchildren) ends with it.
        self.signal_group(signal.SIGKILL)
        return outcome, self._process.exitcode

    def signal_group(self, signum: int) -> None:
        """Signal the run's process group; SIGKILL also kills whatever left the group (see process_tree)."""
        if self.pid is None:
            return
        if signum == signal.SIGKILL and self._process.exitcode is None:
            kill_tree(self.pid)
        try:
            os.killpg(self.pid, signum)
        except ProcessLookupError:
            # No such group: the child has not called setsid yet, or it is all gone.
            try:
                if self._process.exitcode is None:
                    os.kill(self.pid, signum)
            except ProcessLookupError:
                pass
        except PermissionError:
            pass
