"""Metrics: one valid CloudWatch embedded metric format line per run."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

import handler
from notifier import metrics
from notifier.errors import DeliveryError
from notifier.testing.ncp_server import NcpStandIn
from notifier.testing.samples import demo_certificates
from notifier.testing.webhook_receiver import WebhookReceiver, gone

#: Units CloudWatch accepts (PutMetricData's MetricDatum.Unit).
CLOUDWATCH_UNITS = {
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
}


def assert_valid_emf(line: dict) -> dict[str, float]:
    """Check ``line`` against the EMF specification; return its metric values."""
    meta = line["_aws"]
    assert isinstance(meta["Timestamp"], int) and meta["Timestamp"] >= 0
    values: dict[str, float] = {}
    for directive in meta["CloudWatchMetrics"]:
        assert isinstance(directive["Namespace"], str) and directive["Namespace"]
        for dimension_set in directive["Dimensions"]:
            assert 1 <= len(dimension_set) <= 30
            for dimension in dimension_set:
                assert isinstance(line[dimension], str)
        assert 1 <= len(directive["Metrics"]) <= 100
        for metric in directive["Metrics"]:
            assert metric["Unit"] in CLOUDWATCH_UNITS
            value = line[metric["Name"]]
            assert isinstance(value, (int, float)) and not isinstance(value, bool)
            values[metric["Name"]] = value
    return values


def assert_recent(line: dict) -> None:
    """CloudWatch drops metrics stamped more than two weeks back or two hours
    ahead; a line written now must carry now, in milliseconds."""
    assert abs(line["_aws"]["Timestamp"] / 1000 - time.time()) < 60


def emf_lines(out: str) -> list[dict]:
    return [line for line in map(json.loads, out.splitlines()) if "_aws" in line]


def report_with(certificates: list[dict], deliveries: dict | None = None) -> dict:
    counts = {
        state: 0 for state in ("expired", "expiring", "unknown", "ok", "inactive")
    }
    for entry in certificates:
        counts[entry["state"]] += 1
    counts["total"] = len(certificates)
    return {
        "mode": "scheduled",
        "counts": counts,
        "due": 1,
        "deliveries": deliveries or {},
        "certificates": certificates,
    }


class TestDocument:
    def test_names_every_metric_it_carries(self):
        report = report_with(
            [{"state": "expiring", "daysLeft": 3}, {"state": "ok", "daysLeft": 90}],
            {"sns": {"status": "sent"}, "slack": {"status": "failed"}},
        )

        line = metrics.document(
            report, function_name="fn", timestamp_ms=1_700_000_000_000
        )

        values = assert_valid_emf(line)
        assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "NcpCertExpiry"
        assert line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["FunctionName"]]
        assert line["FunctionName"] == "fn"
        assert values == {
            "ExpiredCertificates": 0,
            "ExpiringCertificates": 1,
            "UnknownCertificates": 0,
            "OkCertificates": 1,
            "InactiveCertificates": 0,
            "Certificates": 2,
            "DueCertificates": 1,
            "FailedDeliveries": 1,
            "SmallestDaysLeft": 3,
        }

    def test_smallest_days_left_ignores_inactive_certificates(self):
        report = report_with(
            [
                {"state": "inactive", "daysLeft": -300},
                {"state": "expired", "daysLeft": -2},
            ]
        )

        line = metrics.document(report, function_name="fn", timestamp_ms=0)

        assert line["SmallestDaysLeft"] == -2

    def test_smallest_days_left_is_left_out_when_nothing_has_a_date(self):
        report = report_with([{"state": "unknown", "daysLeft": None}])

        line = metrics.document(report, function_name="fn", timestamp_ms=0)

        names = [m["Name"] for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
        assert "SmallestDaysLeft" not in names
        assert "SmallestDaysLeft" not in line

    def test_the_writer_writes_one_compact_line(self):
        stream = io.StringIO()

        metrics.MetricsWriter("fn", stream)(report_with([]))

        (line,) = stream.getvalue().splitlines()
        assert_valid_emf(json.loads(line))
        assert_recent(json.loads(line))


@pytest.fixture
def lambda_environment(monkeypatch):
    now = datetime.now(UTC)
    with (
        NcpStandIn(demo_certificates(now)) as ncp,
        WebhookReceiver() as slack,
        mock_aws(),
    ):
        sns = boto3.client("sns")
        topic = sns.create_topic(Name="cert-expiry")["TopicArn"]
        for name, value in {
            **ncp.environment,
            "SNS_TOPIC_ARN": topic,
            "SLACK_WEBHOOK_URL": slack.webhook_url,
        }.items():
            monkeypatch.setenv(name, value)
        yield slack


class TestInLambda:
    def test_each_run_writes_one_line_matching_its_report(
        self, lambda_environment, load_event, lambda_context, capsys
    ):
        report = handler.lambda_handler(load_event("report"), lambda_context)

        (line,) = emf_lines(capsys.readouterr().out)
        values = assert_valid_emf(line)
        assert_recent(line)
        assert line["FunctionName"] == lambda_context.function_name
        assert line["mode"] == "report"
        assert values["Certificates"] == report["counts"]["total"] == 14
        assert values["ExpiredCertificates"] == report["counts"]["expired"]
        assert values["DueCertificates"] == report["due"]
        assert values["SmallestDaysLeft"] == -40
        assert values["FailedDeliveries"] == 0

    def test_failed_deliveries_are_counted_before_the_run_fails(
        self, lambda_environment, load_event, lambda_context, capsys
    ):
        slack = lambda_environment
        slack.script(gone())

        with pytest.raises(DeliveryError, match="slack"):
            handler.lambda_handler(load_event("scheduled"), lambda_context)

        (line,) = emf_lines(capsys.readouterr().out)
        assert assert_valid_emf(line)["FailedDeliveries"] == 1
