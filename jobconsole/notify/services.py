"""Notices to webhooks and chat services (Slack, Teams, Discord, ntfy, ...) through apprise, by URL.

apprise is an optional extra (``pip install 'jobconsole[notify]'``), imported only
when a service URL is configured. Each URL is a notifier of its own, so each gets
its own lane in the :class:`~jobconsole.notify.dispatch.NotifierSet`: a service that
hangs holds up no other. Every request is bounded by apprise's connect and read
timeouts (``cto`` and ``rto`` in the URL), set to :data:`DELIVERY_TIMEOUT_SECONDS`
unless the URL sets them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jobconsole.notify.notice import FailureNotice, NoticeKind
from jobconsole.notify.texts import headline

DELIVERY_TIMEOUT_SECONDS = 10.0
"""apprise's connect and read timeouts for each request, unless the URL gives its own."""
INSTALL_HINT = "install the notify extra: pip install 'jobconsole[notify]'"


class DeliveryError(RuntimeError):
    """A service did not take a notice (it refused it, or did not answer in time)."""


def split_urls(text: str) -> tuple[str, ...]:
    """The URLs of ``JOBCONSOLE_NOTIFY_URLS``: separated by commas and/or white space."""
    return tuple(part for part in re.split(r"[,\s]+", text) if part)


def service_notifiers(urls: Iterable[str], timeout: float = DELIVERY_TIMEOUT_SECONDS) -> list[ServiceNotifier]:
    """One notifier per URL. Raises ValueError naming a URL apprise does not know (its secrets hidden),
    or saying what to install when apprise is missing."""
    return [ServiceNotifier(url, timeout) for url in urls]


class ServiceNotifier:
    """Sends each notice to one apprise URL: a title (what happened) and the notice's text."""

    def __init__(self, url: str, timeout: float = DELIVERY_TIMEOUT_SECONDS) -> None:
        apprise = _apprise()
        self._notify_types = {
            NoticeKind.FAILURE: apprise.NotifyType.FAILURE,
            NoticeKind.REMINDER: apprise.NotifyType.FAILURE,
            NoticeKind.RECOVERED: apprise.NotifyType.SUCCESS,
            NoticeKind.OVERDUE: apprise.NotifyType.WARNING,
        }
        self._apprise = apprise.Apprise()
        with _apprise_quiet():  # it would log the URL it cannot read; the ValueError below says it once
            added = self._apprise.add(with_timeouts(url, timeout))
        if not added:
            raise ValueError(
                f"notification URL {public_form(url)} is not one apprise can send to: check its scheme and fields "
                "(see https://github.com/caronc/apprise/wiki)"
            )
        # apprise's own privacy form (tokens and passwords shortened), without the options after "?".
        self.label = str(self._apprise[0].url(privacy=True)).split("?", 1)[0].rstrip("/")
        """The URL without its secrets, for log lines and the metrics' ``notifier`` label."""

    def __call__(self, notice: FailureNotice) -> None:
        result = self._apprise.notify(
            body=render_text(notice), title=f"[jobconsole] {headline(notice)}", notify_type=self._notify_types[notice.kind]
        )
        if not result:
            raise DeliveryError(f"{self.label} did not take the notice (refused, unreachable or no answer in time)")

    def __repr__(self) -> str:
        return f"ServiceNotifier({self.label})"


def render_text(notice: FailureNotice) -> str:
    """The message: what happened, the error's first line, where and when; short enough for a chat."""
    lines = [headline(notice)]
    if notice.error_first_line and notice.kind is not NoticeKind.RECOVERED:
        lines.append(notice.error_first_line)
    facts = [f"host {notice.host}"] if notice.host else []
    if notice.finished_at is not None:
        facts.append(notice.finished_at.isoformat(sep=" ", timespec="seconds"))
    if facts:
        lines.append(", ".join(facts))
    return "\n".join(lines)


def with_timeouts(url: str, timeout: float) -> str:
    """``url`` with apprise's connect (``cto``) and read (``rto``) timeouts added where it sets none."""
    query = parse_qs(urlsplit(url).query)
    extra = [f"{name}={timeout:g}" for name in ("cto", "rto") if name not in query]
    if not extra:
        return url
    fragment = ""
    if "#" in url:
        url, fragment = url.split("#", 1)
        fragment = "#" + fragment
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{'&'.join(extra)}{fragment}"


def public_form(url: str) -> str:
    """What a log line may show of a URL that apprise could not read: its scheme alone."""
    return url.split("://", 1)[0] + "://…" if "://" in url else "(not a URL)"


@contextmanager
def _apprise_quiet() -> Iterator[None]:
    quiet = logging.getLogger("apprise")
    drop_all = logging.Filter("\0")  # a name no logger has: every record is dropped
    quiet.addFilter(drop_all)
    try:
        yield
    finally:
        quiet.removeFilter(drop_all)


def _apprise() -> Any:
    try:
        import apprise
    except ImportError:
        raise ValueError(f"notification URLs need apprise: {INSTALL_HINT}") from None
    return apprise
