"""Draw the README's picture of the HTML digest: docs/digest-email.png.

    python scripts/screenshot.py            (or: make screenshot)
    python scripts/screenshot.py --print    also print the e-mail and Slack text

Runs the demo's scheduled job at a fixed instant, so the picture can be made
again and only changes when the digest does: the NCP stand-in serves the
sample certificates, SES, SNS and the Slack webhook are local (moto and a
loopback receiver), and headless Chromium draws the HTML message SES was
given. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notifier.demo import SAFE_AWS_ENVIRONMENT  # noqa: E402

#: 2026-12-05 01:07:25 in Seoul: the instant of the README's examples.
INSTANT = datetime(2026, 12, 4, 16, 7, 25, tzinfo=UTC)
PICTURE = ROOT / "docs" / "digest-email.png"
WIDTH = 760


def delivered(now: datetime) -> dict:
    """Run the scheduled job once; return what SES, SNS and Slack were given."""
    os.environ.update(SAFE_AWS_ENVIRONMENT)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE"):
        os.environ.pop(name, None)

    import boto3
    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from notifier import job, terminal
    from notifier.clients import Clients
    from notifier.config import Settings
    from notifier.invocation import RunRequest
    from notifier.testing.aws import SnsInbox
    from notifier.testing.ncp_server import NcpStandIn
    from notifier.testing.samples import demo_certificates
    from notifier.testing.webhook_receiver import WebhookReceiver

    region = SAFE_AWS_ENVIRONMENT["AWS_REGION"]
    with (
        NcpStandIn(demo_certificates(now)) as ncp,
        WebhookReceiver() as slack,
        mock_aws(),
    ):
        boto3.client("sesv2").create_email_identity(EmailIdentity="example.com")
        inbox = SnsInbox(boto3.client("sns"), boto3.client("sqs"))
        settings = Settings.from_env(
            {
                **ncp.environment,
                "SNS_TOPIC_ARN": inbox.topic_arn,
                "SLACK_WEBHOOK_URL": slack.webhook_url,
                "SES_FROM": "cert-alerts@example.com",
                "SES_TO": "ops@example.com",
            }
        )
        with Clients() as clients:
            job.run(
                RunRequest("scheduled", notify=True, dry_run=False),
                settings,
                clients,
                now=now,
            )

        (mail,) = ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages
        (sent,) = inbox.take()
        return {
            "html": mail.body,
            "subject": sent["Subject"],
            "text": sent["Message"],
            "slack": terminal.slack_as_text(slack.messages[0]),
        }


def draw(html: str, picture: Path) -> Path:
    """A screenshot of ``html`` as tall as its content, ``WIDTH`` px wide."""
    from notifier.testing import browser

    with tempfile.TemporaryDirectory(prefix="digest-") as folder:
        page = Path(folder) / "digest.html"
        page.write_text(html, encoding="utf-8")
        height = browser.layout(html, WIDTH, Path(folder)).content_height
        return browser.screenshot(page, picture, width=WIDTH, height=height)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--print", action="store_true", help="also print the e-mail and Slack text"
    )
    parser.add_argument("--out", type=Path, default=PICTURE, help="the PNG to write")
    args = parser.parse_args(argv)

    message = delivered(INSTANT)
    picture = draw(message["html"], args.out)
    print(f"wrote {picture} ({picture.stat().st_size} bytes)")
    if args.print:
        print(f"\n--- e-mail (SNS), subject: {message['subject']}\n{message['text']}")
        print(f"--- Slack message\n{message['slack']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
