"""``python -m benchmarks``: run the parts, print the markdown tables, write the JSON."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import machine
from benchmarks.parts import PartResult, parts
from benchmarks.report import Table, render
from benchmarks.runner import REPO
from benchmarks.settings import FULL, QUICK

OUT = REPO / "benchmarks" / "out"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="jobconsole side by side with APScheduler 3.x and schedule: prints markdown, writes JSON.",
    )
    parser.add_argument("--quick", action="store_true", help="a short smoke run (seconds); its figures mean nothing")
    parser.add_argument(
        "--only", action="append", choices=list(parts()), metavar="PART",
        help=f"run only this part (repeatable): {', '.join(parts())}",
    )
    parser.add_argument("--out", type=Path, default=OUT, help=f"directory for the JSON and markdown (default {OUT})")
    return parser


def _failed_part(name: str, error: Exception) -> PartResult:
    table = Table(f"{name}: did not run")
    table.add("error", jobconsole=f"{type(error).__name__}: {error}".splitlines()[0])
    return PartResult([table], {"error": str(error)})


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = QUICK if args.quick else FULL
    chosen = args.only or list(parts())
    info = machine.describe()
    command = "python -m benchmarks" + (" --quick" if args.quick else "") + "".join(f" --only {p}" for p in args.only or [])
    began = time.monotonic()
    def run_part(name: str) -> PartResult:
        print(f"[{time.monotonic() - began:6.0f} s] running {name}…", file=sys.stderr, flush=True)
        try:
            return parts()[name](settings)
        except Exception as error:  # noqa: BLE001 - one broken part must not hide the others' figures
            return _failed_part(name, error)

    if settings.parallel:
        with ThreadPoolExecutor(max_workers=len(chosen)) as pool:
            results = dict(zip(chosen, pool.map(run_part, chosen)))
    else:
        results = {name: run_part(name) for name in chosen}
    elapsed = time.monotonic() - began
    text = render_all(command, info, results, elapsed)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    payload = {
        "command": command,
        "machine": info,
        "settings": dataclasses.asdict(settings),
        "elapsed_s": elapsed,
        "parts": {
            name: {"tables": [t.to_json() for t in r.tables], "raw": r.raw} for name, r in results.items()
        },
    }
    for path in (args.out / f"results-{stamp}.json", args.out / "latest.json"):
        path.write_text(json.dumps(payload, indent=1, default=str))
    (args.out / "latest.md").write_text(text)
    print(f"wrote {args.out / 'latest.json'} and {args.out / 'latest.md'}", file=sys.stderr)
    return 0


def render_all(command: str, info: dict[str, object], results: dict[str, PartResult], elapsed: float) -> str:
    lines = [
        "## jobconsole benchmarks",
        "",
        f"`{command}` · {elapsed / 60:.1f} min",
        "",
        machine.markdown(info),
        "",
        (
            "Figures are medians over the repeats with (min–max) of the repeats. jobconsole records every run in a "
            "database; APScheduler and schedule record nothing. Ratios are jobconsole ÷ the other (below 1 is "
            "better for jobconsole where less is better)."
        ),
        "",
    ]
    for result in results.values():
        for table in result.tables:
            lines.append(render(table))
    return "\n".join(lines)
