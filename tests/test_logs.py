"""Logs: JSON lines in Lambda, one INFO line per run, detail at DEBUG, no secret."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

import handler
from notifier import logs
from notifier.config import Settings
from notifier.errors import ConfigError
from notifier.testing.ncp_server import NcpStandIn
from notifier.testing.samples import demo_certificates
from notifier.testing.webhook_receiver import WebhookReceiver

NCP_SECRET = "ncp-secret-key-that-must-never-be-logged"


def record(message: str, *args, level=logging.INFO, **extra) -> logging.LogRecord:
    made = logging.LogRecord("notifier.job", level, "job.py", 1, message, args, None)
    made.__dict__.update(extra)
    return made


class TestJsonLineFormatter:
    def test_one_json_object_with_lambdas_keys(self):
        line = logs.JsonLineFormatter().format(record("%d certificates", 14))

        parsed = json.loads(line)
        assert "\n" not in line
        assert parsed["level"] == "INFO"
        assert parsed["logger"] == "notifier.job"
        assert parsed["message"] == "14 certificates"
        assert parsed["timestamp"].endswith("Z")
        datetime.fromisoformat(parsed["timestamp"].replace("Z", "+00:00"))
        assert "requestId" not in parsed

    def test_extra_fields_become_keys(self):
        line = logs.JsonLineFormatter().format(
            record("run finished", due=3, deliveries={"sns": "sent"})
        )

        parsed = json.loads(line)
        assert parsed["due"] == 3
        assert parsed["deliveries"] == {"sns": "sent"}

    def test_a_value_json_cannot_write_is_shown_as_text(self):
        line = logs.JsonLineFormatter().format(record("x", when=datetime(2026, 1, 2)))

        assert json.loads(line)["when"] == "2026-01-02 00:00:00"

    def test_an_exception_gives_its_type_and_trace(self):
        try:
            raise ValueError("broken")
        except ValueError:
            failed = logging.LogRecord(
                "notifier",
                logging.ERROR,
                "x.py",
                1,
                "failed",
                None,
                __import__("sys").exc_info(),
            )

        parsed = json.loads(logs.JsonLineFormatter().format(failed))
        assert parsed["errorType"] == "ValueError"
        assert parsed["stackTrace"][-1] == "ValueError: broken"

    def test_the_request_id_tags_lines_inside_its_block_only(self):
        formatter = logs.JsonLineFormatter()

        with logs.request_context("req-1"):
            inside = json.loads(formatter.format(record("x")))
        after = json.loads(formatter.format(record("x")))

        assert inside["requestId"] == "req-1"
        assert "requestId" not in after


class TestConfigure:
    def test_calling_twice_keeps_one_handler(self):
        logs.configure("INFO")
        logger = logs.configure("DEBUG")

        assert len(logger.handlers) == 1
        assert logger.level == logging.DEBUG
        assert logger.propagate is False

    def test_lines_go_to_the_given_stream(self):
        stream = io.StringIO()
        logs.configure("WARNING", stream=stream)

        logging.getLogger("notifier.job").info("hidden")
        logging.getLogger("notifier.job").warning("shown %s", "here")

        (line,) = stream.getvalue().splitlines()
        assert json.loads(line)["message"] == "shown here"

    def test_debug_leaves_library_loggers_alone(self):
        # urllib3 logs request URLs at DEBUG, and the webhook URL is a secret.
        logs.configure("DEBUG")

        assert not logging.getLogger("urllib3").isEnabledFor(logging.DEBUG)

    def test_silence_drops_even_warnings(self, capsys):
        logs.silence()

        logging.getLogger("notifier.job").warning("not shown")

        assert capsys.readouterr() == ("", "")


class TestLogLevelSetting:
    def test_defaults_to_info_and_reads_any_case(self):
        base = {"NCP_ACCESS_KEY": "a", "NCP_SECRET_KEY": "b"}

        assert Settings.from_env(base).log_level == "INFO"
        assert Settings.from_env({**base, "LOG_LEVEL": "debug"}).log_level == "DEBUG"

    def test_an_unknown_level_names_the_variable_and_the_choices(self):
        environ = {"NCP_ACCESS_KEY": "a", "NCP_SECRET_KEY": "b", "LOG_LEVEL": "loud"}

        with pytest.raises(
            ConfigError,
            match=r"LOG_LEVEL='loud' is not valid: use "
            r"one of info, debug, warning, error",
        ):
            Settings.from_env(environ)


@pytest.fixture
def lambda_environment(monkeypatch):
    """The function's environment: NCP stand-in, SNS in moto, a Slack receiver."""
    now = datetime.now(UTC)
    with (
        NcpStandIn(demo_certificates(now), secret_key=NCP_SECRET) as ncp,
        WebhookReceiver() as slack,
        mock_aws(),
    ):
        sns = boto3.client("sns")
        topic = sns.create_topic(Name="cert-expiry")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
        for name, value in {
            **ncp.environment,
            "SNS_TOPIC_ARN": topic,
            "SLACK_WEBHOOK_URL": slack.webhook_url,
        }.items():
            monkeypatch.setenv(name, value)
        yield slack


def log_lines(out: str) -> list[dict]:
    """The JSON log lines of stdout (metric lines carry "_aws" instead)."""
    lines = [json.loads(line) for line in out.splitlines()]
    return [line for line in lines if "_aws" not in line]


class TestInLambda:
    def test_one_info_line_sums_up_the_run(
        self, lambda_environment, load_event, lambda_context, capsys
    ):
        handler.lambda_handler(load_event("scheduled"), lambda_context)

        lines = log_lines(capsys.readouterr().out)
        (summary,) = [line for line in lines if line["level"] == "INFO"]
        assert summary["message"].startswith("run finished: mode=scheduled ")
        assert summary["requestId"] == lambda_context.aws_request_id
        assert summary["certificates"] == 14
        assert summary["states"] == {
            "expired": 2,
            "expiring": 7,
            "unknown": 1,
            "ok": 2,
            "inactive": 2,
        }
        assert summary["due"] == 7
        assert summary["deliveries"] == {"sns": "sent", "slack": "sent"}
        assert summary["warnings"] == 0
        assert isinstance(summary["durationMs"], int)
        assert not [line for line in lines if line["level"] == "DEBUG"]

    def test_debug_gives_detail_and_never_a_secret(
        self, lambda_environment, load_event, lambda_context, capsys, monkeypatch
    ):
        monkeypatch.setenv("LOG_LEVEL", "DEBUG")
        slack = lambda_environment

        handler.lambda_handler(load_event("scheduled"), lambda_context)

        out, err = capsys.readouterr()
        debug = [line for line in log_lines(out) if line["level"] == "DEBUG"]
        assert len(debug) > 14  # a line per certificate, and more
        assert any(d["message"] == "sending the digest to slack" for d in debug)
        everything = out + err
        assert NCP_SECRET not in everything
        assert slack.webhook_url not in everything
        assert slack.path not in everything
        assert slack.messages  # the secrets were used, not left out
