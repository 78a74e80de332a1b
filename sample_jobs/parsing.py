"""Reads the meetings out of an MEP meetings page, with the standard library's HTML parser."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

from sample_jobs.site import Meeting

_CELLS = frozenset({"date", "title", "organisation", "committee", "location"})


class MeetingPageError(ValueError):
    """A page does not have the shape the scraper expects."""


def parse_meeting_page(url: str, html: str) -> list[Meeting]:
    """Every meeting listed on one MEP's page; an MEP without meetings gives an empty list.

    Raises :class:`MeetingPageError` naming the page and the meeting when a
    field is missing or malformed, so a change in the site's layout is caught
    rather than stored as empty values.
    """
    parser = _MeetingPageParser(url)
    parser.feed(html)
    parser.close()
    return parser.meetings


class _MeetingPageParser(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.meetings: list[Meeting] = []
        self._mep_id: int | None = None
        self._mep_name: list[str] | None = None
        self._in_name = False
        self._row: dict[str, str] | None = None
        self._cell: str | None = None
        self._cell_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        if tag == "main" and "mep" in classes:
            self._mep_id = self._int_attribute(attributes, "data-mep-id")
        elif tag == "h1" and "mep-name" in classes:
            self._in_name, self._mep_name = True, []
        elif tag == "tr" and "meeting" in classes:
            self._row = {"meeting_id": attributes.get("data-meeting-id") or ""}
        elif tag == "td" and self._row is not None:
            self._cell = next(iter(classes & _CELLS), None)
            self._cell_text = []
        elif tag == "time" and self._row is not None and self._cell == "date":
            self._row["day"] = attributes.get("datetime") or ""

    def handle_data(self, data: str) -> None:
        if self._in_name and self._mep_name is not None:
            self._mep_name.append(data)
        elif self._cell is not None:
            self._cell_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_name = False
        elif tag == "td" and self._row is not None and self._cell is not None:
            self._row[self._cell] = " ".join("".join(self._cell_text).split())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.meetings.append(self._meeting(self._row))
            self._row = None

    def _meeting(self, row: dict[str, str]) -> Meeting:
        meeting_id = row["meeting_id"]
        missing = [name for name in ("meeting_id", "day", *sorted(_CELLS - {"date"})) if not row.get(name)]
        if missing:
            raise MeetingPageError(f"{self.url}: meeting {meeting_id or '(no id)'} has no {', '.join(missing)}")
        if self._mep_id is None or not self._mep_name:
            raise MeetingPageError(f"{self.url}: the page names no MEP (no <main class=mep> or <h1 class=mep-name>)")
        try:
            day = date.fromisoformat(row["day"])
        except ValueError:
            problem = f"meeting {meeting_id} has date {row['day']!r}, not YYYY-MM-DD"
            raise MeetingPageError(f"{self.url}: {problem}") from None
        return Meeting(
            meeting_id=meeting_id,
            mep_id=self._mep_id,
            mep_name=" ".join("".join(self._mep_name).split()),
            day=day,
            title=row["title"],
            organisation=row["organisation"],
            committee=row["committee"],
            location=row["location"],
        )

    def _int_attribute(self, attributes: dict[str, str | None], name: str) -> int:
        raw = attributes.get(name) or ""
        if not raw.isdigit():
            raise MeetingPageError(f"{self.url}: {name} is {raw!r}, expected a number")
        return int(raw)
