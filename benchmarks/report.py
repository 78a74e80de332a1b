"""The results as markdown tables: each figure next to its target and its ratio to the alternatives."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.contenders import CONTENDERS, LABELS
from benchmarks.stats import Summary

MET, MISSED = "✅ met", "❌ missed"


@dataclass
class Row:
    measure: str
    values: dict[str, Summary | str | None]
    """Per contender: the figure over repeats, an error text, or None (not measured)."""
    target: str = "—"
    met: bool | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "values": {
                name: value.to_json() if isinstance(value, Summary) else value for name, value in self.values.items()
            },
            "target": self.target,
            "met": self.met,
        }


@dataclass
class Table:
    title: str
    contenders: Sequence[str] = ("jobconsole",)
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, measure: str, target: str = "—", met: bool | None = None, **values: Summary | str | None) -> Row:
        row = Row(measure, dict(values), target, met)
        self.rows.append(row)
        return row

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "rows": [row.to_json() for row in self.rows], "notes": self.notes}


def number(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1 or size == 0:
        return f"{value:.2f}"
    return f"{value:.3f}"


def figure(value: Summary | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        # An error's full text is in the JSON; the table gets its start.
        return value if len(value) <= 120 else value[:119] + "…"
    if value.repeats == 1 or value.low == value.high:
        return number(value.median)
    return f"{number(value.median)} ({number(value.low)}–{number(value.high)})"


def ratio(mine: Summary | str | None, theirs: Summary | str | None) -> str:
    if not isinstance(mine, Summary) or not isinstance(theirs, Summary):
        return "—"
    if theirs.median == 0:
        return "—" if mine.median else "="
    return f"{mine.median / theirs.median:.2f}×"


def verdict(met: bool | None) -> str:
    return "" if met is None else (MET if met else MISSED)


def render(table: Table) -> str:
    others = [name for name in table.contenders if name != "jobconsole"]
    header = ["Measure", *(LABELS[name] for name in table.contenders)]
    header += [f"jobconsole ÷ {LABELS[name]}" for name in others]
    header += ["Target", "Met?"]
    lines = [f"### {table.title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in table.rows:
        cells = [row.measure, *(figure(row.values.get(name)) for name in table.contenders)]
        cells += [ratio(row.values.get("jobconsole"), row.values.get(name)) for name in others]
        cells += [row.target, verdict(row.met)]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    if table.notes:
        lines.append("")
        lines.extend(f"- {note}" for note in table.notes)
    return "\n".join(lines) + "\n"


def all_contenders() -> tuple[str, ...]:
    return CONTENDERS
