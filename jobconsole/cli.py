"""The ``jobconsole`` command: parse arguments, wire the parts, turn errors into exit codes."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

import jobconsole
from jobconsole.errors import JobconsoleError, UsageError

if TYPE_CHECKING:
    from jobconsole.config import Settings
    from jobconsole.console.app import JobConsoleApp

EXIT_USAGE = 2

CONSOLE_MAX_FPS = 240
"""Textual's frame cap for the console, unless TEXTUAL_FPS sets one.

Textual draws a frame only when something on screen changed, so the cap adds no frames
(nor bytes over SSH). It sets how long Textual holds a frame back after another: one to
two frame periods after a frame drawn from idle, 17-33 ms at Textual's default of 60,
which a key pressed just after the once-a-second refresh waited for on top of its own
drawing (benchmarks/RESULTS.md, page down). At 240 it is 4-8 ms.
"""

log = logging.getLogger("jobconsole")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 seconds")
    return value


def _days(text: str) -> float:
    from jobconsole.config.kinds import Days

    try:
        return Days().from_text(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _count(text: str) -> int:
    from jobconsole.config.kinds import Count

    try:
        return Count().from_text(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    from jobconsole.config import LOG_LEVELS
    from jobconsole.metrics.options import add_metrics_options

    # No defaults here: a flag not given leaves the setting to the environment, the config file or
    # the default, in that order (jobconsole.config).
    parser = _Parser(
        prog="jobconsole",
        description="Run scheduled jobs and watch them: a console by default (attached to the database's live "
        "scheduler if there is one), or a headless server with --no-ui. Shell commands: jobconsole "
        "{jobs,runs,show,trigger,stop,pause,resume,status,purge} --help. Every setting can also be given in "
        "jobconsole.toml (see --show-config).",
    )
    parser.add_argument("--no-ui", action="store_true", help="run the scheduler in the foreground without the console")
    parser.add_argument(
        "--attach", action="store_true", help="open the console on the live scheduler of --db, or exit 2 if there is none"
    )
    parser.add_argument("--read-only", action="store_true", help="an attached console that changes nothing")
    parser.add_argument(
        "--jobs",
        metavar="MODULE",
        help="module with setup_scheduled_jobs(); env JOBCONSOLE_JOBS, [scheduler] jobs (default: the bundled demo jobs)",
    )
    _database_options(parser)
    parser.add_argument(
        "--grace",
        metavar="SECONDS",
        type=_positive_float,
        help="how long a process run may take to honour its stop_event before SIGTERM; env JOBCONSOLE_GRACE_SECONDS, "
        "[scheduler] grace_seconds (default 10)",
    )
    parser.add_argument(
        "--retention-days",
        metavar="DAYS",
        type=_days,
        help="the leader deletes runs older than DAYS every hour (0 keeps every run); env JOBCONSOLE_RETENTION_DAYS, "
        "[retention] days (default 90)",
    )
    parser.add_argument(
        "--keep-per-job",
        metavar="N",
        type=_count,
        help="but keeps each job's newest N runs whatever their age; env JOBCONSOLE_KEEP_PER_JOB, "
        "[retention] keep_per_job (default: no such floor)",
    )
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        help="env JOBCONSOLE_LOG_LEVEL, [log] level (default INFO)",
    )
    parser.add_argument(
        "--log-file",
        metavar="PATH",
        help="also write the log to PATH (the console mode logs only there); env JOBCONSOLE_LOG_FILE, [log] file",
    )
    parser.add_argument(
        "--show-config",
        action="store_true",
        help="print the settings in effect, and where each comes from, as TOML; then exit",
    )
    add_metrics_options(parser)
    parser.add_argument("--version", action="version", version=f"%(prog)s {jobconsole.__version__}")
    return parser


def _database_options(parser: argparse.ArgumentParser) -> None:
    from jobconsole.config import CONFIG_ENV, CONFIG_FILE_NAME
    from jobconsole.store import DEFAULT_DATABASE_URL

    parser.add_argument(
        "--db",
        metavar="URL",
        help=f"SQLite or PostgreSQL URL; env JOBCONSOLE_DATABASE_URL, [database] url (default: {DEFAULT_DATABASE_URL})",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help=f"the config file; env {CONFIG_ENV} (default: ./{CONFIG_FILE_NAME} if there is one)",
    )


def _load_settings(args: argparse.Namespace) -> Settings:
    """The settings, flags first; one line and exit 2 if they cannot be used."""
    from jobconsole.config import ConfigError, load_settings

    flags = {
        "database.url": args.db,
        "scheduler.jobs": getattr(args, "jobs", None),
        "scheduler.grace_seconds": getattr(args, "grace", None),
        "retention.days": getattr(args, "retention_days", None),
        "retention.keep_per_job": getattr(args, "keep_per_job", None),
        "log.level": getattr(args, "log_level", None),
        "log.file": getattr(args, "log_file", None),
        "metrics.port": getattr(args, "metrics_port", None),
        "metrics.host": getattr(args, "metrics_host", None),
    }
    try:
        return load_settings(flags, config=args.config)
    except ConfigError as error:
        _fail(str(error))


def shell_main(argv: Sequence[str]) -> int:
    """``jobconsole jobs|runs|show|trigger|stop|pause|resume|status|purge``: see :mod:`jobconsole.shell`."""
    from jobconsole.shell import ShellError, add_commands, run_command

    parser = _Parser(prog="jobconsole", description="Look at a scheduler's jobs and runs, and steer it.")
    add_commands(parser.add_subparsers(dest="command", required=True), _database_options)
    args = parser.parse_args(argv)
    args.db = _load_settings(args).database_url
    try:
        return run_command(args)
    except BrokenPipeError:
        # The reader went away (| head): not an error of ours; say nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except ShellError as error:
        print(f"jobconsole: error: {error}", file=sys.stderr)
        return error.code
    except JobconsoleError as error:
        _fail(str(error))
    except KeyboardInterrupt:
        return 130


def _fail(message: str) -> NoReturn:
    print(f"jobconsole: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def import_console() -> Callable[..., JobConsoleApp]:
    """``make_app``, Textual imported with the console's frame cap; the environment the jobs see is left as it was."""
    preset = "TEXTUAL_FPS" in os.environ
    if not preset:
        os.environ["TEXTUAL_FPS"] = str(CONSOLE_MAX_FPS)  # read once, when Textual is imported
    try:
        from jobconsole.console.app import make_app
    finally:
        if not preset:
            del os.environ["TEXTUAL_FPS"]
    return make_app


def _attach(store: object, args: argparse.Namespace) -> int | None:
    """Run the console attached to the database's live scheduler; None if there is none to attach to
    (the caller then embeds one), unless --attach or --read-only insist."""
    from jobconsole.attach.remote import NoLeaderError, RemoteScheduler

    remote = RemoteScheduler(store, read_only=args.read_only)  # type: ignore[arg-type]
    try:
        remote.require_live_leader()
    except NoLeaderError as error:
        if args.attach or args.read_only:
            raise UsageError(f"cannot attach: {error}") from None
        return None
    make_app = import_console()
    from jobconsole.console.gc_pacer import IdleCollector

    remote.start()
    try:
        # The leader publishes within 0.25 s of a change and the snapshot is read every 0.25 s: refreshing
        # every half second keeps what the console shows within a second of the scheduler.
        app = make_app(
            remote, embedded=False, collector=IdleCollector(), read_only=args.read_only, refresh_seconds=0.5
        )
        _start_collecting()
        app.run()
        return app.return_code or 0
    finally:
        remote.close()


def _share_config_file(settings: Settings) -> None:
    """Name the config file read in the environment, so that what runs under this command (a job calling
    notify_job_failure, a process run, a jobconsole started by a job) reads the same settings."""
    from jobconsole.config import CONFIG_ENV

    if settings.config_file is not None:
        os.environ[CONFIG_ENV] = str(settings.config_file.resolve())


def _start_collecting() -> None:
    """Freeze what start-up made (the collector skips it from now on) and turn collection back on."""
    gc.freeze()
    gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    from jobconsole.shell import COMMANDS

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in COMMANDS:
        return shell_main(argv)
    return _scheduler_main(argv)


def _scheduler_main(argv: Sequence[str]) -> int:
    # Start-up makes several hundred thousand objects (SQLAlchemy, Textual, the jobs) that live as long
    # as the process: collecting while they are made is wasted work, and walking them in every later
    # full collection is a pause in dispatch and drawing. So no collection until everything is set up,
    # then they are frozen out of the collector's way (see _start_collecting).
    gc.disable()
    args = build_parser().parse_args(argv)
    settings = _load_settings(args)
    if args.show_config:
        from jobconsole.config.show import render_settings

        sys.stdout.write(render_settings(settings))
        return 0
    _share_config_file(settings)

    from jobconsole.engine.outcome import describe_exception
    from jobconsole.jobs_module import DEMO_JOBS_MODULE, load_jobs
    from jobconsole.logs import setup_logging
    from jobconsole.notify.dispatch import notifiers_for
    from jobconsole.metrics.options import serve_metrics
    from jobconsole.store import is_in_memory, open_store

    demo = settings.jobs == DEMO_JOBS_MODULE
    scheduler = jobconsole.scheduler
    try:
        try:
            setup_logging(settings.log_level, demo=demo, log_file=settings.log_file, to_stderr=args.no_ui)
        except OSError as error:
            raise UsageError(f"cannot write the log file {settings.log_file!r}: {error.strerror or error}") from None
        if settings.config_file is not None:
            log.info("settings from %s and the environment", settings.config_file)
        database_url = settings.database_url
        if is_in_memory(database_url):
            where = settings.origins["database.url"]
            raise UsageError(f"{where} {database_url!r} names no database file, so nothing would be kept; "
                             "give a path, e.g. sqlite:///jobconsole.db")
        store = open_store(database_url)
        if not args.no_ui:
            attached = _attach(store, args)
            if attached is not None:
                return attached
        elif args.attach or args.read_only:
            raise UsageError("--attach and --read-only are for the console; --no-ui runs a scheduler")
        scheduler.configure(
            store=store, notifiers=notifiers_for(settings.email), grace_seconds=settings.grace_seconds,
            state_base=settings.state_dir, demo=demo, retention_days=settings.retention_days,
            keep_per_job=settings.keep_per_job or 0,
        )
        try:
            scheduler.configure(
                alert_reminder=settings.alerts.reminder_interval, notify_urls=settings.alerts.webhook_urls
            )
        except ValueError as error:
            raise UsageError(str(error)) from None
        module = load_jobs(settings.jobs, scheduler)
        if getattr(module, "DEMO_JOBS", False):
            scheduler.demo = True
        metrics = serve_metrics(scheduler, settings.metrics_host, settings.metrics_port)
        if args.no_ui:
            from jobconsole.headless import run_headless

            _start_collecting()
            try:
                return run_headless(scheduler)
            finally:
                if metrics is not None:
                    metrics.close()
        make_app = import_console()
        from jobconsole.console.gc_pacer import IdleCollector

        # Claim the database before the console opens, so a second scheduler is refused with one line.
        scheduler.claim()
        scheduler.configure(process_output=settings.log_file or os.devnull)
        scheduler.prepare_process_runs()

        app = make_app(scheduler, embedded=True, collector=IdleCollector(), stop_on_signals=True)
        _start_collecting()
        app.run()
        return app.return_code or 0
    except JobconsoleError as error:
        _fail(str(error))
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a last guard: one line, the traceback only at DEBUG
        log.debug("unexpected error", exc_info=True)
        _fail(f"unexpected {describe_exception(error)} (run with --log-level DEBUG for details)")


if __name__ == "__main__":
    sys.exit(main())
