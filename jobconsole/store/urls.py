"""Database URLs as they may be shown: with every password hidden."""

from __future__ import annotations

import re

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

_PASSWORD_IN_TEXT = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
_SECRET_KEYS = frozenset({"password", "passwd", "pass", "pwd", "sslpassword"})
_SECRET_IN_QUERY = re.compile(r"((?:[?&])(?:" + "|".join(_SECRET_KEYS) + r")=)[^&\s]*", re.IGNORECASE)


def url_secret(url: URL) -> str | None:
    """The password a URL carries, in its user part or as a query parameter (``?password=``)."""
    if url.password:
        return str(url.password)
    for key, value in url.query.items():
        if key.lower() in _SECRET_KEYS and value:
            return value if isinstance(value, str) else value[0]
    return None


def redact_url(url: str | URL) -> str:
    """The URL with its password, in any of its places, replaced by ``***``; safe to log and to show."""
    if not isinstance(url, URL):
        try:
            url = make_url(url)
        except (sa_exc.ArgumentError, ValueError):
            return _SECRET_IN_QUERY.sub(r"\1***", _PASSWORD_IN_TEXT.sub(r"\1***@", url))
    return _SECRET_IN_QUERY.sub(r"\1***", url.render_as_string(hide_password=True))
