"""The Lambda entry point, invoked with the sample events as Lambda would.

The handler reads its configuration from the process environment, so these
tests set it there; everything it talks to is the loopback stand-ins or moto.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import boto3
import pytest

import handler
from notifier.config import VARIABLES
from notifier.errors import ConfigError, DeliveryError, EventError
from notifier.testing.aws import create_state_table, table_items
from notifier.testing.ncp_server import NcpStandIn
from notifier.testing.samples import demo_certificates, ncp_date

CONTEXT = SimpleNamespace(function_name="ncp-cert-expiry-notifier")

# Every test runs inside moto: nothing can reach real AWS, even by mistake.
pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture
def live_ncp():
    """The stand-in with the demo certificates as of the real clock, which
    the handler judges by; six hours of slack keep the day counts stable."""
    with NcpStandIn(demo_certificates(datetime.now(UTC))) as server:
        yield server


@pytest.fixture
def environment(monkeypatch, live_ncp, inbox, receiver) -> pytest.MonkeyPatch:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        **live_ncp.environment,
        "NCP_TIMEOUT_SECONDS": "10",
        "SNS_TOPIC_ARN": inbox.topic_arn,
        "SLACK_WEBHOOK_URL": receiver.webhook_url,
    }.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


@pytest.mark.parametrize("event", ["scheduled.json", "scheduler.json"])
def test_a_scheduled_event_delivers_one_digest_to_each_channel(
    environment, load_event, inbox, receiver, event
):
    result = handler.lambda_handler(load_event(event), CONTEXT)

    assert result["mode"] == "scheduled"
    assert result["due"] == 7
    assert len(inbox.messages()) == 1
    assert len(receiver.messages) == 1
    assert {name: d["status"] for name, d in result["deliveries"].items()} == {
        "sns": "sent",
        "slack": "sent",
    }
    assert json.loads(json.dumps(result)) == result


def test_a_report_event_returns_every_certificate_and_sends_nothing(
    environment, load_event, inbox, receiver
):
    result = handler.lambda_handler(load_event("report.json"), CONTEXT)

    assert result["mode"] == "report"
    assert result["counts"]["total"] == len(result["certificates"]) == 14
    assert result["deliveries"] == {}
    assert inbox.messages() == [] and receiver.requests == []


def test_a_report_event_with_notify_sends(environment, load_event, inbox, receiver):
    result = handler.lambda_handler(load_event("report-notify.json"), CONTEXT)

    assert result["due"] == 10
    assert len(inbox.messages()) == len(receiver.messages) == 1


def test_a_dry_run_event_renders_and_sends_nothing(
    environment, load_event, inbox, receiver
):
    result = handler.lambda_handler(load_event("dry-run.json"), CONTEXT)

    assert result["dryRun"] is True
    assert result["digest"]["subject"]
    assert inbox.messages() == [] and receiver.requests == []


def test_the_report_hint_names_the_function(environment, load_event, live_ncp):
    now = datetime.now(UTC)
    live_ncp.certificates[:] = [
        {"certificateNo": n, "commonName": f"h{n}.example.com", "statusCode": "1",
         "notAfter": ncp_date(now + timedelta(days=7 if n == 0 else 20, hours=6))}
        for n in range(25)
    ]  # fmt: skip

    result = handler.lambda_handler(load_event("dry-run.json"), CONTEXT)

    assert (
        'Invoke ncp-cert-expiry-notifier with {"mode": "report"}'
        in result["digest"]["text"]
    )


def test_an_unknown_event_is_refused_before_the_configuration_is_read(
    environment,
):
    environment.delenv("NCP_ACCESS_KEY")

    with pytest.raises(EventError):
        handler.lambda_handler({"mode": "everything"}, CONTEXT)


def test_a_configuration_error_fails_the_invocation(environment, load_event):
    environment.setenv("THRESHOLD_DAYS", "soon")

    with pytest.raises(ConfigError, match="THRESHOLD_DAYS"):
        handler.lambda_handler(load_event("scheduled.json"), CONTEXT)


def test_a_failed_channel_fails_the_invocation_after_the_others_got_it(
    environment, load_event, inbox, receiver
):
    environment.setenv(
        "SNS_TOPIC_ARN", inbox.topic_arn.replace("cert-expiry", "deleted")
    )

    with pytest.raises(DeliveryError, match="sns"):
        handler.lambda_handler(load_event("scheduled.json"), CONTEXT)

    assert len(receiver.messages) == 1


def test_a_late_scheduled_run_judges_at_its_time_but_keeps_state_by_the_clock(
    environment, load_event
):
    dynamodb = boto3.client("dynamodb")
    table = create_state_table(dynamodb)
    environment.setenv("STATE_TABLE", table)
    scheduled = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    event = {
        **load_event("scheduler.json"),
        "scheduledTime": scheduled.isoformat().replace("+00:00", "Z"),
    }

    result = handler.lambda_handler(event, CONTEXT)

    assert datetime.fromisoformat(result["checkedAt"]) == scheduled
    sent = [
        datetime.fromisoformat(item["sentAt"]["S"])
        for item in table_items(dynamodb, table)
        if "sentAt" in item
    ]
    assert sent
    assert all(abs(datetime.now(UTC) - at) < timedelta(minutes=5) for at in sent)
