"""Print how many DynamoDB requests a scheduled run makes, by account size.

On-demand tables bill per request, so the count is the cost. Runs the real
job against the local NCP stand-in, with SNS and DynamoDB in moto and a
local Slack receiver; nothing leaves the machine. Times are of moto on this
machine, shown only to spot a regression, not as AWS latency.

    .venv/bin/python scripts/state_cost.py [N ...]
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from notifier.demo import SAFE_AWS_ENVIRONMENT  # noqa: E402


def measure(count: int) -> list[str]:
    import boto3
    from moto import mock_aws

    from notifier import job
    from notifier.clients import Clients
    from notifier.config import Settings
    from notifier.invocation import RunRequest
    from notifier.testing.aws import Faulty, SnsInbox, create_state_table
    from notifier.testing.ncp_server import NcpStandIn
    from notifier.testing.samples import many_certificates
    from notifier.testing.webhook_receiver import WebhookReceiver

    now = datetime.now(UTC).replace(microsecond=0)
    lines = []
    with (
        mock_aws(),
        NcpStandIn(many_certificates(count, now)) as ncp,
        WebhookReceiver() as slack,
    ):
        dynamodb = Faulty(boto3.client("dynamodb"), {})
        inbox = SnsInbox(boto3.client("sns"), boto3.client("sqs"))
        settings = Settings.from_env(
            {
                **ncp.environment,
                "SNS_TOPIC_ARN": inbox.topic_arn,
                "SLACK_WEBHOOK_URL": slack.webhook_url,
                "STATE_TABLE": create_state_table(dynamodb),
            }
        )
        made = {"dynamodb": dynamodb, "sns": boto3.client("sns")}
        request = RunRequest("scheduled", notify=True, dry_run=False)
        for label, at in (("first run", now), ("next day", now + timedelta(days=1))):
            dynamodb.calls.clear()
            with Clients(aws_client=made.__getitem__) as clients:
                started = time.perf_counter()
                report = job.run(request, settings, clients, now=at)
                seconds = time.perf_counter() - started
            calls = Counter(dynamodb.calls)
            lines.append(
                f"{count:>6} certificates  {label:<9}  due {report['due']:>5}  "
                f"DynamoDB requests {sum(calls.values()):>6} "
                f"({', '.join(f'{k} {v}' for k, v in sorted(calls.items()))})  "
                f"{seconds:6.2f} s"
            )
    return lines


def main(argv: list[str]) -> int:
    os.environ.update(SAFE_AWS_ENVIRONMENT)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE"):
        os.environ.pop(name, None)
    for count in [int(arg) for arg in argv] or [14, 200, 1000]:
        for line in measure(count):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
