"""What is news to a channel: stages, identities, and what the report shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifier.certificate import Certificate
from notifier.notices import (
    EXPIRED,
    EXPIRING,
    UNKNOWN,
    Notice,
    Stage,
    certificate_key,
    describe,
    is_news,
    stage,
)
from notifier.policy import judge

NOW = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)
THRESHOLDS = (30, 14, 7, 3, 1)
DAY = timedelta(days=1)


def cert(
    not_after: object, number: object = 1234, in_use: bool = False, status: str = "1"
) -> Certificate:
    item = {
        "certificateNo": number,
        "certificateName": "www-example-com",
        "commonName": "www.example.com",
        "statusCode": status,
        "notAfter": not_after.isoformat()
        if isinstance(not_after, datetime)
        else not_after,
        "usedInstanceNoList": ["21873522"] if in_use else [],
    }
    return Certificate.from_ncp(item)


def stage_at(not_after: object, now: datetime = NOW, **kwargs) -> Stage | None:
    verdict = judge(cert(not_after, **kwargs), now, THRESHOLDS)
    return stage(verdict, now, THRESHOLDS, 7, timedelta(hours=24))


class TestCertificateKey:
    def test_is_the_number_and_the_normalised_expiry(self):
        ncp_form = cert("2027-01-12 23:59:59(UTC+09:00)")
        iso_form = cert("2027-01-12T14:59:59Z")

        assert certificate_key(ncp_form) == "1234/2027-01-12T14:59:59Z"
        assert certificate_key(iso_form) == certificate_key(ncp_form)

    def test_changes_when_the_certificate_is_renewed(self):
        old = cert("2027-01-12 23:59:59(UTC+09:00)")
        renewed = cert("2028-01-12 23:59:59(UTC+09:00)")

        assert certificate_key(old) != certificate_key(renewed)

    def test_keeps_each_unreadable_value_apart(self):
        first, second = cert("not-a-date"), cert("still not a date")

        assert certificate_key(first).startswith("1234/raw-")
        assert certificate_key(first) != certificate_key(second)
        assert certificate_key(cert(None)) == "1234/none"

    @pytest.mark.parametrize("number", ["12#34", "", None, "x" * 5000])
    def test_an_odd_number_is_hashed_into_a_short_safe_key(self, number):
        key = certificate_key(cert("2027-01-12T14:59:59Z", number=number))

        assert key.startswith("x") and "#" not in key and len(key) < 60


class TestStage:
    def test_expiring_reaches_the_most_urgent_threshold_crossed(self):
        assert stage_at(NOW + 5 * DAY + timedelta(hours=1)) == Stage(
            EXPIRING, threshold=7
        )
        assert stage_at(NOW + timedelta(hours=2)) == Stage(EXPIRING, threshold=1)

    def test_ok_and_inactive_have_no_stage(self):
        assert stage_at(NOW + 40 * DAY) is None
        assert stage_at(NOW + 2 * DAY, status="-5") is None

    def test_expired_counts_reminder_periods_from_the_expiry_instant(self):
        expiry = NOW - timedelta(hours=1)
        period_ends = expiry + DAY

        assert stage_at(expiry) == Stage(EXPIRED, threshold=1, slot=0)
        assert stage_at(expiry, period_ends - timedelta(seconds=1)).slot == 0
        assert stage_at(expiry, period_ends).slot == 1
        assert stage_at(expiry, period_ends + 5 * DAY).slot == 6

    def test_expired_stops_after_the_reminder_window_unless_in_use(self):
        long_ago = NOW - 7 * DAY

        assert stage_at(long_ago) is None
        assert stage_at(long_ago, in_use=True) == Stage(EXPIRED, threshold=1, slot=7)

    def test_unknown_has_one_stage(self):
        assert stage_at("not-a-date") == Stage(UNKNOWN)


class TestIsNews:
    def test_anything_is_news_to_a_channel_that_heard_nothing(self):
        assert is_news(Stage(EXPIRING, threshold=30), None)

    @pytest.mark.parametrize(
        ("told", "now", "news"),
        [(30, 30, False), (30, 14, True), (7, 14, False), (7, 7, False), (7, 3, True)],
    )
    def test_a_threshold_is_news_only_when_more_urgent_than_the_last(
        self, told, now, news
    ):
        assert is_news(Stage(EXPIRING, threshold=now), Notice(threshold=told)) is news

    def test_nothing_expiring_is_news_after_expiry_was_told(self):
        told = Notice(threshold=1, expired_slot=0)

        assert not is_news(Stage(EXPIRING, threshold=1), told)

    def test_each_new_reminder_period_is_news_once(self):
        told = Notice(threshold=1, expired_slot=2)

        assert not is_news(Stage(EXPIRED, threshold=1, slot=2), told)
        assert is_news(Stage(EXPIRED, threshold=1, slot=3), told)
        assert is_news(Stage(EXPIRED, threshold=1, slot=0), Notice(threshold=1))

    def test_an_unknown_expiry_is_news_once(self):
        assert not is_news(Stage(UNKNOWN), Notice(unknown=True))


def test_describe_shows_when_and_what_in_the_operators_zone():
    notice = Notice(
        threshold=7,
        sent_at=datetime(2027, 3, 1, 0, 0, 30, tzinfo=UTC),
        state="expiring",
        days_left=5,
    )

    assert describe(notice, ZoneInfo("Asia/Seoul")) == {
        "sentAt": "2027-03-01T09:00:30+09:00",
        "state": "expiring",
        "daysLeft": 5,
        "threshold": 7,
    }
