"""The README shows what the code does: its picture of the HTML digest can be
drawn again, and the errors its troubleshooting quotes are the ones the code
produces, word for word."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from notifier import job
from notifier.clients import Clients
from notifier.config import Settings
from notifier.errors import NotifierError
from notifier.invocation import RunRequest
from notifier.testing import browser
from notifier.testing.ncp_server import NcpStandIn, subaccount_forbidden
from notifier.testing.samples import demo_certificates
from notifier.testing.webhook_receiver import WebhookReceiver, gone

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
TROUBLESHOOTING = README[README.index("## Troubleshooting") :]
PICTURE = "docs/digest-email.png"
SCHEDULED = RunRequest("scheduled", notify=True, dry_run=False)


def quoted(error: NotifierError) -> str:
    """An error as the troubleshooting section quotes it."""
    return f"{type(error).__name__}: {error}"


def failure(ncp: NcpStandIn, **env: str) -> NotifierError:
    """The error a scheduled run against ``ncp`` ends in."""
    settings = Settings.from_env(
        {
            **ncp.environment,
            **env,
        }
    )
    now = datetime.now(UTC)
    with Clients() as clients, pytest.raises(NotifierError) as error:
        job.run(SCHEDULED, settings, clients, now=now)
    return error.value


@pytest.fixture
def ncp() -> Iterator[NcpStandIn]:
    with NcpStandIn(demo_certificates(datetime.now(UTC))) as server:
        yield server


@pytest.fixture
def slack() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


class TestPicture:
    def test_the_readme_shows_the_committed_picture_of_the_html_digest(self):
        width, height, colours = browser.png_colours(ROOT / PICTURE)

        assert f"]({PICTURE})" in README
        assert width == 760 and height > 800
        assert len(colours) > 100, "a drawing, not a blank page"

    def test_the_screenshot_script_draws_it_again(self, tmp_path):
        drawn = tmp_path / "digest.png"

        subprocess.run(  # noqa: S603 - this interpreter, our own script
            [sys.executable, str(ROOT / "scripts/screenshot.py"), "--out", str(drawn)],
            check=True,
            capture_output=True,
            timeout=300,
        )

        width, height, colours = browser.png_colours(drawn)
        assert width == 760 and height > 800
        assert colours[(0xB4, 0x23, 0x18)] > 300, "the expired certificate's red"


class TestTroubleshootingQuotesTheCode:
    def test_a_wrong_key(self, ncp, slack):
        error = failure(ncp, NCP_SECRET_KEY="wrong", SLACK_WEBHOOK_URL=slack.url)

        assert quoted(error) in TROUBLESHOOTING

    def test_clock_skew_gives_the_same_message(self, slack):
        now = datetime.now(UTC)
        six_minutes_ahead = lambda: time.time() + 360  # noqa: E731

        with NcpStandIn(demo_certificates(now), clock=six_minutes_ahead) as ncp:
            error = failure(ncp, SLACK_WEBHOOK_URL=slack.webhook_url)

        assert "HTTP 401" in str(error)
        assert quoted(error) in TROUBLESHOOTING

    def test_a_sub_account_key(self, ncp, slack):
        ncp.script(subaccount_forbidden())

        error = failure(ncp, SLACK_WEBHOOK_URL=slack.webhook_url)

        assert quoted(error) in TROUBLESHOOTING

    def test_a_webhook_that_does_not_exist(self, ncp, slack):
        error = failure(ncp, SLACK_WEBHOOK_URL=slack.url + "/services/T0/B0/gone")

        assert quoted(error) in TROUBLESHOOTING

    def test_an_archived_channel(self, ncp, slack):
        slack.script(gone())

        error = failure(ncp, SLACK_WEBHOOK_URL=slack.webhook_url)

        assert quoted(error) in TROUBLESHOOTING

    def test_an_unverified_ses_identity(self, ncp):
        with mock_aws():
            boto3.client("sesv2").create_email_identity(EmailIdentity="example.org")
            error = failure(
                ncp, SES_FROM="cert-alerts@example.com", SES_TO="ops@example.com"
            )

        # After "MessageRejected: " comes SES's own text, which moto words
        # differently; the README quotes what SES itself says.
        ours, ses_text = str(error).split("MessageRejected: ", 1)
        hint = ses_text[ses_text.rindex(" (verify") :]
        assert f"{type(error).__name__}: {ours}MessageRejected: " in TROUBLESHOOTING
        assert hint in TROUBLESHOOTING

    def test_every_ses_hint_quoted_is_one_the_channel_gives(self):
        source = (ROOT / "notifier/channels/ses.py").read_text()
        hints = {
            node.value
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
        quotes = re.findall(r"^DeliveryError: .*ses: .*\((.+?)\)\)$", README, re.M)

        assert len(quotes) == 2
        for quote in quotes:
            assert quote in hints
