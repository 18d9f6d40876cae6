"""The SES channel: one HTML e-mail with its plain-text alternative, sent
through SES v2 (moto), and a channel like the others in a run."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from notifier import delivery, digest, job, policy
from notifier.certificate import Certificate
from notifier.channels.ses import SesChannel
from notifier.clients import Clients
from notifier.config import Settings
from notifier.errors import ChannelError, DeliveryError
from notifier.invocation import RunRequest
from notifier.testing.aws import create_state_table
from notifier.testing.ncp_server import NcpStandIn
from notifier.testing.samples import demo_certificates
from notifier.testing.webhook_receiver import WebhookReceiver

NOW = datetime(2027, 1, 15, 3, 0, tzinfo=UTC)
REGION = "ap-northeast-2"
SENDER = "cert-alerts@example.com"
RECIPIENTS = ("ops@example.com", "oncall@example.org")
SCHEDULED = RunRequest("scheduled", notify=True, dry_run=False)


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def sesv2(aws):
    """An SES v2 client in which example.com is a verified domain identity."""
    client = boto3.client("sesv2", region_name=REGION)
    client.create_email_identity(EmailIdentity="example.com")
    return client


@pytest.fixture
def rendered() -> digest.Digest:
    thresholds = (30, 14, 7, 3, 1)
    verdicts = [
        policy.judge(Certificate.from_ncp(item, "v2"), NOW, thresholds)
        for item in demo_certificates(NOW)
    ]
    due = [v for v in verdicts if policy.is_due(v, NOW, thresholds, 7)]
    return digest.render(
        due,
        verdicts,
        now=NOW,
        zone=ZoneInfo("Asia/Seoul"),
        thresholds=thresholds,
        report_hint="Ask for a report.",
    )


def sent_requests(client) -> list[dict]:
    """Every SendEmail request body the client puts on the wire, as sent."""
    bodies: list[dict] = []

    def keep(request, **_: object) -> None:
        bodies.append(json.loads(request.body))

    client.meta.events.register("before-send.sesv2.SendEmail", keep)
    return bodies


def stored_messages() -> list:
    """What moto's SES kept; no SES API reads a sent message back."""
    return ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages


class TestSend:
    def test_one_message_carries_subject_html_and_text_to_every_recipient(
        self, sesv2, rendered
    ):
        wire = sent_requests(sesv2)

        receipt = SesChannel(sesv2, SENDER, RECIPIENTS).send(rendered)

        assert receipt
        (request,) = wire
        assert request["FromEmailAddress"] == SENDER
        assert request["Destination"] == {"ToAddresses": list(RECIPIENTS)}
        simple = request["Content"]["Simple"]
        assert simple["Subject"] == {"Data": rendered.subject, "Charset": "UTF-8"}
        assert simple["Body"]["Html"] == {"Data": rendered.html, "Charset": "UTF-8"}
        assert simple["Body"]["Text"] == {"Data": rendered.text, "Charset": "UTF-8"}

    def test_ses_accepts_it_and_counts_every_recipient(self, sesv2, rendered):
        receipt = SesChannel(sesv2, SENDER, RECIPIENTS).send(rendered)

        quota = boto3.client("ses", region_name=REGION).get_send_quota()
        (message,) = stored_messages()
        assert quota["SentLast24Hours"] == len(RECIPIENTS)
        assert message.id == receipt
        assert message.source == SENDER
        assert message.subject == rendered.subject
        assert message.body == rendered.html
        assert message.destinations["ToAddresses"] == list(RECIPIENTS)

    def test_a_digest_without_html_is_sent_as_text_alone(self, sesv2, rendered):
        wire = sent_requests(sesv2)
        text_only = digest.Digest(
            subject=rendered.subject,
            text=rendered.text,
            slack=rendered.slack,
            due_count=rendered.due_count,
        )

        SesChannel(sesv2, SENDER, RECIPIENTS).send(text_only)

        assert set(wire[0]["Content"]["Simple"]["Body"]) == {"Text"}

    def test_an_unverified_sender_is_refused_with_what_to_verify(self, sesv2, rendered):
        channel = SesChannel(sesv2, "alerts@unverified.example.net", RECIPIENTS)

        with pytest.raises(ChannelError) as error:
            channel.send(rendered)

        message = str(error.value)
        assert message.startswith(
            "SES refused to send from alerts@unverified.example.net: MessageRejected"
        )
        assert "verify SES_FROM's address or domain in SES in this region" in message
        assert "SES sandbox" in message
        assert stored_messages() == []

    def test_an_unreachable_endpoint_is_a_channel_error(self, rendered):
        # A loopback port that was free a moment ago: nothing listens there.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        client = boto3.client(
            "sesv2",
            region_name=REGION,
            endpoint_url=f"http://127.0.0.1:{port}",
            config=Config(retries={"total_max_attempts": 1}, connect_timeout=2),
        )

        with pytest.raises(ChannelError) as error:
            SesChannel(client, SENDER, RECIPIENTS).send(rendered)

        assert str(error.value) == (
            f"SES could not be reached to send from {SENDER}: EndpointConnectionError"
        )


class TestInARun:
    @pytest.fixture
    def ncp(self) -> Iterator[NcpStandIn]:
        with NcpStandIn(demo_certificates(NOW)) as server:
            yield server

    @pytest.fixture
    def slack(self) -> Iterator[WebhookReceiver]:
        with WebhookReceiver() as receiver:
            yield receiver

    def settings(self, ncp, slack, topic: str, sender: str = SENDER) -> Settings:
        return Settings.from_env(
            {
                **ncp.environment,
                "SNS_TOPIC_ARN": topic,
                "SLACK_WEBHOOK_URL": slack.webhook_url,
                "SES_FROM": sender,
                "SES_TO": ",".join(RECIPIENTS),
            }
        )

    @pytest.fixture
    def topic(self, sesv2) -> str:
        sns = boto3.client("sns", region_name=REGION)
        return sns.create_topic(Name="cert-expiry")["TopicArn"]

    def test_a_scheduled_run_mails_the_html_digest_beside_sns_and_slack(
        self, ncp, slack, topic
    ):
        with Clients() as clients:
            report = job.run(
                SCHEDULED, self.settings(ncp, slack, topic), clients, now=NOW
            )

        deliveries = report["deliveries"]
        assert {name: d["status"] for name, d in deliveries.items()} == {
            "sns": "sent",
            "ses": "sent",
            "slack": "sent",
        }
        (message,) = stored_messages()
        assert deliveries["ses"]["receipt"] == message.id
        for entry in report["certificates"]:
            if entry["due"]:
                assert entry["commonName"] in message.body
        assert len(slack.messages) == 1

    def test_a_refused_mail_stops_no_other_channel(self, ncp, slack, topic):
        settings = self.settings(ncp, slack, topic, sender="a@unverified.example.net")

        with Clients() as clients, pytest.raises(DeliveryError) as error:
            job.run(SCHEDULED, settings, clients, now=NOW)

        outcomes = error.value.report["deliveries"]
        assert set(error.value.failures) == {"ses"}
        assert "MessageRejected" in error.value.failures["ses"]
        assert outcomes["sns"]["status"] == "sent"
        assert outcomes["slack"]["status"] == "sent"
        assert len(slack.messages) == 1

    def test_a_dry_run_returns_the_html_and_sends_no_mail(self, ncp, slack, topic):
        request = RunRequest("scheduled", notify=True, dry_run=True)

        with Clients() as clients:
            report = job.run(
                request, self.settings(ncp, slack, topic), clients, now=NOW
            )

        assert report["digest"]["html"].startswith("<!DOCTYPE html>")
        assert stored_messages() == []

    def test_with_a_state_table_ses_gets_the_digest_once_like_the_others(
        self, ncp, slack, topic
    ):
        table = create_state_table(boto3.client("dynamodb", region_name=REGION))
        settings = Settings.from_env(
            {
                **ncp.environment,
                "SNS_TOPIC_ARN": topic,
                "SLACK_WEBHOOK_URL": slack.webhook_url,
                "SES_FROM": SENDER,
                "SES_TO": ",".join(RECIPIENTS),
                "STATE_TABLE": table,
            }
        )

        with Clients() as clients:
            first = job.run(SCHEDULED, settings, clients, now=NOW)
            again = job.run(SCHEDULED, settings, clients, now=NOW)

        assert {name: d["status"] for name, d in first["deliveries"].items()} == {
            "sns": "sent",
            "ses": "sent",
            "slack": "sent",
        }
        (mail,) = stored_messages()
        assert "api.example.com" in mail.body
        assert "Nothing new" not in mail.subject
        assert all(d["status"] != "sent" for d in again["deliveries"].values())


def test_the_state_path_knows_every_channel_the_job_sends_through(ncp_env):
    settings = Settings.from_env(
        {
            **ncp_env,
            "SNS_TOPIC_ARN": "arn:aws:sns:ap-northeast-2:123456789012:t",
            "SLACK_WEBHOOK_URL": "http://127.0.0.1:9/services/T/B/x",
            "SES_FROM": SENDER,
            "SES_TO": ",".join(RECIPIENTS),
        }
    )

    with mock_aws(), Clients() as clients:
        channels, broken = job._channels(settings, clients)

    assert broken == {}
    assert delivery.channel_names(settings) == [c.name for c in channels]
