"""Hostile values and malformed answers from NCP, end to end through the stand-in.

Names are chosen by whoever owns a certificate, and a gateway or proxy can
mangle an answer: each case gives a correct digest and report, or a clear
error when the answer itself is unusable; never a crash, a lost certificate,
or a message that breaks its channel.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import requests

from notifier import job
from notifier.clients import Clients
from notifier.config import Settings
from notifier.digest import SLACK_SECTION_CHARS
from notifier.errors import NcpResponseError
from notifier.invocation import RunRequest
from notifier.testing._server import Reply
from notifier.testing.limits import slack_problems, slack_texts, sns_problems
from notifier.testing.ncp_server import NcpStandIn
from notifier.testing.samples import ncp_date

SCHEDULED = RunRequest("scheduled", notify=True, dry_run=True)
REPORT = RunRequest("report", notify=False, dry_run=True)

#: Characters that must never reach a message: C0 and C1 controls, the
#: bidirectional overrides and isolates, line and paragraph separators.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u2028\u2029\ufeff\ud800-\udfff]"
)

HOSTILE_NAMES = {
    "slack": "<!channel> renew now <https://evil.example/login|click here> @here",
    "html": "<b>bold</b><script>alert('x')</script>&nbsp;&amp;",
    "jinja": "{{ 7*7 }} {% for x in range(3) %}{{ x }}{% endfor %} {# c #}",
    "controls": "line1\nline2\r\n\x00\x1b[31mred\x07\x7f\x85end",
    "bidi": "\u202egnp.evil\u202c \u2066iso\u2069 \u200fmark",
    "emoji": "🔥 renew me 🎉",
    "cjk": "결제 인증서 支払い証明書",
    "mrkdwn": "*bold* _italic_ ~strike~ `code` > quote",
    "long": "Q" * 10_000,
}


def certificate(number: int, name: str, now: datetime, days: int = 7, **extra):
    """A certificate that a scheduled run at ``now`` is due to warn about."""
    return {
        "certificateNo": number,
        "certificateName": name,
        "commonName": name,
        "statusCode": "1",
        "notAfter": ncp_date(now + timedelta(days=days, hours=6)),
        **extra,
    }


@pytest.fixture
def run(http: requests.Session, now: datetime) -> Callable[..., dict]:
    """Run the job against a stand-in serving ``certificates``; dry run, so
    the report carries the digest as it would have been sent."""

    def run_job(
        certificates: list[dict],
        request: RunRequest = SCHEDULED,
        page_hook=None,
        page_size_cap: int = 100,
    ) -> dict:
        with NcpStandIn(
            certificates, page_hook=page_hook, page_size_cap=page_size_cap
        ) as ncp:
            settings = Settings.from_env(
                {
                    **ncp.environment,
                    "NCP_TIMEOUT_SECONDS": "10",
                }
            )
            return job.run(request, settings, Clients(http), now=now)

    return run_job


@pytest.fixture
def hostile_digest(run, now) -> dict:
    certificates = [
        certificate(number, name, now)
        for number, name in enumerate(HOSTILE_NAMES.values(), start=1)
    ]
    report = run(certificates)
    assert report["due"] == len(HOSTILE_NAMES)
    return report["digest"]


class TestHostileNames:
    def test_every_message_stays_within_its_channel(self, hostile_digest):
        assert slack_problems(hostile_digest["slack"]) == []
        assert sns_problems(hostile_digest["subject"], hostile_digest["text"]) == []

    def test_jinja_syntax_in_a_name_comes_out_literally(self, hostile_digest):
        assert "{{ 7*7 }}" in hostile_digest["text"]
        assert "{% for x in range(3) %}{{ x }}{% endfor %}" in hostile_digest["text"]
        assert any("{{ 7*7 }}" in text for text in slack_texts(hostile_digest["slack"]))
        assert "49" not in hostile_digest["text"]

    def test_slack_mentions_and_links_from_ncp_are_escaped(self, hostile_digest):
        texts = slack_texts(hostile_digest["slack"])
        joined = "\n".join(texts)

        assert "&lt;!channel&gt;" in joined
        assert "&lt;https://evil.example/login|click here&gt;" in joined
        for text in texts:
            assert "<" not in text and ">" not in text
            # Every & begins one of the three escapes Slack knows.
            assert not re.search(r"&(?!amp;|lt;|gt;)", text)

    def test_html_in_a_name_is_plain_text_in_the_email(self, hostile_digest):
        assert "<script>alert('x')</script>" in hostile_digest["text"]

    def test_controls_and_bidi_overrides_never_reach_a_message(self, hostile_digest):
        assert not UNSAFE.search(hostile_digest["text"].replace("\n", " "))
        assert not UNSAFE.search(hostile_digest["subject"])
        for text in slack_texts(hostile_digest["slack"]):
            assert not UNSAFE.search(text.replace("\n", " "))
        assert "line1 line2" in hostile_digest["text"]

    def test_emoji_and_cjk_reach_the_email_and_slack(self, hostile_digest):
        joined = "\n".join(slack_texts(hostile_digest["slack"]))
        for name in (HOSTILE_NAMES["emoji"], HOSTILE_NAMES["cjk"]):
            assert name in hostile_digest["text"]
            assert name in joined

    def test_the_subject_stays_one_short_printable_ascii_line(self, hostile_digest):
        subject = hostile_digest["subject"]

        assert 0 < len(subject) < 100
        assert all(" " <= ch <= "~" for ch in subject)

    def test_a_long_name_is_shortened_in_messages_and_whole_in_the_report(
        self, run, now
    ):
        report = run([certificate(1, HOSTILE_NAMES["long"], now)])

        assert report["certificates"][0]["certificateName"] == "Q" * 10_000
        # Shortened to 120 characters, the last one an ellipsis.
        runs = re.findall("Q+…?", report["digest"]["text"])
        assert runs and all(run == "Q" * 119 + "…" for run in runs)
        for text in slack_texts(report["digest"]["slack"]):
            assert len(text) <= SLACK_SECTION_CHARS
            assert all(len(run) == 119 for run in re.findall("Q+", text))

    def test_a_lone_surrogate_becomes_a_replacement_character(self, run, now):
        # Only a JSON escape can carry half a surrogate pair; no UTF-8 can.
        page = {
            "returnCode": "0",
            "totalCount": 1,
            "sslCertificateList": [certificate(1, "bad\ud800half", now)],
        }
        body = json.dumps(page).encode()
        assert b"\\ud800" in body

        report = run([], page_hook=lambda page_no, payload: json.loads(body))

        assert report["certificates"][0]["certificateName"] == "bad\ufffdhalf"
        json.dumps(report, ensure_ascii=False).encode("utf-8")
        json.dumps(report["digest"]["slack"], ensure_ascii=False).encode("utf-8")
        report["digest"]["text"].encode("utf-8")


class TestFieldsOfTheWrongType:
    def test_a_certificate_number_sent_as_text_is_read_as_the_number(self, run, now):
        report = run([certificate("102403", "text-number", now)])

        assert report["certificates"][0]["certificateNo"] == 102403

    def test_a_number_in_digits_int_refuses_stays_text(self, run, now):
        report = run([certificate("²", "superscript", now)])

        assert report["certificates"][0]["certificateNo"] == "²"
        assert report["due"] == 1

    def test_unreadable_fields_are_reported_never_dropped(self, run, now):
        odd = {
            "certificateNo": 7,
            "certificateName": 12345,
            "commonName": None,
            "statusCode": "active?",
            "notAfter": 20270112,
            "usedInstanceNoList": "21873521",
        }
        report = run([odd, certificate(8, "fine", now)])

        entry = next(e for e in report["certificates"] if e["certificateNo"] == 7)
        assert entry["certificateName"] == "12345"
        assert entry["state"] == "unknown"
        assert entry["notAfterRaw"] == "20270112"
        assert entry["inUse"] is True
        assert report["due"] == 2
        assert "has an expiry that cannot be read" in report["digest"]["text"]

    @pytest.mark.parametrize("total", ["missing", None])
    def test_a_missing_total_count_reads_until_an_empty_page(self, run, now, total):
        def unreadable(page: int, payload: dict) -> dict:
            if total == "missing":
                del payload["totalCount"]
            else:
                payload["totalCount"] = total
            return payload

        stored = [certificate(n, f"c{n}", now) for n in range(1, 26)]
        report = run(stored, REPORT, page_hook=unreadable, page_size_cap=10)

        assert report["counts"]["total"] == 25

    @pytest.mark.parametrize("total", ["many", -5, True, 2.5, "²"])
    def test_an_unreadable_total_count_is_an_error_not_a_guess(self, run, now, total):
        def unreadable(page: int, payload: dict) -> dict:
            payload["totalCount"] = total
            return payload

        stored = [certificate(n, f"c{n}", now) for n in range(1, 26)]
        with pytest.raises(NcpResponseError, match="not a whole number"):
            run(stored, REPORT, page_hook=unreadable, page_size_cap=10)

    def test_a_total_count_too_high_is_a_clear_error(self, run, now):
        def too_high(page: int, payload: dict) -> dict:
            payload["totalCount"] = 30
            return payload

        stored = [certificate(n, f"c{n}", now) for n in range(1, 26)]
        with pytest.raises(NcpResponseError, match="announced 30.*only 25.*incomplete"):
            run(stored, REPORT, page_hook=too_high, page_size_cap=10)

    def test_a_total_count_too_low_keeps_every_certificate_on_the_page(
        self, run, now, caplog
    ):
        def too_low(page: int, payload: dict) -> dict:
            payload["totalCount"] = 10
            return payload

        stored = [certificate(n, f"c{n}", now) for n in range(1, 31)]
        with caplog.at_level(logging.WARNING, logger="notifier"):
            report = run(stored, REPORT, page_hook=too_low)

        assert report["counts"]["total"] == 30
        assert "announced 10 certificates but listed 30" in caplog.text

    def test_a_null_certificate_list_is_a_clear_error(self, run, now):
        def null_list(page: int, payload: dict) -> dict:
            payload["sslCertificateList"] = None
            return payload

        with pytest.raises(NcpResponseError, match="no sslCertificateList list"):
            run([certificate(1, "a", now)], page_hook=null_list)

    def test_a_null_list_with_a_zero_count_is_an_empty_account(self, run):
        def null_list(page: int, payload: dict) -> dict:
            payload["sslCertificateList"] = None
            return payload

        report = run([], REPORT, page_hook=null_list)

        assert report["counts"]["total"] == 0

    def test_an_entry_that_is_not_an_object_is_a_clear_error(self, run, now):
        def with_null(page: int, payload: dict) -> dict:
            payload["sslCertificateList"].append(None)
            return payload

        with pytest.raises(NcpResponseError, match="NoneType where a certificate"):
            run([certificate(1, "a", now)], page_hook=with_null)

    def test_a_body_nested_too_deep_for_json_is_a_clear_error(self, http, now):
        with NcpStandIn([certificate(1, "a", now)]) as ncp:
            ncp.script(Reply(body=b"[" * 200_000))
            settings = Settings.from_env(
                {
                    **ncp.environment,
                }
            )
            with pytest.raises(NcpResponseError, match="not a JSON object"):
                job.run(REPORT, settings, Clients(http), now=now)


class TestPagesThatOverlap:
    def test_the_same_certificate_on_two_pages_is_counted_once(self, run, now):
        stored = [certificate(n, f"c{n}", now) for n in range(1, 26)]

        def shifted(page: int, payload: dict) -> dict:
            # The list moved by one while it was read: page 2 begins with the
            # certificate that ended page 1.
            if page == 2:
                payload["sslCertificateList"].insert(0, dict(stored[9]))
            return payload

        report = run(stored, REPORT, page_hook=shifted, page_size_cap=10)

        numbers = [entry["certificateNo"] for entry in report["certificates"]]
        assert sorted(numbers) == list(range(1, 26))

    def test_a_page_that_only_repeats_earlier_ones_is_an_error_not_a_loop(
        self, http, now
    ):
        stored = [certificate(n, f"c{n}", now) for n in range(1, 26)]

        def always_first(page: int, payload: dict) -> dict:
            payload["sslCertificateList"] = [dict(c) for c in stored[:10]]
            return payload

        with NcpStandIn(stored, page_size_cap=10, page_hook=always_first) as ncp:
            settings = Settings.from_env(
                {
                    **ncp.environment,
                }
            )
            with pytest.raises(NcpResponseError, match="only certificates already"):
                job.run(REPORT, settings, Clients(http), now=now)

        assert len(ncp.requests) == 2


class TestCalendarEdges:
    def test_an_expiry_at_the_end_of_the_calendar_reads_as_far_away(self, run, now):
        far = certificate(1, "no-expiry", now)
        far["notAfter"] = "9999-12-31 23:59:59(UTC-09:00)"
        report = run([far], REPORT)

        entry = report["certificates"][0]
        assert entry["state"] == "ok"
        assert entry["notAfter"].startswith("9999-12-31")

    def test_an_expiry_at_the_start_of_the_calendar_is_shown_not_a_crash(
        self, http, now
    ):
        ancient = certificate(1, "ancient", now)
        ancient["notAfter"] = "0001-01-01 00:00:00(UTC+09:00)"
        with NcpStandIn([ancient]) as ncp:
            settings = Settings.from_env(
                {
                    **ncp.environment,
                }
            )
            report = job.run(
                RunRequest("report", notify=True, dry_run=True),
                settings,
                Clients(http),
                now=now,
            )

        assert report["certificates"][0]["state"] == "expired"
        assert "0001-01-01" in report["digest"]["text"]
