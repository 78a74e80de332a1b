"""Process runs: a child per run, in its own process group, ended in steps.

Children come from a fork server (safe in a multi-threaded parent, unlike a
plain fork) that has the job modules preloaded, so a child starts warm instead
of importing the application again. The child builds its :class:`Outcome`
itself and sends only that back; it never touches the parent's database
connections.

A child's stdout and stderr (descriptors 1 and 2, so what C code and the
programs it starts write counts too) are one pipe, which the worker waiting for
the child reads as it fills into the run's
:class:`~jobconsole.engine.output.OutputCapture`: what the run wrote up to its
end is kept, even when SIGKILL ended it, and only its head and tail are held in
memory however much it writes.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import multiprocessing
import multiprocessing.connection
import multiprocessing.forkserver
import multiprocessing.reduction
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from jobconsole.engine.jobs import JobFunc
from jobconsole.engine.outcome import Outcome, describe_exception, run_job_body
from jobconsole.engine.output import OutputCapture, run_log_formatter
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
        # subreaper) ends and they would be handed to init. What the job printed goes out first.
        kill_tree(os.getpid())
        _flush_streams()
        os.kill(os.getpid(), signum)
        return
    global _stopped_by_signal
    _stopped_by_signal = True
    # Reading the pipe emptied it: say it again, for a wait() the signal interrupted and that resumes.
    stop_event.set_again()


def _flush_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError, RuntimeError):  # closed, or interrupted mid-write by this very signal
            pass


def _write_output_to(fd: int, log_level: int) -> None:
    """Make descriptors 1 and 2 the run's output pipe; line-buffer sys.stdout and sys.stderr on it, so that
    a SIGKILL loses no line already printed; send logging there too unless the job modules configured it."""
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and hasattr(stream, "reconfigure") and _fileno(stream) in (1, 2):
            stream.reconfigure(line_buffering=True)
        else:
            # None (the fork server had no such stream) or a stand-in: a fresh one on the descriptor.
            setattr(sys, name, open(1 if name == "stdout" else 2, "w", buffering=1, closefd=False,
                                    errors="backslashreplace"))
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(run_log_formatter())
        root.addHandler(handler)
        root.setLevel(log_level)


def _child_main(
    func: JobFunc,
    stop_event: Any,
    conn: multiprocessing.connection.Connection,
    lifeline: multiprocessing.connection.Connection,
    output_fd: int,
    log_level: int,
) -> None:
    # A session of its own makes the child the leader of a new process group, so
    # the parent can end it together with everything it started; as subreaper it also
    # keeps what leaves the group (see process_tree).
    os.setsid()
    become_subreaper()
    _write_output_to(output_fd, log_level)
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


class _InheritedFd:
    """A descriptor handed to a child through the fork server; the child unpickles it as the int."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __reduce__(self) -> tuple[Any, ...]:
        return _received_fd, (multiprocessing.reduction.DupFd(self.fd),)


def _received_fd(inherited: Any) -> int:
    return int(inherited.detach())


_READ_SIZE = 65536


class ChildProcess:
    """One run's child process, its stop event, the pipe its outcome comes back on and the pipe its output does.

    ``tee`` names a file that also gets the whole output as it comes (``--log-file``), uncapped.
    """

    def __init__(self, func: JobFunc, name: str, tee: str | None = None, log_level: int = logging.WARNING) -> None:
        self.stop_event = PipeStopEvent()
        self._func = func
        self._name = name
        self._tee = None if tee == os.devnull else tee
        self._log_level = log_level
        self._reader: multiprocessing.connection.Connection | None = None
        self._output_fd = -1
        self._process: Any = None
        self.output = OutputCapture()
        """What the child wrote to its stdout and stderr; filled by the worker waiting for it."""
        self.pid: int | None = None
        """Set by the worker that starts the child; read by the engine loop to signal the group."""

    def start(self) -> int:
        """Start the child (on the worker that then waits for it); the pipes are made here, not before,
        so that a run that never starts holds no descriptors."""
        reader, writer = _context.Pipe(duplex=False)
        output_read, output_write = os.pipe()
        try:
            self._process = _context.Process(
                target=_child_main,
                args=(self._func, self.stop_event, writer, _lifeline_reader(), _InheritedFd(output_write),
                      self._log_level),
                name=self._name,
                daemon=False,
            )
            self._process.start()
        except BaseException:
            reader.close()
            os.close(output_read)
            raise
        finally:
            writer.close()
            os.close(output_write)
        os.set_blocking(output_read, False)
        self._reader = reader
        self._output_fd = output_read
        self.pid = self._process.pid
        assert self.pid is not None
        return self.pid

    def wait(self) -> tuple[Outcome | None, int | None]:
        """Block until the child has ended, reading its output meanwhile; return its outcome (None if it
        sent none) and exit code."""
        reader = self._reader
        assert reader is not None, "wait() before start()"
        tee = _open_tee(self._tee)
        outcome: Outcome | None = None
        waiting: list[Any] = [reader, self._process.sentinel, self._output_fd]
        try:
            while self._process.sentinel in waiting:
                ready = multiprocessing.connection.wait(waiting)
                if self._output_fd in ready and self._read_output(tee) == 0:
                    waiting.remove(self._output_fd)
                if reader in ready:
                    waiting.remove(reader)
                    outcome = _receive(reader)
                if self._process.sentinel in ready:
                    waiting.remove(self._process.sentinel)
            self._process.join()
            reader.close()
            self.stop_event.close()
            # Whatever the job left behind in its group (grandchildren) ends with it.
            self.signal_group(signal.SIGKILL)
            # What is left in the pipe: written before the child (and its group) ended.
            while self._read_output(tee) > 0:
                pass
        finally:
            os.close(self._output_fd)
            if tee is not None:
                os.close(tee)
        return outcome, self._process.exitcode

    def _read_output(self, tee: int | None) -> int:
        """Read a chunk of the output into the capture: its size; 0 at the end (every writer gone), -1 if
        the pipe holds nothing just now."""
        try:
            chunk = os.read(self._output_fd, _READ_SIZE)
        except BlockingIOError:
            return -1
        self.output.write(chunk)
        if tee is not None and chunk:
            try:
                os.write(tee, chunk)
            except OSError:
                pass
        return len(chunk)

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


def _receive(reader: multiprocessing.connection.Connection) -> Outcome | None:
    """The outcome the child sent; None if it sent none (it ended first)."""
    try:
        received: Outcome = reader.recv()
    except (EOFError, OSError):
        return None
    except Exception as exc:
        return Outcome(success=False, error_message=f"the result could not be read back: {describe_exception(exc)}")
    return received


def _open_tee(path: str | None) -> int | None:
    if path is None:
        return None
    try:
        return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError:
        return None
