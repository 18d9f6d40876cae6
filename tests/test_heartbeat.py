"""The heartbeat: when it is due and what it says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifier.certificate import Certificate
from notifier.heartbeat import is_due, message_key, render
from notifier.policy import judge

NOW = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)
SEOUL = ZoneInfo("Asia/Seoul")


def verdict(number: int, name: str, not_after: str, status: str = "1"):
    item = {
        "certificateNo": number,
        "certificateName": name,
        "commonName": name,
        "statusCode": status,
        "notAfter": not_after,
    }
    return judge(Certificate.from_ncp(item), NOW, (30, 14, 7, 3, 1))


class TestIsDue:
    @pytest.mark.parametrize(
        ("since", "due"),
        [
            (None, True),
            (timedelta(days=6), False),
            (timedelta(days=7) - timedelta(hours=1, seconds=1), False),
            # A run a few seconds early for its slot still sends it.
            (timedelta(days=7) - timedelta(seconds=40), True),
            (timedelta(days=9), True),
        ],
    )
    def test_after_heartbeat_days_of_silence(self, since, due):
        last = None if since is None else NOW - since

        assert is_due(last, NOW, 7) is due

    def test_zero_days_turns_it_off(self):
        assert not is_due(None, NOW, 0)


def test_the_key_follows_the_last_message():
    assert message_key(None) == "heartbeat-never"
    assert message_key(NOW) == f"heartbeat-{int(NOW.timestamp())}"


class TestRender:
    def test_all_clear_names_the_next_expiry(self):
        verdicts = [
            verdict(1, "far.example.com", "2027-09-01T00:00:00Z"),
            verdict(2, "near.example.com", "2027-05-01T06:00:00Z"),
            verdict(3, "revoked.example.com", "2027-03-02T00:00:00Z", status="-5"),
        ]

        message = render(verdicts, now=NOW, zone=SEOUL, days=7)

        headline = "All clear: 3 certificates watched, next expiry in 61 days"
        assert message.subject == f"NCP certificates: {headline}"
        assert message.text.splitlines()[0] == headline + "."
        assert "near.example.com (no. 2) on 2027-05-01 15:00 KST (UTC+09:00)" in (
            message.text
        )
        assert "nothing else was sent for 7 days" in message.text
        assert message.slack["text"] == headline
        assert message.due_count == 0

    def test_never_says_all_clear_while_something_needs_attention(self):
        verdicts = [
            verdict(1, "far.example.com", "2027-09-01T00:00:00Z"),
            verdict(2, "old.example.com", "2027-01-01T00:00:00Z"),
        ]

        message = render(verdicts, now=NOW, zone=SEOUL, days=7)

        assert message.subject.startswith("NCP certificates: Nothing new: 2 ")
        assert "1 certificate needing attention was reported before" in message.text

    def test_an_empty_account_has_no_next_expiry(self):
        message = render([], now=NOW, zone=SEOUL, days=7)

        assert message.subject == "NCP certificates: All clear: 0 certificates watched"
        assert "No watched certificate has an expiry ahead." in message.text

    def test_names_from_ncp_are_cleaned_and_escaped_for_slack(self):
        verdicts = [verdict(1, "<b>&\u202eevil\n.example.com", "2027-09-01T00:00:00Z")]

        message = render(verdicts, now=NOW, zone=SEOUL, days=7)

        section = message.slack["blocks"][0]["text"]["text"]
        assert "&lt;b&gt;&amp; evil .example.com" in section
        assert "\u202e" not in message.text and "\n.example" not in message.text
