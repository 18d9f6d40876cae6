"""Hostile servers: an NCP gateway and a webhook that stall, drip, hang up,
contradict themselves, redirect or lie about success.

Each case must end within a bounded time (the deadline given, plus a margin
for a loaded machine: a correctness bound, not a speed test) with the right
outcome, and no secret (the NCP secret key, the webhook URL that requests
quotes in its exception messages) may reach a log line or an error.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests

from notifier import job
from notifier.channels.slack import SlackChannel
from notifier.clients import Clients
from notifier.config import Settings
from notifier.digest import Digest
from notifier.errors import ChannelError, DeliveryError, NcpError, NcpResponseError
from notifier.invocation import RunRequest
from notifier.ncp_client import NcpClient, default_retry
from notifier.secret import Secret
from notifier.testing._server import Reply
from notifier.testing.ncp_server import NcpStandIn
from notifier.testing.samples import demo_certificates
from notifier.testing.webhook_receiver import WebhookReceiver, redirect

#: The deadline each hostile peer is given, and the slack allowed on top.
DEADLINE = 1.5
MARGIN = 3.0
#: Long enough that only a deadline can end the wait.
FOREVER = 60.0

DIGEST = Digest(
    subject="NCP certificate www.example.com expires in 7 days",
    text="www.example.com expires in 7 days",
    slack={"text": "1 NCP certificate needs attention", "blocks": []},
    due_count=1,
)


def chain(error: BaseException) -> Iterator[BaseException]:
    """The error and every error it was raised from or during."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def assert_secret_free(secrets: list[str], error=None, records=()) -> None:
    """No secret in the error chain (str and repr) nor in any log record."""
    texts = [
        text for e in (chain(error) if error else ()) for text in (str(e), repr(e))
    ]
    for record in records:
        texts.append(record.getMessage())
        if record.exc_info:
            texts.append(logging.Formatter().formatException(record.exc_info))
    for secret in secrets:
        assert not any(secret in text for text in texts), secret


def webhook_secrets(url: str) -> list[str]:
    """The URL and the parts of it that would give the webhook away."""
    path = urlsplit(url).path
    return [url, path, path.rsplit("/", 1)[-1]]


@pytest.fixture
def ncp(now: datetime) -> Iterator[NcpStandIn]:
    with NcpStandIn(demo_certificates(now), secret_key="ncp-secret-key-9f3a1c") as s:
        yield s


def ncp_client(http: requests.Session, ncp: NcpStandIn, **options) -> NcpClient:
    options.setdefault("timeout_seconds", DEADLINE)
    return NcpClient(http, ncp.url, ncp.access_key, Secret(ncp.secret_key), **options)


def closed_port() -> int:
    """A loopback port that nothing listens on: connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed(action) -> tuple[BaseException | None, float]:
    started = time.monotonic()
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - the test inspects whatever it was
        return exc, time.monotonic() - started
    return None, time.monotonic() - started


class TestNcpGateway:
    def test_a_gateway_that_stalls_before_answering_fails_in_time(
        self, http, ncp, caplog
    ):
        ncp.script(*[Reply(delay=FOREVER)] * 5)
        caplog.set_level(logging.DEBUG)

        error, took = timed(lambda: ncp_client(http, ncp).list_certificates())

        assert isinstance(error, NcpError)
        assert took < DEADLINE + MARGIN
        assert_secret_free([ncp.secret_key], error, caplog.records)

    def test_a_gateway_that_answers_byte_by_byte_fails_in_time(self, http, ncp, caplog):
        page = {"returnCode": "0", "totalCount": 14, "sslCertificateList": []}
        ncp.script(*[Reply(body=json.dumps(page) + " " * 4096, drip=0.01)] * 5)
        caplog.set_level(logging.DEBUG)

        error, took = timed(lambda: ncp_client(http, ncp).list_certificates())

        assert isinstance(error, NcpError)
        assert "still sending" in str(error)
        assert took < DEADLINE + MARGIN
        assert_secret_free([ncp.secret_key], error, caplog.records)

    def test_a_connection_closed_once_is_retried_to_a_full_list(self, http, ncp):
        ncp.script(Reply(close=True))

        items = ncp_client(http, ncp, timeout_seconds=10).list_certificates()

        assert len(items) == 14
        assert len(ncp.requests) >= 2

    def test_a_gateway_that_keeps_hanging_up_fails_in_time(self, http, ncp, caplog):
        ncp.script(*[Reply(close=True)] * 50)
        caplog.set_level(logging.DEBUG)

        error, took = timed(lambda: ncp_client(http, ncp).list_certificates())

        assert isinstance(error, NcpError)
        assert took < DEADLINE + MARGIN
        assert len(ncp.requests) <= default_retry().total + 1
        assert_secret_free([ncp.secret_key], error, caplog.records)

    def test_an_address_refusing_connections_fails_in_time(self, http, caplog):
        url = f"http://127.0.0.1:{closed_port()}"
        client = NcpClient(
            http,
            url,
            "access",
            Secret("ncp-secret-key-9f3a1c"),
            timeout_seconds=DEADLINE,
        )
        caplog.set_level(logging.DEBUG)

        error, took = timed(client.list_certificates)

        assert isinstance(error, NcpError)
        assert took < DEADLINE + MARGIN
        assert_secret_free(["ncp-secret-key-9f3a1c"], error, caplog.records)

    def test_pages_that_disagree_about_the_count_end_in_a_clear_error(self, http, now):
        def growing(page: int, payload: dict) -> dict:
            payload["totalCount"] = 25 if page == 1 else 40
            return payload

        stored = [
            {"certificateNo": n, "certificateName": f"c{n}"} for n in range(1, 26)
        ]
        with NcpStandIn(stored, page_size_cap=10, page_hook=growing) as ncp:
            error, took = timed(lambda: ncp_client(http, ncp).list_certificates())

        assert isinstance(error, NcpResponseError)
        assert "announced 40" in str(error) and "incomplete" in str(error)
        assert took < DEADLINE + MARGIN
        assert len(ncp.requests) <= 5


@pytest.fixture
def channel(http, receiver) -> SlackChannel:
    return SlackChannel(http, Secret(receiver.webhook_url), timeout_seconds=DEADLINE)


class TestWebhook:
    def test_a_webhook_that_stalls_fails_in_time_without_its_url(
        self, channel, receiver, caplog
    ):
        receiver.script(Reply(delay=FOREVER))
        caplog.set_level(logging.DEBUG)

        error, took = timed(lambda: channel.send(DIGEST))

        assert isinstance(error, ChannelError)
        assert took < DEADLINE + MARGIN
        assert_secret_free(webhook_secrets(receiver.webhook_url), error, caplog.records)

    def test_a_webhook_that_hangs_up_fails_and_is_not_posted_twice(
        self, channel, receiver, caplog
    ):
        receiver.script(Reply(close=True))
        caplog.set_level(logging.DEBUG)

        error, took = timed(lambda: channel.send(DIGEST))

        assert isinstance(error, ChannelError)
        assert len(receiver.requests) == 1
        assert took < DEADLINE + MARGIN
        assert_secret_free(webhook_secrets(receiver.webhook_url), error, caplog.records)

    @pytest.mark.parametrize(
        "body", ["invalid_token", '{"ok": false, "error": "channel_not_found"}']
    )
    def test_a_webhook_answering_200_with_an_error_has_failed(
        self, channel, receiver, body
    ):
        receiver.script(Reply(status=200, body=body))

        with pytest.raises(ChannelError, match="HTTP 200") as raised:
            channel.send(DIGEST)

        assert_secret_free(webhook_secrets(receiver.webhook_url), raised.value)

    def test_a_webhook_that_echoes_its_url_has_it_cut_from_the_error(
        self, channel, receiver
    ):
        receiver.script(Reply(status=500, body=f"no hook at {receiver.webhook_url}"))

        with pytest.raises(ChannelError, match="HTTP 500") as raised:
            channel.send(DIGEST)

        assert_secret_free(webhook_secrets(receiver.webhook_url), raised.value)

    def test_a_redirecting_webhook_has_failed_and_is_not_followed(
        self, channel, receiver
    ):
        with WebhookReceiver() as elsewhere:
            receiver.script(redirect(elsewhere.webhook_url))
            with pytest.raises(ChannelError, match="redirect") as raised:
                channel.send(DIGEST)

        assert elsewhere.requests == []
        assert_secret_free(
            webhook_secrets(receiver.webhook_url)
            + webhook_secrets(elsewhere.webhook_url),
            raised.value,
        )

    def test_a_webhook_refusing_connections_fails_without_its_url(self, http, caplog):
        # requests words this "Max retries exceeded with url: /services/…".
        url = f"http://127.0.0.1:{closed_port()}/services/T0/B0/refused-secret-token"
        caplog.set_level(logging.DEBUG)

        error, took = timed(
            lambda: SlackChannel(http, Secret(url), timeout_seconds=DEADLINE).send(
                DIGEST
            )
        )

        assert isinstance(error, ChannelError)
        assert "could not be reached" in str(error)
        assert took < DEADLINE + MARGIN
        assert_secret_free(webhook_secrets(url), error, caplog.records)

    def test_an_unusable_webhook_address_fails_without_showing_it(self, http, caplog):
        # A port no socket can have: refused while the request is prepared,
        # before anything is sent anywhere.
        url = "http://127.0.0.1:99999/services/T0/B0/unusable-secret-token"
        caplog.set_level(logging.DEBUG)

        error, _ = timed(lambda: SlackChannel(http, Secret(url)).send(DIGEST))

        assert isinstance(error, ChannelError)
        assert "not usable" in str(error)
        assert_secret_free(webhook_secrets(url), error, caplog.records)


class TestWholeRun:
    def test_a_failing_webhook_leaves_sns_delivered_and_leaks_nothing(
        self, http, ncp, receiver, inbox, now, caplog
    ):
        receiver.script(Reply(status=200, body="invalid_token"))
        settings = Settings.from_env(
            {
                **ncp.environment,
                "SNS_TOPIC_ARN": inbox.topic_arn,
                "SLACK_WEBHOOK_URL": receiver.webhook_url,
            }
        )
        caplog.set_level(logging.DEBUG)

        with Clients(http) as clients, pytest.raises(DeliveryError) as raised:
            job.run(RunRequest("scheduled", True, False), settings, clients, now=now)

        assert set(raised.value.failures) == {"slack"}
        assert raised.value.report["deliveries"]["sns"]["status"] == "sent"
        assert len(inbox.messages()) == 1
        secrets = [ncp.secret_key, *webhook_secrets(receiver.webhook_url)]
        assert_secret_free(secrets, raised.value, caplog.records)
        assert not any(secret in json.dumps(raised.value.report) for secret in secrets)

    def test_library_debug_logs_never_show_a_secret_value(
        self, http, ncp, receiver, aws, now, caplog
    ):
        import boto3

        secrets = boto3.client("secretsmanager")
        keys = secrets.create_secret(
            Name="ncp-keys",
            SecretString=json.dumps(
                {"accessKey": ncp.access_key, "secretKey": ncp.secret_key}
            ),
        )["ARN"]
        hook = secrets.create_secret(Name="webhook", SecretString=receiver.webhook_url)[
            "ARN"
        ]
        settings = Settings.from_env(
            {
                "NCP_CREDENTIALS_SECRET_ARN": keys,
                "NCP_API_URL": ncp.url,
                "SLACK_WEBHOOK_SECRET_ARN": hook,
            }
        )
        caplog.set_level(logging.DEBUG)

        with Clients(http) as clients:
            report = job.run(
                RunRequest("report", notify=True, dry_run=False),
                settings,
                clients,
                now=now + timedelta(seconds=1),
            )

        assert report["deliveries"]["slack"]["status"] == "sent"
        assert_secret_free(
            [ncp.secret_key, *webhook_secrets(receiver.webhook_url)],
            records=caplog.records,
        )
