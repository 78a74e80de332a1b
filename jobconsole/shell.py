"""The shell CLI: look at a scheduler's jobs and runs, and steer it, from any host that reaches its database.

``jobconsole jobs | runs | show | trigger | stop | pause | resume | status | purge``.
Human tables by default, ``--json`` for scripts. No Textual on this path, so
it starts fast.

Exit codes:

- 0: done (for ``status``: a live leader with a fresh heartbeat);
- 1: the scheduler refused the command, or (``status``) no live leader, or
  (``show``) no such run;
- 2: bad input, the database cannot be used, or a command that acts found no
  live leader to carry it out.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from jobconsole.humanize import duration
from jobconsole.humanize import parse_duration as _parse_duration
from jobconsole.plain_text import strip_control
from jobconsole.runs import HistoryQuery, RunRecord, RunStatus, ended_by_words

if TYPE_CHECKING:
    from jobconsole.attach.remote import RemoteScheduler

COMMANDS = ("jobs", "runs", "show", "trigger", "stop", "pause", "resume", "status", "purge")
EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


class ShellError(Exception):
    """A one-line error and its exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``2h``, ``7d``, ``1w``."""
    try:
        return _parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _age(text: str) -> timedelta:
    """``--older-than``: a duration, more than 0."""
    age = parse_duration(text)
    if age <= timedelta(0):
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0, such as 30d, 12h or 90m")
    return age


def _statuses(text: str) -> tuple[RunStatus, ...]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    known = {status.value: status for status in RunStatus}
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown status {', '.join(unknown) or text!r}; one or more of {', '.join(known)}, comma-separated"
        )
    return tuple(known[name] for name in names)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def add_commands(subparsers: Any, db_option: Any) -> None:
    """The shell commands as argparse subcommands, each with ``--db`` and ``--json``."""
    common = argparse.ArgumentParser(add_help=False)
    db_option(common)
    common.add_argument("--json", action="store_true", help="print JSON for scripts instead of a table")
    subparsers.add_parser("jobs", parents=[common], help="the leader's jobs: schedule, next run, last outcome, paused")
    runs = subparsers.add_parser("runs", parents=[common], help="recorded runs, newest first")
    runs.add_argument("--job", metavar="NAME", help="only this job's runs")
    runs.add_argument("--status", type=_statuses, metavar="S1,S2", help="only runs with these statuses")
    runs.add_argument("--since", type=parse_duration, metavar="AGE", help="only runs started within AGE (30m, 2h, 7d)")
    runs.add_argument("--limit", type=_positive_int, default=20, metavar="N", help="at most N runs (default 20)")
    show = subparsers.add_parser("show", parents=[common], help="one run in full, with its traceback and output")
    show.add_argument("run_id", type=_positive_int, metavar="RUN_ID")
    for name, target, what in (
        ("trigger", "NAME", "start a run of a job now"),
        ("pause", "NAME", "stop dispatching a job (it can still be triggered) until resumed"),
        ("resume", "NAME", "dispatch a paused job again"),
    ):
        parser = subparsers.add_parser(name, parents=[common], help=what)
        parser.add_argument("job", metavar=target)
    stop = subparsers.add_parser("stop", parents=[common], help="ask a run in progress to stop")
    stop.add_argument("run_id", type=_positive_int, metavar="RUN_ID")
    subparsers.add_parser("status", parents=[common], help="exit 0 if a live scheduler leads the database, else 1")
    purge = subparsers.add_parser(
        "purge", parents=[common],
        help="delete runs older than AGE; runs in progress and each job's newest run and last occurrence are kept",
    )
    purge.add_argument("--older-than", type=_age, required=True, metavar="AGE", help="30d, 12h, 90m: runs started before then")
    purge.add_argument("--keep-per-job", type=_positive_int, metavar="N", help="keep each job's newest N runs whatever their age")
    purge.add_argument("--dry-run", action="store_true", help="say how many runs would be deleted; delete none")


def run_command(args: argparse.Namespace) -> int:
    """Carry out one shell command; ShellError for what must end it with a one-line error."""
    if args.command == "runs":
        from jobconsole.store.light import LightReadUnavailable, history

        try:
            # Straight through the driver: no SQLAlchemy to import (see jobconsole.store.light).
            return _print_runs(history(args.db, _runs_query(args)), args)
        except LightReadUnavailable:
            pass
    from jobconsole.attach.remote import NoLeaderError, RemoteScheduler
    from jobconsole.store import open_store

    store = open_store(args.db)
    try:
        remote = RemoteScheduler(store)
        command = args.command
        if command == "runs":
            return _print_runs(list(store.history(_runs_query(args)).rows), args)
        if command == "show":
            return _show(store, remote, args)
        if command == "jobs":
            return _jobs(remote, args)
        if command == "status":
            return _status(store, remote, args)
        if command == "purge":
            return _purge(store, args)
        try:
            remote.require_live_leader()
        except NoLeaderError as error:
            raise ShellError(f"{error}; nothing was done") from None
        if command == "trigger":
            result = remote.trigger(args.job)
        elif command == "stop":
            result = remote.stop(args.run_id)
        elif command == "pause":
            result = remote.pause(args.job)
        else:
            result = remote.resume(args.job)
        if args.json:
            _print_json({"ok": result.ok, "message": result.message, "run_id": result.run_id})
        else:
            print(result.message, file=sys.stdout if result.ok else sys.stderr)
        return EXIT_OK if result.ok else EXIT_REFUSED
    finally:
        store.close()


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, default=_json_default, indent=None)
    sys.stdout.write("\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON")


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, highlight=False)
    for index, column in enumerate(columns):
        # The first column names the row (a job, a run): never wrapped; the last (an error) gives way first.
        table.add_column(column, no_wrap=index == 0, overflow="ellipsis" if index == len(columns) - 1 else "fold")
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    # Piped into another program, the table keeps its full width rather than the 80 columns of no terminal.
    console = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 1000, markup=False, emoji=False)
    console.print(table)


def _when(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S}"


def _soon(moment: datetime | None, now: datetime) -> str:
    """A time in a table: the time alone if today (UTC), else with its date."""
    if moment is None:
        return ""
    moment = moment.astimezone(timezone.utc)
    return f"{moment:%H:%M:%S}" if moment.date() == now.date() else f"{moment:%Y-%m-%d %H:%M}"


def _jobs(remote: RemoteScheduler, args: argparse.Namespace) -> int:
    from jobconsole.attach.remote import NoLeaderError

    try:
        leader = remote.require_live_leader()
    except NoLeaderError as error:
        if remote.leader() is None:
            raise ShellError(str(error)) from None
        print(f"jobconsole: warning: {error}; these are the jobs it last published", file=sys.stderr)
        leader = remote.leader()
    snapshot = remote.snapshot()
    if args.json:
        _print_json({
            "leader": {"holder": leader.holder, "since": leader.since, "heartbeat_age_s": round(leader.heartbeat_age, 3)}
            if leader else None,
            "jobs": [
                {
                    "name": job.name, "schedule": job.schedule, "next_run": job.next_run,
                    "last_status": job.last_status, "mode": job.run_mode, "timeout_s": job.timeout_seconds,
                    "paused": job.paused, "running_run_id": job.running_run_id,
                }
                for job in snapshot.jobs
            ],
        })
        return EXIT_OK
    now = datetime.now(timezone.utc)
    _table(
        ("job", "schedule", "next run (UTC)", "last", "mode", "running"),
        [
            (
                job.name, job.schedule, "paused" if job.paused else _soon(job.next_run, now),
                job.last_status.value if job.last_status else "", job.run_mode.value,
                f"#{job.running_run_id}" if job.running_run_id else "",
            )
            for job in snapshot.jobs
        ],
    )
    return EXIT_OK


def _runs_query(args: argparse.Namespace) -> HistoryQuery:
    since = datetime.now(timezone.utc) - args.since if args.since else None
    return HistoryQuery(limit=args.limit, job_name=args.job, statuses=args.status or (), since=since)


def _print_runs(rows: Sequence[RunRecord], args: argparse.Namespace) -> int:
    if args.json:
        _print_json([_record_dict(row) for row in rows])
        return EXIT_OK
    now = datetime.now(timezone.utc)
    _table(
        ("run", "job", "status", "started (UTC)", "took", "trigger", "error"),
        [
            (
                row.id, row.job_name, row.status.value, _soon(row.started_at, now), _took(row),
                row.triggered_by.value, row.error_first_line[:80],
            )
            for row in rows
        ],
    )
    return EXIT_OK


def _took(row: RunRecord) -> str:
    if row.duration_ms is None:
        return ""
    return duration(row.duration_ms / 1000)


def _record_dict(row: RunRecord) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(row)


def _show(store: Any, remote: RemoteScheduler, args: argparse.Namespace) -> int:
    row = store.get_run(args.run_id)
    if row is None:
        raise ShellError(f"no run {args.run_id} in {store.url_label}", EXIT_REFUSED)
    commands = remote.commands_for_run(args.run_id)
    if args.json:
        document = _record_dict(row)
        document["commands"] = [
            {
                "kind": command.kind, "by": command.requested_by, "at": command.requested_time,
                "ok": command.ok, "result": command.result,
            }
            for command in commands
        ]
        _print_json(document)
        return EXIT_OK
    for name, value in _record_dict(row).items():
        if name not in ("traceback", "output") and value is not None:
            if name == "ended_by":
                shown = ended_by_words(row)
            else:
                shown = _when(value) if isinstance(value, datetime) else getattr(value, "value", value)
            print(f"{name:>16}: {strip_control(str(shown))}")
    for command in commands:
        print(f"{'command':>16}: {command.kind.value} by {command.requested_by} at {_when(command.requested_time)}: "
              f"{command.result or 'not answered'}")
    # What the job produced is data: no terminal control sequence of it reaches the operator's terminal.
    if row.traceback:
        print("\n" + strip_control(row.traceback).rstrip())
    if row.output:
        print("\noutput:\n" + strip_control(row.output).rstrip())
    return EXIT_OK


def _status(store: Any, remote: RemoteScheduler, args: argparse.Namespace) -> int:
    from jobconsole.attach.remote import NoLeaderError

    try:
        leader = remote.require_live_leader()
        problem = None
    except NoLeaderError as error:
        leader, problem = remote.leader(), str(error)
    schedulers = store.schedulers()
    if args.json:
        _print_json({
            "live": problem is None,
            "problem": problem,
            "leader": {"holder": leader.holder, "since": leader.since, "heartbeat_age_s": round(leader.heartbeat_age, 3)}
            if leader else None,
            "schedulers": [{"holder": seen.holder, "role": seen.role} for seen in schedulers],
        })
    elif problem is None and leader is not None:
        standbys = sum(1 for seen in schedulers if seen.role == "standby")
        print(f"live: {leader.holder} leads {store.url_label} since {_when(leader.since)} UTC "
              f"(heartbeat {leader.heartbeat_age:.1f} s ago); {standbys} standby")
    else:
        print(f"not live: {problem}", file=sys.stderr)
    return EXIT_OK if problem is None else EXIT_REFUSED


def _purge(store: Any, args: argparse.Namespace) -> int:
    """Delete (or count) old runs in small batches with a pause between them, so that a scheduler
    recording runs on the same database meanwhile is never held up for long."""
    import time

    from jobconsole.store.retention import PURGE_PAUSE_SECONDS, PurgeRule

    def between_batches() -> bool:
        if not args.dry_run:
            time.sleep(PURGE_PAUSE_SECONDS)
        return True

    rule = PurgeRule(datetime.now(timezone.utc) - args.older_than, args.keep_per_job)
    report = store.purge(rule, dry_run=args.dry_run, between_batches=between_batches)
    if args.json:
        _print_json({
            "dry_run": report.dry_run, "older_than": rule.older_than, "keep_per_job": rule.keep_per_job,
            "deleted": dict(sorted(report.deleted.items())), "total": report.total,
        })
        return EXIT_OK
    verb = "would delete" if report.dry_run else "deleted"
    print(f"{verb} {report.total:,} runs of {len(report.deleted)} jobs started before "
          f"{_when(rule.older_than)} UTC from {store.url_label}")
    if report.deleted:
        _table(("job", verb), [(job, f"{count:,}") for job, count in sorted(report.deleted.items())])
    kept = "runs in progress, each job's newest run and last occurrence"
    if rule.keep_per_job:
        kept += f", and each job's newest {rule.keep_per_job} runs"
    print(f"kept: {kept}")
    return EXIT_OK
