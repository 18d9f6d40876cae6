"""``python -m notifier report``: the report for people, scripts, cron and CI."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from notifier import cli
from notifier.testing.ncp_server import NcpStandIn
from notifier.testing.samples import demo_certificates

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "cli-test-secret-key-never-shown"
#: Demo certificates that are neither expiring, expired nor unknown.
CALM = {
    "wildcard-example-kr",
    "portal-example-com",
    "revoked-example-kr",
    "new-example-com",
}


class TerminalStream(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def ncp():
    with NcpStandIn(
        demo_certificates(datetime.now(UTC)), secret_key=SECRET_KEY
    ) as server:
        yield server


@pytest.fixture
def environ(ncp) -> dict[str, str]:
    return {
        **ncp.environment,
    }


def run(argv, environ, **streams) -> tuple[int, str, str]:
    stdout = streams.pop("stdout", io.StringIO())
    stderr = streams.pop("stderr", io.StringIO())
    status = cli.main(argv, environ=environ, stdout=stdout, stderr=stderr)
    return status, stdout.getvalue(), stderr.getvalue()


def table_rows(out: str) -> list[list[str]]:
    lines = out.splitlines()
    end = lines.index("")
    return [line.split() for line in lines[2:end]]


class TestTable:
    def test_lists_every_certificate_fewest_days_left_first(self, environ):
        status, out, err = run(["report"], environ)

        rows = table_rows(out)
        assert len(rows) == 14
        assert rows[0][0] == "unknown"
        days = [int(row[1]) for row in rows[1:] if row[1].lstrip("-").isdigit()]
        assert days == sorted(days)
        assert days[0] == -40
        assert (
            "14 certificates: 2 expired, 7 expiring, 1 unknown, 2 ok, 2 inactive" in out
        )
        assert status == cli.EXIT_ACTION
        assert err == ""

    def test_has_no_color_when_stdout_is_not_a_terminal(self, environ):
        _, out, _ = run(["report"], environ)

        assert "\x1b[" not in out

    def test_colors_the_state_on_a_terminal(self, environ):
        _, out, _ = run(["report"], environ, stdout=TerminalStream())

        assert "\x1b[1;31mexpired\x1b[0m" in out

    def test_respects_no_color_on_a_terminal(self, environ):
        _, out, _ = run(
            ["report"], {**environ, "NO_COLOR": "1"}, stdout=TerminalStream()
        )

        assert "\x1b[" not in out

    def test_color_always_colors_a_pipe(self, environ):
        _, out, _ = run(["report", "--color", "always"], environ)

        assert "\x1b[33mexpiring\x1b[0m" in out


class TestFormats:
    def test_json_is_the_functions_report_sorted_by_days_left(self, environ):
        status, out, _ = run(["report", "--format", "json"], environ)

        report = json.loads(out)
        assert report["mode"] == "report"
        assert report["counts"]["total"] == len(report["certificates"]) == 14
        assert report["warnings"] == []
        dated = [c["daysLeft"] for c in report["certificates"][1:-1]]
        assert dated == sorted(dated)
        assert status == cli.EXIT_ACTION

    def test_csv_has_one_row_per_certificate(self, environ):
        _, out, _ = run(["report", "--format", "csv"], environ)

        rows = list(csv.DictReader(io.StringIO(out)))
        assert len(rows) == 14
        assert {row["state"] for row in rows} == {
            "expired",
            "expiring",
            "unknown",
            "ok",
            "inactive",
        }

    def test_html_is_a_page_with_a_row_per_certificate(self, environ):
        _, out, _ = run(["report", "--format", "html"], environ)

        assert out.startswith("<!DOCTYPE html>")
        assert out.count('<span class="state state-') == 14


class TestFilters:
    def test_state_takes_repeats_and_comma_lists(self, environ):
        _, out, _ = run(
            [
                "report",
                "--state",
                "expired",
                "--state",
                "unknown,ok",
                "--format",
                "json",
            ],
            environ,
        )

        states = [c["state"] for c in json.loads(out)["certificates"]]
        assert sorted(states) == ["expired", "expired", "ok", "ok", "unknown"]

    def test_within_keeps_what_expires_by_then(self, environ):
        _, out, _ = run(["report", "--within", "3", "--format", "json"], environ)

        days = [c["daysLeft"] for c in json.loads(out)["certificates"]]
        assert days == [None, -40, -2, 0, 1, 3]

    def test_the_table_says_how_many_were_left_out(self, environ):
        _, out, _ = run(["report", "--state", "expired"], environ)

        assert len(table_rows(out)) == 2
        assert "2 of 14 certificates shown (--state expired)" in out

    def test_an_unknown_state_is_a_usage_error(self, environ, capsys):
        with pytest.raises(SystemExit) as exited:
            cli.main(["report", "--state", "expird"], environ=environ)

        assert exited.value.code == cli.EXIT_ERROR
        assert "'expird' is not a state" in capsys.readouterr().err

    def test_negative_days_are_a_usage_error(self, environ, capsys):
        with pytest.raises(SystemExit) as exited:
            cli.main(["report", "--within", "-1"], environ=environ)

        assert exited.value.code == cli.EXIT_ERROR
        assert "give a whole number from 0" in capsys.readouterr().err


class TestExitStatus:
    def test_zero_when_nothing_needs_action(self):
        calm = [
            c
            for c in demo_certificates(datetime.now(UTC))
            if c["certificateName"] in CALM
        ]
        with NcpStandIn(calm) as ncp:
            status, out, _ = run(
                ["report"],
                {
                    **ncp.environment,
                },
            )

        assert len(table_rows(out)) == 4
        assert status == cli.EXIT_CLEAR

    def test_filters_decide_what_counts(self, environ):
        assert run(["report", "--state", "ok"], environ)[0] == cli.EXIT_CLEAR
        assert (
            run(["report", "--state", "ok", "--within", "60"], environ)[0]
            == cli.EXIT_ACTION
        )

    def test_the_smallest_threshold_is_the_default_limit(self):
        # Expiring in 14 and 20 days, and the calm ones.
        names = CALM | {"shop-example-kr", "mail-example-com"}
        certificates = [
            c
            for c in demo_certificates(datetime.now(UTC))
            if c["certificateName"] in names
        ]
        with NcpStandIn(certificates) as ncp:
            environ = {
                **ncp.environment,
            }
            default = run(["report"], environ)[0]
            smallest_14 = run(["report"], {**environ, "THRESHOLD_DAYS": "30,14"})[0]

        assert default == cli.EXIT_CLEAR
        assert smallest_14 == cli.EXIT_ACTION

    def test_two_on_a_rejected_key_without_showing_it(self, environ):
        status, out, err = run(["report"], {**environ, "NCP_SECRET_KEY": "wrong-key"})

        assert status == cli.EXIT_ERROR
        assert out == ""
        assert err.startswith("error: NCP rejected the API key (HTTP 401")
        assert "wrong-key" not in err

    def test_two_on_missing_configuration_naming_the_variable(self):
        status, _, err = run(["report"], {})

        assert status == cli.EXIT_ERROR
        assert err.startswith("error: NCP_ACCESS_KEY is not set")

    def test_two_on_an_unexpected_failure_with_its_traceback(self, environ):
        closed = io.StringIO()
        closed.close()

        status = cli.main(
            ["report"], environ=environ, stdout=closed, stderr=(err := io.StringIO())
        )

        assert status == cli.EXIT_ERROR
        assert "Traceback" in err.getvalue()
        assert err.getvalue().endswith("error: unexpected failure (see above)\n")


class TestEnvFile:
    def test_file_values_take_precedence_over_the_environment(self, ncp, tmp_path):
        path = tmp_path / "prod.env"
        path.write_text(
            f"NCP_ACCESS_KEY={ncp.access_key}\nNCP_SECRET_KEY='{ncp.secret_key}'\n"
        )
        environ = {"NCP_SECRET_KEY": "stale-key-in-the-shell", "NCP_API_URL": ncp.url}

        status, out, err = run(["report", "--env-file", str(path)], environ)

        assert err == ""
        assert "14 certificates" in out
        assert status == cli.EXIT_ACTION

    def test_a_bad_file_is_an_error(self, environ, tmp_path):
        path = tmp_path / "bad.env"
        path.write_text("NCP_SECRET=oops\n")

        status, out, err = run(["report", "--env-file", str(path)], environ)

        assert status == cli.EXIT_ERROR
        assert out == ""
        assert "line 1: NCP_SECRET is not a setting" in err


class TestStderr:
    def test_progress_on_a_terminal_then_cleared(self, environ):
        status, _, err = run(["report"], environ, stderr=TerminalStream())

        assert "reading certificates from NCP: page 1, 14 of 14" in err
        assert err.endswith("\r\x1b[2K")
        assert status == cli.EXIT_ACTION

    def test_no_progress_when_stderr_is_not_a_terminal(self, environ):
        _, _, err = run(["report"], environ)

        assert "reading certificates" not in err

    def test_warns_about_a_topic_that_reaches_nobody(self, environ):
        with mock_aws():
            topic = boto3.client("sns").create_topic(Name="alerts")["TopicArn"]
            status, out, err = run(
                ["report", "--format", "json"], {**environ, "SNS_TOPIC_ARN": topic}
            )

        assert err == (
            f"warning: SNS topic {topic} has no subscription, so the digest "
            "reaches nobody: subscribe an address (the AlertEmail parameter) "
            "and confirm the mail AWS sends\n"
        )
        assert json.loads(out)["warnings"] == [err[len("warning: ") :].rstrip("\n")]
        assert status == cli.EXIT_ACTION

    def test_log_lines_only_when_log_level_is_set(self, environ):
        quiet = run(["report"], environ)[2]
        chatty = run(["report"], {**environ, "LOG_LEVEL": "info"})[2]

        assert quiet == ""
        assert chatty.startswith("INFO notifier.job: run finished: mode=report ")


def test_help_explains_every_option(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["report", "--help"])

    assert exited.value.code == 0
    text = capsys.readouterr().out
    for option in ("--env-file", "--format", "--state", "--within", "--color"):
        assert option in text
    assert "exit status:" in text
    report = cli.parser()._subparsers._group_actions[0].choices["report"]
    for action in report._actions:
        assert action.help, f"{action.option_strings} has no help"


def test_the_demo_prints_what_each_channel_received(capsys):
    out = io.StringIO()

    assert cli.main(["demo"], stdout=out) == 0
    text = out.getvalue()
    assert "7 certificates due, deliveries: sns sent, slack sent" in text
    mail = text[text.index("E-mail (SNS)") : text.index("Slack message")]
    slack = text[text.index("Slack message") : text.index("Report (")]
    for line in ("api.example.com expires in 7 days", "expires in 30 days"):
        assert line in mail
    assert "*api.example.com* expires in 7 days" in slack
    assert "broken.example.com" in mail and "broken.example.com" in slack


def test_runs_as_a_module_from_cron(ncp):
    env = {
        "PATH": os.environ["PATH"],
        **ncp.environment,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    done = subprocess.run(
        [sys.executable, "-m", "notifier", "report", "--format", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == cli.EXIT_ACTION, done.stderr
    assert done.stderr == ""
    assert json.loads(done.stdout)["counts"]["total"] == 14
