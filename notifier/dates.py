"""Reading the dates NCP writes, tolerantly (CERTIFICATE-API.md, "Response").

NCP documents one form, ``2027-01-12 23:59:59(UTC+09:00)``: local time with
its offset in parentheses. ISO 8601 with an offset or ``Z``, a space before
the parenthesis and a bare ``(UTC)`` are accepted too. A date without an
offset is refused rather than guessed: a wrong guess moves an expiry by
hours, and an unknown expiry is reported to a person instead.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

# The documented form exactly, tried first: it is what NCP sends, for every
# certificate of every run, and this strict pattern costs a third of the
# tolerant one below.
_DOCUMENTED = re.compile(
    r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\(UTC([+-](?:0\d|1[0-8]):[0-5]\d)\)", re.ASCII
)
_NCP_FORM = re.compile(
    r"""^(?P<local>\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)
        \s*\(\s*(?:UTC|GMT)\s*
        (?:(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?)?
        \s*\)$""",
    re.VERBOSE | re.IGNORECASE,
)


def parse_ncp_datetime(value: object) -> datetime | None:
    """The instant ``value`` names, in UTC, or None when it cannot be read."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 64:
        return None

    documented = _DOCUMENTED.fullmatch(text)
    if documented:
        # 2027-01-12 23:59:59(UTC+09:00) read as 2027-01-12 23:59:59+09:00.
        text = documented[1] + documented[2]
    elif match := _NCP_FORM.match(text):
        return _from_parts(match)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return _utc(parsed)


def _from_parts(match: re.Match[str]) -> datetime | None:
    hours, minutes = int(match["hours"] or 0), int(match["minutes"] or 0)
    if hours > 18 or minutes > 59:
        return None
    # Rewritten as ISO 8601, so that one call in C reads time and offset
    # alike: it runs once per certificate, thousands of times a run.
    iso = f"{match['local']}{match['sign'] or '+'}{hours:02d}:{minutes:02d}"
    try:
        return _utc(datetime.fromisoformat(iso))
    except ValueError:
        return None


def in_zone(instant: datetime, zone: tzinfo) -> datetime:
    """``instant`` in ``zone``, or in UTC when its wall time there would fall
    outside the years 1 to 9999 (``astimezone`` overflows at the edges)."""
    try:
        return instant.astimezone(zone)
    except OverflowError:
        return instant.astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC, pinned to the edge of the calendar when it lies past
    it: ``9999-12-31T23:59:59-09:00`` is RFC 5280's "no expiry" written in a
    zone west of UTC, and must read as far away, not as unknown or a crash."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        edge = datetime.max if moment.year > 1 else datetime.min
        return edge.replace(tzinfo=UTC)


def format_ncp_datetime(instant: datetime, offset_hours: int | timedelta = 9) -> str:
    """Write ``instant`` the way NCP does, at the given offset (KST by default).

    ``offset_hours`` is whole hours, or a timedelta for an offset like +05:45.
    """
    offset = (
        offset_hours
        if isinstance(offset_hours, timedelta)
        else timedelta(hours=offset_hours)
    )
    local = instant.astimezone(timezone(offset))
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    # The year by hand: glibc's %Y does not pad years before 1000 to 4 digits.
    return (
        f"{local.year:04d}-{local:%m-%d %H:%M:%S}"
        f"(UTC{sign}{minutes // 60:02d}:{minutes % 60:02d})"
    )
