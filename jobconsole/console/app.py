"""The console app: polls the scheduler's snapshot, routes commands, owns the engine's life.

The app sees the scheduler only through :class:`SchedulerInterface`. When it
embeds the scheduler (an :class:`EmbeddedScheduler`), it starts it on mount in
a thread and shuts it down on quit, asking first if runs are in progress.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cached_property, partial
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import Notify
from textual.screen import Screen

from jobconsole.console.escape_keys import split_escape
from jobconsole.console.formatting import Palette
from jobconsole.console.gc_pacer import IdleCollector
from jobconsole.console.history import PAGE_SIZE, HistoryFilter, HistoryTable
from jobconsole.console.job_stats import JobStatsCache
from jobconsole.console.main_screen import MainScreen
from jobconsole.console.run_table import RunTable
from jobconsole.console.sanitize import strip_control
from jobconsole.console.signals import install_stop_signals
from jobconsole.console.toasts import keep_newest
from jobconsole.console.workers import deliver
from jobconsole.interface import (
    CommandResult,
    EmbeddedScheduler,
    EngineSnapshot,
    SchedulerInterface,
)

if TYPE_CHECKING:
    from jobconsole.console.confirm import ConfirmModal
    from jobconsole.console.help import KeyGroup
    from jobconsole.console.stopping import StoppingScreen

# The job view, the run detail, the help and the confirmation screens are imported when first opened:
# the first frame does not need them (nor rich.table, Log and Button behind them).


log = logging.getLogger("jobconsole")


def local_now() -> datetime:
    """The default clock: now, in the local time zone (the console shows local times)."""
    return datetime.now().astimezone()


_INPUT_EVENTS = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)
"""What an operator does that the console answers on screen (see IdleCollector)."""

ANSWER_FIRST_SECONDS = 0.15
"""The once-a-second refresh waits this long after a key, so that the key's answer is drawn first:
a refresh takes about 10 ms to make and as long to draw, and a key that arrives meanwhile waits."""

REFRESH_AT_LEAST_EVERY = 2.0
"""Keys held down put the refresh off no longer than this (seconds since the last one)."""


@runtime_checkable
class FollowsSnapshots(Protocol):
    """A screen drawn from the snapshot at each refresh while it is on top (the job view)."""

    def show_snapshot(self, snapshot: EngineSnapshot | None, now: datetime, palette: Palette) -> None: ...


class JobConsoleApp(App[None]):
    """The operations console. Build it with :func:`make_app`."""

    CSS_PATH = "console.tcss"
    TITLE = "jobconsole"
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help", tooltip="Show every key, grouped"),
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit (asks first if runs are in progress)"),
    ]

    def __init__(
        self,
        scheduler: SchedulerInterface,
        *,
        embedded: bool = True,
        clock: Callable[[], datetime] | None = None,
        refresh_seconds: float = 1.0,
        retry_seconds: float = 5.0,
        page_size: int = PAGE_SIZE,
        collector: IdleCollector | None = None,
        stop_on_signals: bool = False,
        read_only: bool = False,
    ) -> None:
        super().__init__()
        self.read_only = read_only
        """Look, don't touch: no key that changes anything is offered (an attached ``--read-only`` console)."""
        self.collector = collector
        self.stop_on_signals = stop_on_signals
        self._uninstall_signals: Callable[[], None] | None = None
        self.scheduler = scheduler
        self.embedded = embedded and isinstance(scheduler, EmbeddedScheduler)
        self.clock: Callable[[], datetime] = clock or local_now
        self.refresh_seconds = refresh_seconds
        self.retry_seconds = retry_seconds
        self.page_size = page_size
        # Still screens are cheap over SSH: nothing moves unless the data did.
        self.animation_level = "none"
        self.snapshot: EngineSnapshot | None = None
        self.shutting_down = False
        self._engine_started = threading.Event()
        self._snapshot_failing = False
        self._last_input = float("-inf")
        self._last_refresh = float("-inf")
        self._refresh_put_off = False
        self._palette: Palette | None = None
        self._palette_theme = ""
        self._quit_question: ConfirmModal | None = None
        """The open "quit and stop the runs?" question, kept true by each refresh."""
        self._stopping: StoppingScreen | None = None
        """Shown from the quit until the exit: what the shutdown waits for, updated by each refresh."""

    def on_notify(self, _event: Notify) -> None:
        """Keep only the newest few notifications on screen (see console/toasts.py), once Textual has
        added this one (its own handler runs after this one)."""
        self.call_later(keep_newest, self)

    def get_default_screen(self) -> Screen:
        return self.main_screen

    @cached_property
    def main_screen(self) -> MainScreen:
        return MainScreen(self.scheduler, page_size=self.page_size, retry_seconds=self.retry_seconds)

    @cached_property
    def job_stats(self) -> JobStatsCache:
        """Each shown job's statistics, for the slow-run marks; a new arrival refreshes the screen."""
        return JobStatsCache(self, self.scheduler, on_change=self.refresh_now)

    @property
    def palette(self) -> Palette:
        if self._palette is None or self._palette_theme != self.theme:
            self._palette = Palette(self.theme_variables)
            self._palette_theme = self.theme
        return self._palette

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, _INPUT_EVENTS):
            self._last_input = time.monotonic()
            if self.collector is not None:
                self.collector.note_input()
        if isinstance(event, events.Key) and not event.is_forwarded:
            keys = split_escape(event, self.screen.active_bindings)
            if keys is not None:
                # In order, each as if typed alone: the escape's answer (a closed box) comes first.
                for key in keys:
                    await super().on_event(key)
                return
        await super().on_event(event)

    def on_mount(self) -> None:
        if self.collector is not None:
            self.collector.start()
        if self.stop_on_signals:
            self._uninstall_signals = install_stop_signals(self.stop_for_sigterm, self._shut_down_after_hangup)
        if self.embedded:
            self.run_worker(
                self._start_engine, thread=True, group="engine", name="start scheduler", exit_on_error=False
            )
        # The first refresh comes from MainScreen.on_mount, once its panes exist.
        self.set_interval(self.refresh_seconds, self._refresh_tick)

    def _start_engine(self) -> None:
        assert isinstance(self.scheduler, EmbeddedScheduler)
        try:
            self.scheduler.start()
        except Exception as error:  # noqa: BLE001 - shown to the operator, who can still read history
            message = f"The scheduler did not start: {strip_control(str(error))}"
            deliver(self, partial(self.notify, message, severity="error", markup=False, timeout=30))
        else:
            self._engine_started.set()
            deliver(self, self.refresh_now)

    # --- the once-a-second refresh -------------------------------------------------------------

    def _refresh_tick(self) -> None:
        """The once-a-second refresh, put off while the answer to a key is being drawn."""
        now = time.monotonic()
        wait = self._last_input + ANSWER_FIRST_SECONDS - now
        if wait > 0 and now - self._last_refresh < REFRESH_AT_LEAST_EVERY:
            if not self._refresh_put_off:
                self._refresh_put_off = True
                self.set_timer(wait, self._put_off_refresh)
            return
        if not self._refresh_put_off:
            self.refresh_now()

    def _put_off_refresh(self) -> None:
        self._refresh_put_off = False
        self._refresh_tick()

    def refresh_now(self) -> EngineSnapshot | None:
        """Read the snapshot (cheap, in memory), bring the screens up to date and return it.

        Keys that act on what is in progress (quit, stop) call it too, so that what they say
        is true at the moment of the key, not a second ago.
        """
        self._last_refresh = time.monotonic()
        if not self.main_screen.ready:
            return self.snapshot
        try:
            snapshot = self.scheduler.snapshot()
        except Exception as error:  # noqa: BLE001 - the console keeps going and tries again next tick
            if not self._snapshot_failing:
                self._snapshot_failing = True
                self.notify(
                    f"Cannot read the scheduler's state: {strip_control(str(error))}", severity="error", markup=False
                )
            snapshot = self.snapshot
        else:
            self._snapshot_failing = False
            self.snapshot = snapshot
        now = self.clock()
        top = self.screen
        with self.batch_update():
            self.main_screen.show_snapshot(snapshot, now, self.palette)
            if top is not self.main_screen and isinstance(top, FollowsSnapshots):
                top.show_snapshot(snapshot, now, self.palette)
            self._review_quit_question(snapshot)
            if self._stopping is not None:
                self._stopping.show(snapshot, now)
        if self.collector is not None:
            self.collector.tick()
        return snapshot

    # --- commands ------------------------------------------------------------------------------

    def trigger_job(self, job_name: str) -> None:
        self._command(partial(self.scheduler.trigger, job_name), f"trigger {job_name}")

    def stop_run(self, run_id: int) -> None:
        self._command(partial(self.scheduler.stop, run_id), f"stop run #{run_id}")

    def pause_job(self, job_name: str, *, resume: bool = False) -> None:
        if resume:
            self._command(partial(self.scheduler.resume, job_name), f"resume {job_name}")
        else:
            self._command(partial(self.scheduler.pause, job_name), f"pause {job_name}")

    def _command(self, command: Callable[[], CommandResult], what: str) -> None:
        def send() -> None:
            try:
                result = command()
            except Exception as error:  # noqa: BLE001 - a failed command is a notification
                result = CommandResult(False, f"Could not {what}: {error}")
            deliver(self, partial(self._command_done, result))

        self.run_worker(send, thread=True, group="commands", name=what, exit_on_error=False)

    def _command_done(self, result: CommandResult) -> None:
        self.notify(strip_control(result.message), severity="information" if result.ok else "warning", markup=False)
        self.refresh_now()

    def open_job(self, job_name: str) -> None:
        from jobconsole.console.job_screen import JobScreen

        self.push_screen(
            JobScreen(
                self.scheduler,
                job_name,
                clock=self.clock,
                palette=self.palette,
                stats=self.job_stats,
                retry_seconds=self.retry_seconds,
            )
        )

    def open_detail(self, run_id: int) -> None:
        from jobconsole.console.detail import RunDetailScreen

        self.push_screen(
            RunDetailScreen(
                self.scheduler, run_id, clock=self.clock, palette=self.palette, retry_seconds=self.retry_seconds
            )
        )

    # --- help and the command palette ----------------------------------------------------------

    def action_help(self) -> None:
        from jobconsole.console.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(self.key_groups(), self.palette))

    def key_groups(self) -> list[KeyGroup]:
        from jobconsole.console.confirm import ConfirmModal
        from jobconsole.console.detail import RunDetailScreen
        from jobconsole.console.job_screen import JobScreen
        from jobconsole.console.upcoming import UpcomingTable

        palette_binding = Binding(
            self.COMMAND_PALETTE_BINDING, "command_palette", "Command palette: every action by name"
        )
        return [
            ("Everywhere", [*self.BINDINGS, palette_binding]),
            (
                "Main screen",
                [*MainScreen.BINDINGS, Binding("up,down", "", "Select a job or run", key_display="↑ ↓")],
            ),
            ("Upcoming", UpcomingTable.BINDINGS),
            ("Running and History", RunTable.BINDINGS),
            ("History", HistoryTable.BINDINGS),
            (
                "History filter (/)",
                [
                    Binding("enter", "", "Apply (empty: all jobs)"),
                    Binding("right", "", "Take the suggestion"),
                    *HistoryFilter.BINDINGS,
                ],
            ),
            (
                "Job view (enter on a job)",
                [*JobScreen.BINDINGS, Binding("enter", "", "Open the selected run")],
            ),
            (
                "Run detail",
                [*RunDetailScreen.BINDINGS, Binding("up,down,pageup,pagedown", "", "Scroll error, traceback and output", key_display="↑ ↓ PgUp PgDn")],
            ),
            ("Questions", ConfirmModal.BINDINGS),
        ]  # type: ignore[list-item]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key that works where the palette was opened, by its description, then Textual's own."""
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            # Only the console's own keys (they all have ids), not DataTable's cursor keys.
            if binding.id is None or binding.system or binding.description in seen:
                continue
            seen.add(binding.description)
            help_text = f"{binding.tooltip or binding.description} ({self.get_key_display(binding)})"
            yield SystemCommand(binding.description, help_text, partial(self.run_action, binding.action, active.node))
        for command in super().get_system_commands(screen):
            if command.title not in seen:
                yield command

    # --- quitting ------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        if self.shutting_down:
            self.notify("Already quitting: the box says what the scheduler is waiting for.", markup=False)
            return
        if not self.embedded:
            self.exit()
            return
        # Counted now: a run may have started since the last refresh (a quit without asking stops it).
        snapshot = self.refresh_now()
        running = len(snapshot.running) if snapshot else 0
        if not running:
            self._shutdown_and_exit()
            return

        from jobconsole.console.confirm import ConfirmModal

        question = ConfirmModal(quit_question(running), yes="Quit")

        def answered(yes: bool | None) -> None:
            self._quit_question = None
            if yes:
                self._shutdown_and_exit()

        self._quit_question = question
        question.ask(self, answered)

    def _review_quit_question(self, snapshot: EngineSnapshot | None) -> None:
        """Keep the open quit question true: its count follows the runs; when none is left it
        closes and the console quits, as ``q`` without runs in progress does (the runs were
        the only reason to ask)."""
        question = self._quit_question
        if question is None or snapshot is None or self.shutting_down:
            return
        if snapshot.running:
            question.update_question(quit_question(len(snapshot.running)))
            return
        question.withdraw()
        self.notify("The runs in progress have ended: quitting.", markup=False)
        self._shutdown_and_exit()

    def stop_for_sigterm(self) -> None:
        """SIGTERM: quit without asking; runs in progress are stopped and recorded."""
        log.info("received SIGTERM; shutting down")
        if self.shutting_down:
            return
        if self.embedded:
            self._shutdown_and_exit()
        else:
            self.exit()

    def _shut_down_after_hangup(self) -> int:
        """SIGHUP, in a thread of its own: the terminal is gone, so only the scheduler is shut down
        (or, if the app already began to, waited for); returns the process's exit code."""
        if self.embedded:
            self.scheduler.shutdown()
        return 0

    def _shutdown_and_exit(self) -> None:
        from jobconsole.console.confirm import ConfirmModal
        from jobconsole.console.stopping import StoppingScreen

        self.shutting_down = True
        # A question still open (SIGTERM came meanwhile) is moot now.
        if isinstance(self.screen, ConfirmModal):
            self.screen.withdraw()
        self._stopping = StoppingScreen(self.snapshot, self.clock())
        self.push_screen(self._stopping)
        self.run_worker(
            self._shutdown_engine, thread=True, group="engine", name="shut down scheduler", exit_on_error=False
        )

    def _shutdown_engine(self) -> None:
        assert isinstance(self.scheduler, EmbeddedScheduler)
        error: Exception | None = None
        try:
            self.scheduler.shutdown()
        except Exception as failure:  # noqa: BLE001 - reported on exit
            error = failure
        finally:
            self._engine_started.clear()
        if error is None:
            deliver(self, self.exit)
        else:
            deliver(self, partial(self.exit, None, 1, f"jobconsole: the scheduler did not shut down cleanly: {error}"))

    def on_unmount(self) -> None:
        if self.collector is not None:
            self.collector.stop()
        if self._uninstall_signals is not None:
            self._uninstall_signals()
        # Quitting by any other path (an error inside the app) still stops the engine.
        if self.embedded and self._engine_started.is_set() and not self.shutting_down:
            assert isinstance(self.scheduler, EmbeddedScheduler)
            self.shutting_down = True
            self.scheduler.shutdown()


def quit_question(running: int) -> str:
    runs = "1 run is" if running == 1 else f"{running} runs are"
    return f"{runs} in progress. Quit and stop them?\nThey are recorded as stopped."


def make_app(
    scheduler: SchedulerInterface,
    *,
    embedded: bool = True,
    clock: Callable[[], datetime] | None = None,
    refresh_seconds: float = 1.0,
    retry_seconds: float = 5.0,
    page_size: int = PAGE_SIZE,
    collector: IdleCollector | None = None,
    stop_on_signals: bool = False,
    read_only: bool = False,
) -> JobConsoleApp:
    """Build the console for ``scheduler``; the CLI and the tests both start here.

    ``collector``: let it decide when the process collects garbage; ``stop_on_signals``: shut down
    cleanly on SIGTERM and SIGHUP (both for the CLI's console, which owns its process); ``read_only``:
    offer no key that changes anything.
    """
    return JobConsoleApp(
        scheduler,
        embedded=embedded,
        clock=clock,
        refresh_seconds=refresh_seconds,
        retry_seconds=retry_seconds,
        page_size=page_size,
        collector=collector,
        stop_on_signals=stop_on_signals,
        read_only=read_only,
    )
