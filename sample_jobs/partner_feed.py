"""The job that fails: import a partner's export of transparency-register entries.

The bundled export has a row whose date the partner wrote as DD/MM/YYYY
instead of YYYY-MM-DD, as happens when a partner changes their export
format. The row is found several calls deep, so the run fails with a real
multi-frame traceback (and the chained ValueError), which is what the
console's run detail is for. The import is all or nothing: nothing is stored
from a feed with a bad row.
"""

from __future__ import annotations

import csv
from datetime import date

from jobconsole.result import JobResult
from sample_jobs.events import StopEvent
from sample_jobs.settings import DemoSettings, bundled_data
from sample_jobs.store import DemoStore, PartnerRegistration

FEED_NAME = "partner_feed.csv"
COLUMNS = ("transparency_id", "organisation", "registered_on", "annual_spend_eur")


class PartnerFeedError(ValueError):
    """The partner's export does not have the expected shape; the message names the line and field."""


def sync_partner_feed(stop_event: StopEvent) -> JobResult:
    """Import the partner feed into the store; raises :class:`PartnerFeedError` on a malformed row."""
    registrations = read_partner_feed()
    settings = DemoSettings.from_env()
    with DemoStore.open(settings.database_path) as store:
        store.upsert_partner_registrations(registrations)
    return JobResult(
        success=True, lines_processed=len(registrations), message=f"{len(registrations)} registrations synced"
    )


def read_partner_feed() -> list[PartnerRegistration]:
    with bundled_data(FEED_NAME).open("r", encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise PartnerFeedError(f"{FEED_NAME}: columns are {reader.fieldnames}; expected {list(COLUMNS)}")
        return [_parse_row(reader.line_num, row) for row in reader]


def _parse_row(line: int, row: dict[str, str]) -> PartnerRegistration:
    return PartnerRegistration(
        transparency_id=_required(line, row, "transparency_id"),
        organisation=_required(line, row, "organisation"),
        registered_on=_parse_date(line, "registered_on", _required(line, row, "registered_on")),
        annual_spend_eur=_parse_amount(line, "annual_spend_eur", _required(line, row, "annual_spend_eur")),
    )


def _required(line: int, row: dict[str, str], field: str) -> str:
    value = (row.get(field) or "").strip()
    if not value:
        raise PartnerFeedError(f"{FEED_NAME} line {line}: {field} is empty")
    return value


def _parse_date(line: int, field: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        problem = f"{field} is {value!r}; expected a date as YYYY-MM-DD"
        raise PartnerFeedError(f"{FEED_NAME} line {line}: {problem}") from error


def _parse_amount(line: int, field: str, value: str) -> int:
    try:
        return int(value)
    except ValueError as error:
        problem = f"{field} is {value!r}; expected whole euros"
        raise PartnerFeedError(f"{FEED_NAME} line {line}: {problem}") from error
