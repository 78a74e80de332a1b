"""A stand-in for the European Parliament's pages of MEP meetings.

The scrape job must run offline, so instead of downloading pages it asks
:func:`generate_site` for them: one HTML page per MEP, listing the meetings
that MEP declared, built from a seeded random generator so the same seed
always gives the same site. The pages carry what real ones do (navigation, a
script, comments, entities, non-ASCII names, MEPs with no meetings), so the
parser has real work to do. Each page also keeps the meetings it was built
from, which lets tests check the parser against the truth.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

FIRST_DAY = date(2025, 1, 6)
"""The Monday the generated meetings start from; fixed so the site never changes."""
WEEKS = 8

COMMITTEES: dict[str, tuple[str, ...]] = {
    "ITRE": ("hydrogen infrastructure", "the Chips Act", "grid connection rules", "artificial intelligence research"),
    "ENVI": ("packaging waste", "PFAS restrictions", "the nature restoration law", "methane emissions"),
    "AGRI": ("pesticide reduction targets", "CAP simplification", "new genomic techniques"),
    "PECH": ("fisheries quotas in the Baltic", "bottom trawling in marine protected areas", "small-scale fisheries"),
    "LIBE": (
        "the migration and asylum pact",
        "child sexual abuse material online",
        "artificial intelligence in policing",
    ),
    "ECON": ("the digital euro", "bank capital requirements", "crypto-asset supervision"),
    "IMCO": ("the right to repair", "toy safety", "the Artificial Intelligence Act"),
    "TRAN": ("CO2 standards for trucks", "rail passenger rights", "sustainable aviation fuel"),
    "INTA": ("the EU–Mercosur agreement", "the anti-coercion instrument"),
    "AFET": ("sanctions enforcement", "Ukraine reconstruction"),
}
ORGANISATIONS = (
    "Greenpeace European Unit", "BusinessEurope", "Copa-Cogeca", "BEUC – The European Consumer Organisation",
    "Airlines for Europe", "Hydrogen Europe", "European Digital Rights (EDRi)", "Transport & Environment",
    "Insurance Europe", "DigitalEurope", "ClientEarth", "Ørsted A/S", "Siemens Energy", "Bayer AG",
    "Europêche", "Eurochild", "Friends of the Earth Europe", "AT&T Global Network Services",
)
FORMATS = ("Meeting", "Exchange of views", "Round table", "Video call", "Breakfast debate")
FIRST_NAMES = (
    "Anna", "José", "Zoë", "Łukasz", "Ingrīda", "Søren", "Małgorzata", "Pierre", "Giulia", "Dimitrios",
    "Eva", "Jörg", "Ana-Maria", "Tomáš", "Sinéad", "Mikko", "Laura", "Nikolaj", "Irène", "Bogdan",
)
LAST_NAMES = (
    "Schmidt", "García López", "Dubois", "Kowalski", "Kalniņa", "Nielsen", "Rossi", "Papadopoulos",
    "Novák", "O'Sullivan", "Virtanen", "van der Berg", "Müller", "Horváth", "Ionescu", "Fernandes",
)
GROUPS = ("EPP", "S&D", "Renew Europe", "Greens/EFA", "ECR", "The Left", "Patriots for Europe", "ESN")
COUNTRIES = (
    "Germany", "Spain", "France", "Poland", "Latvia", "Denmark", "Italy", "Greece", "Czechia", "Ireland",
    "Finland", "Netherlands", "Hungary", "Romania", "Portugal",
)
LOCATIONS = ("Brussels", "Strasbourg", "Online", "Luxembourg")


@dataclass(frozen=True)
class Meeting:
    """One meeting an MEP declared."""

    meeting_id: str
    mep_id: int
    mep_name: str
    day: date
    title: str
    organisation: str
    committee: str
    location: str


@dataclass(frozen=True)
class SitePage:
    url: str
    html: str
    meetings: tuple[Meeting, ...]
    """What the page was built from: the answer the parser should find."""


def generate_site(seed: int, pages: int) -> list[SitePage]:
    """``pages`` MEP pages, the same for the same ``seed``."""
    rng = random.Random(seed)
    return [_mep_page(rng, mep_id=124_000 + index * 7) for index in range(pages)]


def _mep_page(rng: random.Random, mep_id: int) -> SitePage:
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    group, country = rng.choice(GROUPS), rng.choice(COUNTRIES)
    # About one MEP in twelve declares nothing: the parser must cope with an empty list.
    count = 0 if rng.random() < 0.08 else rng.randint(1, 8)
    days = sorted(FIRST_DAY + timedelta(days=rng.randrange(WEEKS * 7)) for _ in range(count))
    meetings = []
    for number, day in enumerate(days, start=1):
        committee = rng.choice(list(COMMITTEES))
        meetings.append(
            Meeting(
                meeting_id=f"M{mep_id}-{number:02d}",
                mep_id=mep_id,
                mep_name=name,
                day=day,
                title=f"{rng.choice(FORMATS)} on {rng.choice(COMMITTEES[committee])}",
                organisation=rng.choice(ORGANISATIONS),
                committee=committee,
                location=rng.choice(LOCATIONS),
            )
        )
    url = f"https://www.europarl.europa.eu/meps/en/{mep_id}/meetings"
    return SitePage(url=url, html=_render(mep_id, name, group, country, meetings), meetings=tuple(meetings))


def _render(mep_id: int, name: str, group: str, country: str, meetings: list[Meeting]) -> str:
    rows = "\n".join(
        f"""      <tr class="meeting" data-meeting-id="{m.meeting_id}">
        <td class="date"><time datetime="{m.day.isoformat()}">{m.day.day} {m.day:%B %Y}</time></td>
        <td class="title">{escape(m.title)}</td>
        <td class="organisation">
          {escape(m.organisation)}
        </td>
        <td class="committee"><abbr title="committee">{m.committee}</abbr></td>
        <td class="location">{escape(m.location)}</td>
      </tr>"""
        for m in meetings
    )
    body = (
        f"""    <table class="meetings">
      <thead><tr><th>Date</th><th>Title</th><th>Organisation</th><th>Committee</th><th>Place</th></tr></thead>
      <tbody>
{rows}
      </tbody>
    </table>"""
        if meetings
        else '    <p class="no-meetings">This MEP has not declared any meetings.</p>'
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{escape(name)} | Meetings | MEPs | European Parliament</title>
  <script>window.dataLayer = [{{"page": "<td>meetings</td>", "mep": {mep_id}}}];</script>
</head>
<body>
  <nav><a href="/meps/en/home">MEPs</a> &rsaquo; <a href="/meps/en/{mep_id}">{escape(name)}</a> &rsaquo; Meetings</nav>
  <!-- meetings are listed as declared by the Member; <tr class="meeting"> rows below -->
  <main class="mep" data-mep-id="{mep_id}">
    <h1 class="mep-name">{escape(name)}</h1>
    <p class="mep-affiliation">{escape(group)} &middot; {escape(country)}</p>
{body}
  </main>
  <footer>&copy; European Union, 2025 &ndash; Source: European Parliament</footer>
</body>
</html>
"""
