"""Delivery channels: SNS through moto, the webhook through a local receiver."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import boto3
import pytest
from urllib3.util.retry import Retry

from notifier import digest
from notifier.certificate import Certificate
from notifier.channels import slack
from notifier.channels.slack import SlackChannel
from notifier.channels.sns import SnsChannel
from notifier.errors import ChannelError
from notifier.policy import is_due, judge
from notifier.secret import Secret
from notifier.testing import webhook_receiver
from notifier.testing._server import Reply
from notifier.testing.samples import demo_certificates
from notifier.testing.webhook_receiver import WebhookReceiver

NOW = datetime(2027, 1, 15, 3, 0, tzinfo=UTC)
TOKEN = "demo-webhook-secret-token"  # the secret part of the receiver's path


@pytest.fixture(scope="module")
def rendered() -> digest.Digest:
    verdicts = [
        judge(Certificate.from_ncp(item), NOW, (30, 14, 7, 3, 1))
        for item in demo_certificates(NOW)
    ]
    due = [v for v in verdicts if is_due(v, NOW, (30, 14, 7, 3, 1), 7)]
    return digest.render(
        due, verdicts, now=NOW, zone=ZoneInfo("Asia/Seoul"),
        thresholds=(30, 14, 7, 3, 1), report_hint="See the report.",
    )  # fmt: skip


def fast_retry() -> Retry:
    return slack.default_retry().new(backoff_factor=0.005, backoff_jitter=0)


def channel(http, url: str, **options) -> SlackChannel:
    options.setdefault("retry", fast_retry())
    options.setdefault("timeout_seconds", 5.0)
    return SlackChannel(http, Secret(url), **options)


def assert_no_webhook_in(error: Exception, url: str) -> None:
    for text in (str(error), repr(error)):
        assert url not in text
        assert TOKEN not in text


class TestSns:
    def test_the_digest_is_published_to_the_topic(self, inbox, rendered):
        receipt = SnsChannel(boto3.client("sns"), inbox.topic_arn).send(rendered)

        [envelope] = inbox.messages()
        assert envelope["Subject"] == rendered.subject
        assert envelope["Message"] == rendered.text
        assert envelope["TopicArn"] == inbox.topic_arn
        assert receipt == envelope["MessageId"]

    def test_a_topic_that_does_not_exist_is_a_channel_error(self, inbox, rendered):
        missing = inbox.topic_arn.replace("cert-expiry", "no-such-topic")

        with pytest.raises(ChannelError) as caught:
            SnsChannel(boto3.client("sns"), missing).send(rendered)

        assert missing in str(caught.value)
        assert "NotFound" in str(caught.value)
        assert inbox.messages() == []


class TestSlack:
    def test_a_2xx_answer_is_a_delivery(self, http, receiver, rendered):
        receipt = channel(http, receiver.webhook_url).send(rendered)

        assert receipt == "HTTP 200"
        assert receiver.messages == [rendered.slack]
        [request] = receiver.requests
        assert request.method == "POST"
        assert request.header("Content-Type").startswith("application/json")
        assert json.loads(request.body) == rendered.slack

    def test_429_is_retried_after_the_time_retry_after_asks(
        self, http, receiver, rendered
    ):
        receiver.script(webhook_receiver.rate_limited(retry_after="1"))

        assert channel(http, receiver.webhook_url).send(rendered) == "HTTP 200"

        first, second = receiver.requests
        assert second.time - first.time >= 0.95
        assert receiver.messages == [rendered.slack]

    def test_429_without_retry_after_is_retried_with_backoff(
        self, http, receiver, rendered
    ):
        receiver.script(webhook_receiver.rate_limited(retry_after=None))

        assert channel(http, receiver.webhook_url).send(rendered) == "HTTP 200"
        assert len(receiver.requests) == 2

    def test_429_that_never_ends_is_a_failure(self, http, receiver, rendered):
        receiver.script(*[webhook_receiver.rate_limited("0")] * 10)

        with pytest.raises(ChannelError, match="HTTP 429") as caught:
            channel(http, receiver.webhook_url).send(rendered)

        assert len(receiver.requests) == 4  # the first try and three retries
        assert_no_webhook_in(caught.value, receiver.webhook_url)

    def test_an_unknown_webhook_404_is_a_failure(self, http, receiver, rendered):
        url = receiver.url + "/services/T0DEMO/B0DEMO/revoked-webhook-token"

        with pytest.raises(ChannelError, match="HTTP 404.*does not exist") as caught:
            channel(http, url).send(rendered)

        assert_no_webhook_in(caught.value, url)
        assert "revoked-webhook-token" not in str(caught.value)

    @pytest.mark.parametrize(
        ("reply", "pattern"),
        [
            (webhook_receiver.gone(), "HTTP 410 'channel_is_archived'"),
            (webhook_receiver.server_error(), "HTTP 500 'internal_error'"),
            (webhook_receiver.ok_with_error_body(), "HTTP 200 'invalid_token'"),
            (Reply(200, {"ok": False, "error": "no_text"}), "HTTP 200"),
            (Reply(200, {"success": False}), "HTTP 200"),
            (Reply(200, "<html><body>Sign in</body></html>"), "HTTP 200"),
            (Reply(200, "error"), "HTTP 200"),
            (Reply(200, {"error": "invalid_blocks"}), "HTTP 200"),
            (Reply(200, {"result": "error", "msg": "no stream"}), "HTTP 200"),
            (Reply(403, "action_prohibited"), "HTTP 403.*not allowed"),
        ],
    )
    def test_any_answer_but_a_clean_2xx_is_a_failure_and_not_retried(
        self, http, receiver, rendered, reply, pattern
    ):
        receiver.script(reply)

        with pytest.raises(ChannelError, match=pattern) as caught:
            channel(http, receiver.webhook_url).send(rendered)

        assert len(receiver.requests) == 1
        assert_no_webhook_in(caught.value, receiver.webhook_url)

    def test_a_redirect_is_a_failure_and_is_not_followed(
        self, http, receiver, rendered
    ):
        with WebhookReceiver() as elsewhere:
            receiver.script(webhook_receiver.redirect(elsewhere.webhook_url))

            with pytest.raises(ChannelError, match="HTTP 302.*redirect") as caught:
                channel(http, receiver.webhook_url).send(rendered)

            assert elsewhere.requests == []
        assert_no_webhook_in(caught.value, receiver.webhook_url)
        assert elsewhere.url not in str(caught.value)

    def test_an_error_page_quoting_the_webhook_address_is_redacted(
        self, http, receiver, rendered
    ):
        receiver.script(
            Reply(404, f"No hook at {receiver.webhook_url} ({receiver.path})")
        )

        with pytest.raises(ChannelError, match="HTTP 404") as caught:
            channel(http, receiver.webhook_url).send(rendered)

        assert_no_webhook_in(caught.value, receiver.webhook_url)
        assert "[webhook]" in str(caught.value)

    def test_an_upper_cased_echo_of_the_token_is_redacted_too(
        self, http, receiver, rendered
    ):
        receiver.script(Reply(400, f"bad token {receiver.path.upper()}"))

        with pytest.raises(ChannelError, match="HTTP 400") as caught:
            channel(http, receiver.webhook_url).send(rendered)

        assert receiver.path.upper().rsplit("/", 1)[-1] not in str(caught.value)

    def test_an_unreachable_webhook_fails_without_naming_it(self, http, rendered):
        with socket.socket() as probe:  # a loopback port nobody listens on
            probe.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{probe.getsockname()[1]}/services/{TOKEN}"

        with pytest.raises(ChannelError, match="could not be reached") as caught:
            channel(http, url).send(rendered)

        assert_no_webhook_in(caught.value, url)

    def test_a_webhook_that_stalls_is_given_up_on_once_at_the_deadline(
        self, http, receiver, rendered
    ):
        receiver.script(*[Reply(delay=10)] * 3)
        started = time.monotonic()

        with pytest.raises(ChannelError, match="timed out|did not answer") as caught:
            channel(http, receiver.webhook_url, timeout_seconds=1.0).send(rendered)

        assert time.monotonic() - started < 2.0
        # A post that may have arrived is not sent again: no duplicates.
        assert len(receiver.requests) == 1
        assert_no_webhook_in(caught.value, receiver.webhook_url)
