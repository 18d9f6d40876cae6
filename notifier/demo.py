"""The whole job against local stand-ins, for a first look without an account.

Starts the NCP stand-in with sample certificates around the thresholds, a
Slack-compatible receiver and an in-process SNS (moto, with a queue
subscribed so the e-mail can be read back), runs the real scheduled job with
signed requests, and prints what each channel received. Nothing leaves this
machine: every client points at loopback or at moto.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime

#: Dummy AWS settings: boto3 must never look for real credentials or probe
#: the instance metadata address while the demo runs.
SAFE_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "demo",
    "AWS_SECRET_ACCESS_KEY": "demo",
    "AWS_SESSION_TOKEN": "demo",
    "AWS_DEFAULT_REGION": "ap-northeast-2",
    "AWS_REGION": "ap-northeast-2",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def main(out=sys.stdout) -> int:
    os.environ.update(SAFE_AWS_ENVIRONMENT)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE"):
        os.environ.pop(name, None)

    import boto3
    from moto import mock_aws

    from . import job, terminal
    from .clients import Clients
    from .config import Settings
    from .invocation import RunRequest
    from .testing.aws import SnsInbox
    from .testing.ncp_server import NcpStandIn
    from .testing.samples import demo_certificates
    from .testing.webhook_receiver import WebhookReceiver

    now = datetime.now(UTC)
    certificates = demo_certificates(now)
    with NcpStandIn(certificates) as ncp, WebhookReceiver() as slack, mock_aws():
        inbox = SnsInbox(boto3.client("sns"), boto3.client("sqs"), "ncp-cert-expiry")

        settings = Settings.from_env(
            {
                **ncp.environment,
                "SNS_TOPIC_ARN": inbox.topic_arn,
                "SLACK_WEBHOOK_URL": slack.webhook_url,
            }
        )
        with Clients() as clients:
            report = job.run(
                RunRequest("scheduled", notify=True, dry_run=False),
                settings,
                clients,
                now=now,
            )
        envelopes = inbox.take()

    print(
        f"NCP stand-in: {len(certificates)} sample certificates, "
        f"{len(ncp.requests)} signed requests checked",
        file=out,
    )
    print(
        f"Scheduled run: {report['due']} certificates due, deliveries: "
        + ", ".join(f"{k} {v['status']}" for k, v in report["deliveries"].items()),
        file=out,
    )
    for envelope in envelopes:
        _rule(f"E-mail (SNS): {envelope.get('Subject', '')}", out)
        print(envelope["Message"], file=out)
    for message in slack.messages:
        _rule("Slack message", out)
        print(terminal.slack_as_text(message), file=out)
    _rule('Report ({"mode": "report"} returns this as JSON)', out)
    print(terminal.report_table(report), file=out)
    return 0


def _rule(title: str, out) -> None:
    print(f"\n── {title} " + "─" * max(4, 72 - len(title)), file=out)
