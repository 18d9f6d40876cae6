"""Reading NCP's dates tolerantly: every form gives an instant or None."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifier.dates import format_ncp_datetime, in_zone, parse_ncp_datetime

EXPECTED = datetime(2027, 1, 12, 14, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2027-01-12 23:59:59(UTC+09:00)",  # as NCP documents it
        "2027-01-12 23:59:59 (UTC+09:00)",  # a space before the parenthesis
        "2027-01-12T23:59:59(UTC+09:00)",
        "2027-01-12 23:59:59(UTC+9)",
        "2027-01-12 23:59:59(UTC+0900)",
        "2027-01-12 23:59:59(utc+09:00)",
        "2027-01-12 23:59:59(GMT+09:00)",
        "  2027-01-12 23:59:59(UTC+09:00)  ",
        "2027-01-12 14:59:59(UTC)",  # no offset: UTC itself
        "2027-01-12 14:59:59 (UTC)",
        "2027-01-12 05:59:59(UTC-09:00)",
        "2027-01-12T23:59:59+09:00",  # ISO 8601 with an offset
        "2027-01-12T14:59:59Z",  # ISO 8601 in UTC
        "2027-01-12 14:59:59+00:00",
        "2027-01-12T14:59:59.000+00:00",
    ],
)
def test_each_accepted_form_gives_the_same_utc_instant(text):
    parsed = parse_ncp_datetime(text)

    assert parsed == EXPECTED
    assert parsed.utcoffset() == timedelta(0)


def test_minutes_in_the_offset_are_honoured():
    assert parse_ncp_datetime("2027-01-12 20:29:59(UTC+05:30)") == EXPECTED


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "not-a-date",
        "2027-01-12 23:59:59",  # no offset: refused rather than guessed
        "2027-01-12T23:59:59",
        "2027-02-30 00:00:00(UTC+09:00)",  # no such day
        "2027-01-12 24:00:00(UTC+09:00)",
        "2027-01-12 23:59:59(UTC+25:00)",  # no such offset
        "2027-01-12 23:59:59(UTC+09:75)",
        "2027-01-12 23:59:59(KST)",
        "12/01/2027",
        "2027-01-12 23:59:59(UTC+09:00) and then some",
        "9" * 1000,
        1799999999,  # epoch seconds: not a form NCP writes
        20270112,
        ["2027-01-12 23:59:59(UTC+09:00)"],
        {"date": "2027-01-12"},
        True,
    ],
)
def test_anything_unreadable_is_none_never_an_error(value):
    assert parse_ncp_datetime(value) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # RFC 5280's "no expiry", written west of UTC, lies past year 9999.
        ("9999-12-31 23:59:59(UTC-09:00)", datetime.max.replace(tzinfo=UTC)),
        ("9999-12-31T23:59:59-09:00", datetime.max.replace(tzinfo=UTC)),
        ("0001-01-01 00:00:00(UTC+09:00)", datetime.min.replace(tzinfo=UTC)),
    ],
)
def test_a_date_past_the_edge_of_the_calendar_is_pinned_to_it(text, expected):
    assert parse_ncp_datetime(text) == expected


def test_the_last_representable_expiry_reads_as_it_is():
    assert parse_ncp_datetime("9999-12-31 23:59:59(UTC+09:00)") == datetime(
        9999, 12, 31, 14, 59, 59, tzinfo=UTC
    )


def test_in_zone_shows_the_instant_at_the_zones_offset():
    local = in_zone(EXPECTED, ZoneInfo("Asia/Seoul"))

    assert local.isoformat() == "2027-01-12T23:59:59+09:00"
    assert local == EXPECTED


def test_in_zone_falls_back_to_utc_where_the_wall_time_would_overflow():
    edge = datetime.max.replace(tzinfo=UTC)

    assert in_zone(edge, ZoneInfo("Asia/Seoul")) == edge
    assert in_zone(edge, ZoneInfo("Asia/Seoul")).utcoffset() == timedelta(0)


def test_format_ncp_datetime_writes_what_parse_reads():
    text = format_ncp_datetime(EXPECTED)

    assert text == "2027-01-12 23:59:59(UTC+09:00)"
    assert parse_ncp_datetime(text) == EXPECTED


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(9998, 12, 31),
        timezones=st.just(UTC),
    ).map(lambda moment: moment.replace(microsecond=0)),
    st.integers(min_value=-12, max_value=14),
)
def test_any_instant_written_at_any_whole_hour_offset_reads_back(moment, hours):
    zone = timezone(timedelta(hours=hours))
    local = moment.astimezone(zone)
    sign = "+" if hours >= 0 else "-"
    text = f"{local:%Y-%m-%d %H:%M:%S}(UTC{sign}{abs(hours):02d}:00)"

    assert parse_ncp_datetime(text) == moment


@given(st.text(max_size=80))
def test_arbitrary_text_never_raises(text):
    parsed = parse_ncp_datetime(text)

    assert parsed is None or parsed.tzinfo is not None
