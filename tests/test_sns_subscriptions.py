"""The report warns when the SNS topic would deliver the digest to nobody.

moto confirms every subscription at once (``subscribe`` answers with a real
ARN), so it can show a topic with no subscription and one with a confirmed
subscription, but never one pending confirmation. The pending cases are
checked on listings shaped as SNS documents ``ListSubscriptionsByTopic``:
``SubscriptionArn`` is ``PendingConfirmation`` until the link is followed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from notifier import job
from notifier.channels import sns_subscriptions
from notifier.clients import Clients
from notifier.config import Settings
from notifier.invocation import REPORT, SCHEDULED, RunRequest
from notifier.testing.ncp_server import NcpStandIn
from notifier.testing.samples import demo_certificates

TOPIC = "arn:aws:sns:ap-northeast-2:123456789012:cert-expiry"
NOW = datetime.now(UTC)


def subscription(
    arn: str, protocol: str = "email", endpoint: str = "ops@example.com"
) -> dict:
    return {
        "SubscriptionArn": arn,
        "Owner": "123456789012",
        "Protocol": protocol,
        "Endpoint": endpoint,
        "TopicArn": TOPIC,
    }


CONFIRMED = subscription(f"{TOPIC}:8a21d249-4329-4871-acc6-7be709c6ea7f")
PENDING = subscription("PendingConfirmation", endpoint="oncall@example.com")


class TestJudge:
    def test_a_confirmed_subscription_is_enough(self):
        assert sns_subscriptions.judge(TOPIC, [CONFIRMED]) == []

    def test_no_subscription_reaches_nobody(self):
        (warning,) = sns_subscriptions.judge(TOPIC, [])

        assert warning.startswith(f"SNS topic {TOPIC} has no subscription")

    def test_only_pending_reaches_nobody_and_names_the_inbox(self):
        (warning,) = sns_subscriptions.judge(TOPIC, [PENDING])

        assert "has no confirmed subscription" in warning
        assert "1 still pending confirmation (oncall@example.com)" in warning

    def test_pending_beside_a_confirmed_one_is_named(self):
        (warning,) = sns_subscriptions.judge(TOPIC, [CONFIRMED, PENDING])

        assert "1 subscription(s) still pending confirmation" in warning
        assert "oncall@example.com" in warning

    def test_an_http_endpoint_is_not_shown(self):
        hook = subscription(
            "PendingConfirmation", "https", "https://hooks.example.com/sns?token=abc123"
        )

        (warning,) = sns_subscriptions.judge(TOPIC, [CONFIRMED, hook])

        assert "(https)" in warning
        assert "abc123" not in warning

    def test_a_deleted_subscription_does_not_count_as_confirmed(self):
        (warning,) = sns_subscriptions.judge(TOPIC, [subscription("Deleted")])

        assert "has no confirmed subscription" in warning


@pytest.fixture
def sns():
    with mock_aws():
        yield boto3.client("sns")


class TestAgainstMoto:
    def test_a_topic_without_subscriptions_is_warned_about(self, sns):
        topic = sns.create_topic(Name="cert-expiry")["TopicArn"]

        (warning,) = sns_subscriptions.warnings(sns, topic)

        assert "has no subscription" in warning

    def test_an_email_subscription_moto_confirmed_gives_no_warning(self, sns):
        topic = sns.create_topic(Name="cert-expiry")["TopicArn"]
        arn = sns.subscribe(
            TopicArn=topic, Protocol="email", Endpoint="ops@example.com"
        )["SubscriptionArn"]

        # What moto reports: the subscription is confirmed at once.
        assert arn.startswith(topic + ":")
        assert sns_subscriptions.warnings(sns, topic) == []

    def test_a_topic_that_cannot_be_read_is_a_warning_not_an_error(self, sns):
        missing = "arn:aws:sns:ap-northeast-2:123456789012:no-such-topic"

        (warning,) = sns_subscriptions.warnings(sns, missing)

        assert warning.startswith(
            f"could not check the subscriptions of SNS topic {missing} (NotFound)"
        )
        assert warning.endswith("the topic does not exist: check SNS_TOPIC_ARN")


class TestInTheReport:
    def run(self, mode: str, topic: str) -> dict:
        with NcpStandIn(demo_certificates(NOW)) as ncp, Clients() as clients:
            settings = Settings.from_env(
                {
                    **ncp.environment,
                    "SNS_TOPIC_ARN": topic,
                }
            )
            request = RunRequest(mode, notify=mode == SCHEDULED, dry_run=False)
            return job.run(request, settings, clients, now=NOW)

    def test_a_report_carries_the_warning(self, sns):
        topic = sns.create_topic(Name="cert-expiry")["TopicArn"]

        report = self.run(REPORT, topic)

        assert len(report["warnings"]) == 1
        assert "reaches nobody" in report["warnings"][0]

    def test_a_scheduled_run_publishes_without_checking(self, sns, caplog):
        topic = sns.create_topic(Name="cert-expiry")["TopicArn"]

        report = self.run(SCHEDULED, topic)

        assert report["deliveries"]["sns"]["status"] == "sent"
        assert report["warnings"] == []
        assert not [r for r in caplog.records if r.levelname == "WARNING"]

    def test_a_confirmed_topic_gives_an_empty_list(self, sns):
        topic = sns.create_topic(Name="cert-expiry")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")

        assert self.run(REPORT, topic)["warnings"] == []

    def test_no_topic_no_check(self):
        with NcpStandIn(demo_certificates(NOW)) as ncp, Clients() as clients:
            settings = Settings.from_env(
                {
                    **ncp.environment,
                }
            )
            report = job.run(
                RunRequest(REPORT, notify=False, dry_run=False),
                settings,
                clients,
                now=NOW,
            )

        assert report["warnings"] == []
