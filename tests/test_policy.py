"""The expiry policy: days left, state, threshold, and when a run is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notifier.certificate import Certificate
from notifier.policy import URGENCY, State, days_between, is_due, judge
from notifier.testing.samples import ncp_date

NOW = datetime(2027, 1, 15, 3, 0, tzinfo=UTC)
THRESHOLDS = (30, 14, 7, 3, 1)
REMINDER_DAYS = 7


def cert(expires: timedelta | str | None, status: object = "1") -> Certificate:
    """A certificate expiring ``expires`` from NOW (or with that raw date)."""
    item: dict = {"certificateNo": 1, "certificateName": "c", "statusCode": status}
    if isinstance(expires, timedelta):
        item["notAfter"] = ncp_date(NOW + expires)
    elif expires is not None:
        item["notAfter"] = expires
    return Certificate.from_ncp(item)


def verdict_for(expires, status="1", thresholds=THRESHOLDS):
    return judge(cert(expires, status), NOW, thresholds)


class TestDaysLeft:
    @pytest.mark.parametrize(
        ("offset", "days"),
        [
            (timedelta(days=7, hours=1), 7),
            (timedelta(hours=12), 0),
            (timedelta(seconds=-100), 0),
            (timedelta(days=-2, hours=-1), -2),
            (timedelta(days=7), 7),
            (timedelta(days=7, seconds=-1), 6),
            (timedelta(days=-7, seconds=1), -6),
            (timedelta(0), 0),
        ],
    )
    def test_whole_days_are_truncated_toward_zero(self, offset, days):
        assert days_between(NOW, NOW + offset) == days
        assert verdict_for(offset).days_left == days

    def test_days_left_is_counted_between_utc_instants_whatever_the_offset(self):
        # 23:30 in Seoul on the 22nd is 14:30 UTC: 7 days and 11.5 hours away.
        seoul = verdict_for("2027-01-22 23:30:00(UTC+09:00)")
        new_york = verdict_for("2027-01-22 09:30:00(UTC-05:00)")

        assert seoul.days_left == new_york.days_left == 7

    def test_days_left_is_none_when_the_expiry_is_unknown(self):
        assert verdict_for(None).days_left is None
        assert verdict_for("garbage").days_left is None


class TestState:
    def test_expired_when_not_after_is_now_or_earlier(self):
        assert verdict_for(timedelta(0)).state is State.EXPIRED
        assert verdict_for(timedelta(seconds=-100)).state is State.EXPIRED
        assert verdict_for(timedelta(days=-400)).state is State.EXPIRED

    def test_expiring_from_the_largest_threshold_down_to_the_last_second(self):
        assert verdict_for(timedelta(days=30, hours=23)).state is State.EXPIRING
        assert verdict_for(timedelta(seconds=1)).state is State.EXPIRING

    def test_ok_beyond_the_largest_threshold(self):
        assert verdict_for(timedelta(days=31)).state is State.OK
        assert verdict_for(timedelta(days=31), thresholds=(60,)).state is (
            State.EXPIRING
        )

    @pytest.mark.parametrize("raw", [None, "not-a-date", "2027-01-12 23:59:59"])
    def test_unknown_when_an_active_certificate_has_no_readable_expiry(self, raw):
        verdict = verdict_for(raw)

        assert verdict.state is State.UNKNOWN
        assert verdict.threshold is None

    @pytest.mark.parametrize(
        "status", ["-1", "-3", "-4", "-5", "-6", "-7", "-11", "-12", "-20", -5]
    )
    def test_inactive_when_ncp_marks_it_failed_revoked_or_deleted(self, status):
        verdict = verdict_for(timedelta(days=3, hours=2), status)

        assert verdict.state is State.INACTIVE
        assert verdict.days_left == 3  # still shown, never judged
        assert verdict.threshold is None

    def test_inactive_without_a_date_when_negative_status(self):
        assert verdict_for(None, "-5").state is State.INACTIVE

    def test_expire_status_minus_2_is_judged_by_its_date(self):
        assert verdict_for(timedelta(days=-2), "-2").state is State.EXPIRED
        assert verdict_for(None, "-2").state is State.UNKNOWN

    def test_still_being_issued_without_a_date_is_inactive(self):
        assert verdict_for(None, "0").state is State.INACTIVE
        assert verdict_for(None, 0).state is State.INACTIVE

    def test_still_being_issued_with_a_date_is_judged_by_it(self):
        assert verdict_for(timedelta(days=3, hours=1), "0").state is State.EXPIRING

    @pytest.mark.parametrize("status", ["1", "2", "3", None, "abc", True, 1.5])
    def test_active_or_unreadable_status_is_judged_by_the_date(self, status):
        assert verdict_for(timedelta(days=7, hours=1), status).state is (State.EXPIRING)

    def test_states_needing_attention_are_expired_expiring_and_unknown(self):
        attention = {
            state
            for state in URGENCY
            if verdict_for(
                {
                    State.EXPIRED: timedelta(days=-1),
                    State.EXPIRING: timedelta(days=1),
                    State.UNKNOWN: None,
                    State.OK: timedelta(days=90),
                    State.INACTIVE: timedelta(days=1),
                }[state],
                "-5" if state is State.INACTIVE else "1",
            ).needs_attention
        }

        assert attention == {State.EXPIRED, State.EXPIRING, State.UNKNOWN}


class TestThreshold:
    @pytest.mark.parametrize(
        ("days", "threshold"),
        [(30, 30), (20, 30), (15, 30), (14, 14), (8, 14), (7, 7), (4, 7),
         (3, 3), (2, 3), (1, 1), (0, 1)],
    )  # fmt: skip
    def test_the_smallest_threshold_at_or_above_days_left(self, days, threshold):
        verdict = verdict_for(timedelta(days=days, hours=6))

        assert verdict.days_left == days
        assert verdict.threshold == threshold

    def test_thresholds_of_any_order_give_the_same_answer(self):
        verdict = verdict_for(timedelta(days=6, hours=6), thresholds=(5, 10))

        assert verdict.threshold == 10

    @pytest.mark.parametrize("offset", [timedelta(days=31), timedelta(days=-1)])
    def test_no_threshold_unless_expiring(self, offset):
        assert verdict_for(offset).threshold is None


def due(verdict, reminder_days=REMINDER_DAYS, thresholds=THRESHOLDS) -> bool:
    return is_due(verdict, NOW, thresholds, reminder_days)


class TestDue:
    @pytest.mark.parametrize("days", range(0, 32))
    def test_expiring_is_due_exactly_on_a_threshold_day(self, days):
        verdict = verdict_for(timedelta(days=days, hours=6))

        assert due(verdict) is (days in THRESHOLDS)

    @pytest.mark.parametrize(
        ("ago", "expected"),
        [
            (timedelta(seconds=100), True),
            (timedelta(days=3), True),
            (timedelta(days=6, hours=23), True),
            (timedelta(days=7), False),
            (timedelta(days=40), False),
        ],
    )
    def test_expired_is_due_within_the_reminder_days(self, ago, expected):
        assert due(verdict_for(-ago)) is expected

    def test_expired_reminder_days_sets_the_window(self):
        twenty_days_ago = verdict_for(timedelta(days=-20))

        assert due(twenty_days_ago, reminder_days=30)
        assert not due(twenty_days_ago, reminder_days=7)
        assert not due(verdict_for(timedelta(seconds=-1)), reminder_days=0)

    @pytest.mark.parametrize("raw", [None, "not-a-date"])
    def test_unknown_is_due_on_every_run(self, raw):
        assert due(verdict_for(raw))

    def test_ok_and_inactive_are_never_due(self):
        assert not due(verdict_for(timedelta(days=90)))
        assert not due(verdict_for(timedelta(days=7, hours=1), "-5"))
        assert not due(verdict_for(timedelta(days=-1), "-6"))
        assert not due(verdict_for(None, "0"))

    def test_a_daily_schedule_warns_once_per_threshold_then_reminds(self):
        expiry = NOW + timedelta(days=40, hours=6)
        certificate = Certificate.from_ncp(
            {"certificateNo": 1, "statusCode": "1", "notAfter": ncp_date(expiry)}
        )
        warned = []
        for day in range(60):
            run_at = NOW + timedelta(days=day)
            verdict = judge(certificate, run_at, THRESHOLDS)
            if is_due(verdict, run_at, THRESHOLDS, REMINDER_DAYS):
                warned.append((verdict.state.value, verdict.days_left))

        assert warned == [
            ("expiring", 30), ("expiring", 14), ("expiring", 7), ("expiring", 3),
            ("expiring", 1),
            ("expired", 0), ("expired", -1), ("expired", -2), ("expired", -3),
            ("expired", -4), ("expired", -5), ("expired", -6),
        ]  # fmt: skip
