"""Rendering the digest: e-mail text, SNS subject and Slack Block Kit."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifier import digest
from notifier.certificate import Certificate
from notifier.policy import is_due, judge
from notifier.testing.samples import demo_certificates, ncp_date

NOW = datetime(2027, 1, 15, 3, 0, tzinfo=UTC)
THRESHOLDS = (30, 14, 7, 3, 1)
HINT = 'Invoke the function with {"mode": "report"} for the full list.'
SNS_MESSAGE_LIMIT = 256 * 1024


def render(items: list[dict], zone: str = "Asia/Seoul") -> digest.Digest:
    verdicts = [judge(Certificate.from_ncp(i), NOW, THRESHOLDS) for i in items]
    due = [v for v in verdicts if is_due(v, NOW, THRESHOLDS, 7)]
    return digest.render(
        due,
        verdicts,
        now=NOW,
        zone=ZoneInfo(zone),
        thresholds=THRESHOLDS,
        report_hint=HINT,
    )


def expiring(number: int, name: str, days: int = 7, **fields) -> dict:
    return {
        "certificateNo": number,
        "certificateName": name,
        "commonName": fields.pop("commonName", f"{name}.example.com"),
        "statusCode": "1",
        "notAfter": ncp_date(NOW + timedelta(days=days, hours=6)),
        **fields,
    }


def slack_texts(message: dict) -> list[str]:
    texts = []
    for block in message["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(element["text"] for element in block.get("elements", []))
    return texts


@pytest.fixture(scope="module")
def demo() -> digest.Digest:
    return render(demo_certificates(NOW))


class TestText:
    def test_headline_counts_what_is_due(self, demo):
        assert demo.text.splitlines()[0] == (
            "7 NCP certificates need attention: 1 expired, 5 expiring, "
            "1 with unknown expiry"
        )
        assert demo.due_count == 7

    def test_due_certificates_come_first_most_urgent_first(self, demo):
        order = [
            "legacy.example.com",  # expired 2 days ago
            "cdn.example.com",  # 1 day
            "login.example.kr",  # 3 days
            "api.example.com",  # 7 days
            "shop.example.kr",  # 14 days
            "www.example.com",  # 30 days
            "broken.example.com",  # expiry unknown
            "Also needing attention:",
            "old.example.kr",  # expired 40 days ago: past the reminders
            "pay.example.kr",  # 0 days: not a threshold day
            "mail.example.com",  # 20 days: not a threshold day
            "Watched: 14 certificates",
        ]
        positions = [demo.text.index(marker) for marker in order]

        assert positions == sorted(positions)

    def test_each_due_certificate_shows_name_common_name_days_and_local_expiry(
        self, demo
    ):
        block = demo.text.split("* cdn.example.com")[1].split("\n*")[0]

        assert block.startswith(" expires in 1 day\n")
        assert "name: cdn-example-com-edge, certificate no. 102405" in block
        assert "expiry: 2027-01-16 18:00 KST (UTC+09:00)" in block
        assert "IN USE by 30011234" in block

    def test_an_unreadable_expiry_shows_what_ncp_sent(self, demo):
        assert "broken.example.com has an expiry that cannot be read" in demo.text
        assert 'expiry: NCP sent "not-a-date"' in demo.text

    def test_ok_and_inactive_certificates_are_only_counted(self, demo):
        for name in ("portal", "wildcard", "revoked", "new.example.com"):
            assert name not in demo.text
        assert "(2 expired, 7 expiring, 1 unknown, 2 ok, 2 inactive)" in demo.text

    def test_times_are_shown_in_the_configured_zone_with_its_offset(self):
        items = [expiring(1, "one", days=1)]

        seoul = render(items, "Asia/Seoul").text
        utc = render(items, "UTC").text
        new_york = render(items, "America/New_York").text

        assert "2027-01-16 18:00 KST (UTC+09:00)" in seoul
        assert "2027-01-16 09:00 UTC (UTC+00:00)" in utc
        assert "2027-01-16 04:00 EST (UTC-05:00)" in new_york
        assert "Checked at 2027-01-14 22:00 EST (UTC-05:00)" in new_york

    def test_an_expiry_at_the_edge_of_the_calendar_renders_in_utc(self):
        # Year 1 at +09:00 lies before what datetime holds west of UTC.
        ancient = expiring(2, "ancient")
        ancient["notAfter"] = "0001-01-01 00:00:00(UTC+09:00)"

        text = render([expiring(1, "due"), ancient], "America/New_York").text

        assert "ancient.example.com expired" in text
        assert "(0001-01-01 00:00 UTC (UTC+00:00))" in text

    def test_control_and_direction_characters_from_ncp_are_removed(self):
        text = render(
            [expiring(1, "a\u202eevil\x1b[31m", commonName="x\r\ny.example.com")]
        ).text

        assert "\u202e" not in text and "\x1b" not in text
        assert "x y.example.com" in text

    def test_the_body_stays_under_the_sns_limit_and_counts_what_is_cut(self):
        name = "인증서" * 60  # 3 bytes a character, cut to 120 characters
        items = [
            expiring(n, f"{name}{n}", commonName=f"{name}.example.kr")
            for n in range(4000)
        ]

        text = render(items).text

        assert len(text.encode()) < SNS_MESSAGE_LIMIT
        shown = len(re.findall(r"^\* ", text, re.MULTILINE))
        cut = re.search(r"\.\.\. and (\d+) more due certificates not shown", text)
        assert cut and shown + int(cut.group(1)) == 4000
        assert HINT in text


class TestSubject:
    def test_subject_summarises_several_due_certificates(self, demo):
        assert demo.subject == (
            "NCP certificates: 7 need attention (5 expiring, 1 expired, 1 unknown)"
        )

    def test_subject_names_a_single_due_certificate(self):
        assert render([expiring(1, "solo", days=3)]).subject == (
            "NCP certificate solo.example.com expires in 3 days"
        )

    def test_a_hostile_name_gives_a_one_line_ascii_subject_under_100(self):
        hostile = "évil\r\nBcc: all@example.com\t인증서\u202e" + "x" * 300
        subject = render([expiring(1, "n", commonName=hostile)]).subject

        assert subject.isascii() and subject.isprintable()
        assert len(subject) < 100
        assert "\n" not in subject and "\r" not in subject
        assert subject.startswith("NCP certificate evil Bcc: all@example.com")

    @settings(max_examples=60, deadline=None)
    @given(st.text(max_size=300))
    def test_any_common_name_gives_a_valid_sns_subject(self, name):
        subject = render([expiring(1, "n", commonName=name)]).subject

        assert subject.isascii() and subject.isprintable()
        assert 0 < len(subject) < 100
        assert subject[0] not in " \t"


class TestSlack:
    def test_the_message_has_a_text_fallback_and_blocks(self, demo):
        assert demo.slack["text"] == (
            "7 NCP certificates need attention: 1 expired, 5 expiring, "
            "1 with unknown expiry"
        )
        assert demo.slack["blocks"][0]["type"] == "header"
        assert demo.slack["blocks"][-1]["type"] == "context"
        body = "\n".join(slack_texts(demo.slack))
        assert "*cdn.example.com* expires in 1 day" in body
        assert "*Also needing attention*" in body
        assert "14 certificates watched" in body

    def test_slack_markup_in_ncp_values_is_escaped(self):
        name = "<!channel> & <https://evil.example|click here>"
        message = render(
            [expiring(1, name, commonName=name), expiring(2, name, days=20)]
        ).slack

        dumped = json.dumps(message, ensure_ascii=False)
        assert "<!channel>" not in dumped and "<https://" not in dumped
        texts = "\n".join(slack_texts(message))
        assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click here&gt;" in texts
        # name and common name of the due one, common name of the other
        assert texts.count("&lt;!channel&gt;") == 3

    def test_template_syntax_in_a_name_comes_out_literally(self):
        rendered = render([expiring(1, "{{ 7*7 }}", commonName="{% raw %}{{ 7*7 }}")])

        for text in (rendered.text, json.dumps(rendered.slack), rendered.subject):
            assert "{{ 7*7 }}" in text
            assert "49" not in text

    def test_too_many_due_certificates_fit_the_limits_and_say_how_many_are_left_out(
        self,
    ):
        items = [
            expiring(n, f"cert-{n:04d}-" + "&" * 100, commonName=f"h{n}.example.com")
            for n in range(600)
        ]

        message = render(items).slack

        assert len(message["blocks"]) <= 50
        assert all(len(text) <= 3000 for text in slack_texts(message))
        assert len(message["blocks"][0]["text"]["text"]) <= 150
        shown = sum(
            text.count(":large_orange_circle:") for text in slack_texts(message)
        )
        footer = message["blocks"][-1]["elements"][0]["text"]
        left_out = re.search(r"\*(\d+) more due certificates are not shown\.\*", footer)
        assert left_out and shown + int(left_out.group(1)) == 600
        assert "report" in footer

    def test_others_that_do_not_fit_are_counted_not_dropped(self):
        items = [expiring(0, "due", days=7)] + [
            expiring(n, f"o{n}", days=20, commonName="&" * 200) for n in range(1, 31)
        ]

        summary = render(items).slack["blocks"][-2]["text"]["text"]

        assert len(summary) <= 3000
        listed = summary.count("expires in 20 days")
        more = re.search(r"… and (\d+) more\. ", summary)
        assert more and listed + int(more.group(1)) == 30
        assert HINT in summary

    def test_many_others_are_summarised_with_a_count(self):
        items = [expiring(0, "due", days=7)] + [
            expiring(n, f"o{n}", days=20) for n in range(1, 26)
        ]

        rendered = render(items)
        summary = rendered.slack["blocks"][-2]["text"]["text"]

        assert summary.count("expires in 20 days") == digest.OTHERS_SHOWN
        assert "… and 5 more." in summary
        assert "- ... and 5 more." in rendered.text


def test_a_line_cut_to_fit_a_slack_section_leaves_no_half_entity():
    line = "x" * (digest.SLACK_SECTION_CHARS - 3) + "&amp;&amp;"

    (section,), shown = digest._pack([line], 1)

    assert shown == 1
    assert len(section) <= digest.SLACK_SECTION_CHARS
    assert section.endswith("x…")
