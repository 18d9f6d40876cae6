"""Ten thousand certificates: one message per channel, within its limits.

Each message says how many due certificates it left out and how to get the
full list; the report itself leaves nothing out.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifier import digest, job, policy
from notifier.certificate import Certificate
from notifier.clients import Clients
from notifier.config import Settings
from notifier.invocation import RunRequest
from notifier.testing.limits import slack_problems, slack_texts, sns_problems
from notifier.testing.ncp_server import NcpStandIn
from notifier.testing.samples import ncp_date

COUNT = 10_000
THRESHOLDS = (30, 14, 7, 3, 1)
SEOUL = ZoneInfo("Asia/Seoul")
HINT = 'Invoke the function with {"mode": "report"} for the full list.'


def due_certificates(count: int, now: datetime, name=None) -> list[dict]:
    """``count`` certificates that a scheduled run at ``now`` warns about:
    at each threshold, recently expired, or with an unreadable expiry."""
    days = [*THRESHOLDS, -1, -3, None]
    certificates = []
    for number in range(1, count + 1):
        left = days[number % len(days)]
        expiry = (
            "not a date"
            if left is None
            else ncp_date(now + timedelta(days=left, hours=6))
        )
        host = name(number) if name else f"svc{number:05d}.example.com"
        certificates.append(
            {
                "certificateNo": number,
                "certificateName": host,
                "commonName": host,
                "statusCode": "1",
                "notAfter": expiry,
            }
        )
    return certificates


def test_ten_thousand_due_certificates_fit_one_message_per_channel(
    http, receiver, inbox, now
):
    with NcpStandIn(due_certificates(COUNT, now)) as ncp:
        settings = Settings.from_env(
            {
                **ncp.environment,
                "SNS_TOPIC_ARN": inbox.topic_arn,
                "SLACK_WEBHOOK_URL": receiver.webhook_url,
            }
        )
        with Clients(http) as clients:
            report = job.run(
                RunRequest("scheduled", notify=True, dry_run=False),
                settings,
                clients,
                now=now,
                report_hint=HINT,
            )

    assert report["due"] == COUNT
    assert len({entry["certificateNo"] for entry in report["certificates"]}) == COUNT

    [mail] = inbox.messages()
    assert sns_problems(mail["Subject"], mail["Message"]) == []
    assert "10000 need attention" in mail["Subject"]
    shown = mail["Message"].count("\n* ")
    left_out = int(re.search(r"and (\d+) more due certificates", mail["Message"])[1])
    assert shown > 0 and shown + left_out == COUNT
    assert HINT in mail["Message"]

    [slack] = receiver.messages
    assert slack_problems(slack) == []
    texts = slack_texts(slack)
    shown = sum(text.count(" · no. ") for text in texts)
    footer = texts[-1]
    left_out = int(re.search(r"(\d+) more due certificates are not shown", footer)[1])
    assert shown > 0 and shown + left_out == COUNT
    assert digest._mrkdwn(HINT) in footer


def test_limits_hold_when_every_name_is_long_and_all_escapes(now):
    hostile = "&<>" * 3_334
    items = due_certificates(COUNT, now, name=lambda number: f"{number}{hostile}")
    verdicts = [
        policy.judge(Certificate.from_ncp(item), now, THRESHOLDS) for item in items
    ]

    rendered = digest.render(
        verdicts,
        verdicts,
        now=now,
        zone=SEOUL,
        thresholds=THRESHOLDS,
        report_hint=HINT,
    )

    assert sns_problems(rendered.subject, rendered.text) == []
    assert slack_problems(rendered.slack) == []
    assert "more due certificates are not shown" in slack_texts(rendered.slack)[-1]
    assert rendered.due_count == COUNT


@pytest.mark.parametrize("mode", ["text", "slack"])
def test_others_past_the_summary_are_counted_with_where_to_see_them(now, mode):
    due = due_certificates(10, now)
    # Expiring, but on no threshold day: they need attention without being due.
    others = [
        {
            "certificateNo": 100 + n,
            "certificateName": f"other{n}",
            "commonName": f"other{n}.example.com",
            "statusCode": "1",
            "notAfter": ncp_date(now + timedelta(days=20, hours=6)),
        }
        for n in range(COUNT - 10)
    ]
    verdicts = [
        policy.judge(Certificate.from_ncp(item), now, THRESHOLDS)
        for item in due + others
    ]
    due_verdicts = [v for v in verdicts if policy.is_due(v, now, THRESHOLDS, 7)]
    assert len(due_verdicts) == 10

    rendered = digest.render(
        due_verdicts,
        verdicts,
        now=now,
        zone=SEOUL,
        thresholds=THRESHOLDS,
        report_hint=HINT,
    )

    if mode == "text":
        shown = rendered.text.count("\n- other")
        more = re.search(r"- \.\.\. and (\d+) more\. (.*)", rendered.text)
        assert shown + int(more[1]) == COUNT - 10
        assert more[2] == HINT
    else:
        assert slack_problems(rendered.slack) == []
        texts = slack_texts(rendered.slack)
        summary = next(t for t in texts if t.startswith("*Also needing attention*"))
        shown = summary.count("\n• other")
        more = re.search(r"• … and (\d+) more", summary)
        assert shown + int(more[1]) == COUNT - 10
        assert "report" in summary
