"""One run end to end: NCP stand-in, SNS in moto and a webhook receiver."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from notifier import job, policy
from notifier.certificate import Certificate
from notifier.clients import Clients
from notifier.config import Settings
from notifier.errors import (
    ConfigError,
    DeliveryError,
    NcpAuthError,
    NcpResponseError,
)
from notifier.invocation import REPORT, SCHEDULED, RunRequest
from notifier.testing import ncp_server, webhook_receiver
from notifier.testing.ncp_server import NcpStandIn
from notifier.testing.samples import demo_certificates

# Every test runs inside moto: nothing can reach real AWS, even by mistake.
pytestmark = pytest.mark.usefixtures("aws")

SCHEDULE = RunRequest(SCHEDULED, notify=True, dry_run=False)
REPORT_ONLY = RunRequest(REPORT, notify=False, dry_run=False)
REPORT_AND_NOTIFY = RunRequest(REPORT, notify=True, dry_run=False)
DRY_SCHEDULE = RunRequest(SCHEDULED, notify=True, dry_run=True)

ENTRY_FIELDS = {
    "certificateNo", "certificateName", "commonName", "notAfter", "daysLeft",
    "state", "threshold",
}  # fmt: skip
DEMO_COUNTS = {
    "expired": 2, "expiring": 7, "unknown": 1, "ok": 2, "inactive": 2, "total": 14,
}  # fmt: skip


@pytest.fixture
def clients(http) -> Clients:
    return Clients(http=http)


@pytest.fixture
def env(ncp_env, inbox, receiver) -> dict[str, str]:
    """A run against the stand-in with both channels configured."""
    return {
        **ncp_env,
        "SNS_TOPIC_ARN": inbox.topic_arn,
        "SLACK_WEBHOOK_URL": receiver.webhook_url,
    }


def run(request, env, clients, now, **options):
    return job.run(request, Settings.from_env(env), clients, now=now, **options)


def nothing_was_sent(inbox, receiver) -> bool:
    return inbox.messages() == [] and receiver.requests == []


def by_number(report: dict) -> dict:
    return {entry["certificateNo"]: entry for entry in report["certificates"]}


class TestScheduledRun:
    def test_one_digest_reaches_each_channel(
        self, env, clients, now, ncp, inbox, receiver
    ):
        report = run(SCHEDULE, env, clients, now)

        [mail] = inbox.messages()
        [message] = receiver.messages
        assert mail["Subject"] == (
            "NCP certificates: 7 need attention (5 expiring, 1 expired, 1 unknown)"
        )
        assert "* cdn.example.com expires in 1 day" in mail["Message"]
        assert message["text"].startswith("7 NCP certificates need attention")
        assert report["deliveries"] == {
            "sns": {"status": "sent", "receipt": mail["MessageId"]},
            "slack": {"status": "sent", "receipt": "HTTP 200"},
        }
        assert report["due"] == 7
        assert len(ncp.requests) == 1  # 14 certificates: one signed page

    def test_nothing_at_all_is_sent_when_nothing_is_due(
        self, env, clients, now, ncp, inbox, receiver
    ):
        quiet = {102407, 102408, 102409, 102411, 102413, 102414}
        ncp.certificates[:] = [
            c for c in demo_certificates(now) if c["certificateNo"] in quiet
        ]

        report = run(SCHEDULE, env, clients, now)

        assert report["due"] == 0
        assert report["deliveries"] == {}
        assert "digest" not in report
        assert nothing_was_sent(inbox, receiver)
        assert len(report["certificates"]) == 6

    def test_an_account_without_certificates_sends_nothing(
        self, env, clients, now, ncp, inbox, receiver
    ):
        ncp.script(ncp_server.no_certificate())

        report = run(SCHEDULE, env, clients, now)

        assert report["counts"]["total"] == 0
        assert nothing_was_sent(inbox, receiver)

    def test_sns_failing_does_not_stop_slack_and_the_run_fails_naming_sns(
        self, env, clients, now, inbox, receiver
    ):
        env["SNS_TOPIC_ARN"] = inbox.topic_arn.replace("cert-expiry", "deleted")

        with pytest.raises(DeliveryError) as caught:
            run(SCHEDULE, env, clients, now)

        assert set(caught.value.failures) == {"sns"}
        assert str(caught.value).startswith("delivery failed for sns (sns: ")
        assert len(receiver.messages) == 1
        deliveries = caught.value.report["deliveries"]
        assert deliveries["slack"]["status"] == "sent"
        assert deliveries["sns"]["status"] == "failed"
        assert "NotFound" in deliveries["sns"]["error"]

    def test_slack_failing_does_not_stop_sns_and_the_run_fails_naming_slack(
        self, env, clients, now, inbox, receiver
    ):
        receiver.script(webhook_receiver.gone())

        with pytest.raises(DeliveryError) as caught:
            run(SCHEDULE, env, clients, now)

        assert set(caught.value.failures) == {"slack"}
        assert "HTTP 410" in str(caught.value)
        assert receiver.webhook_url not in str(caught.value)
        assert len(inbox.messages()) == 1

    def test_every_channel_failing_names_every_channel(
        self, env, clients, now, inbox, receiver
    ):
        env["SNS_TOPIC_ARN"] = inbox.topic_arn.replace("cert-expiry", "deleted")
        receiver.script(webhook_receiver.server_error())

        with pytest.raises(DeliveryError, match="delivery failed for slack, sns"):
            run(SCHEDULE, env, clients, now)

    def test_a_single_channel_is_enough(self, ncp_env, clients, now, receiver):
        report = run(
            SCHEDULE, {**ncp_env, "SLACK_WEBHOOK_URL": receiver.webhook_url},
            clients, now,
        )  # fmt: skip

        assert list(report["deliveries"]) == ["slack"]
        assert len(receiver.messages) == 1

    def test_without_any_channel_the_run_stops_before_asking_ncp(
        self, ncp_env, clients, now, ncp
    ):
        with pytest.raises(ConfigError, match="no channel is configured"):
            run(SCHEDULE, ncp_env, clients, now)

        assert ncp.requests == []

    def test_the_gov_zone_reads_v1_and_judges_valid_end_date(
        self, env, clients, now, ncp, inbox, receiver
    ):
        report = run(SCHEDULE, {**env, "NCP_ZONE": "gov"}, clients, now)

        assert {r.target for r in ncp.requests} == {"/api/v1/certificates"}
        assert report["counts"] == DEMO_COUNTS
        assert report["due"] == 7
        assert len(inbox.messages()) == len(receiver.messages) == 1


class TestReport:
    def test_every_certificate_is_listed_with_its_judgement(
        self, env, clients, now, inbox, receiver
    ):
        report = run(REPORT_ONLY, env, clients, now)

        assert report["mode"] == "report"
        assert report["counts"] == DEMO_COUNTS
        assert len(report["certificates"]) == 14
        for entry in report["certificates"]:
            assert set(entry) >= ENTRY_FIELDS
            if entry["notAfter"] is not None:
                assert datetime.fromisoformat(entry["notAfter"]).utcoffset() == (
                    timedelta(hours=9)
                )
        entries = by_number(report)
        assert entries[102405] == {
            **entries[102405],
            "certificateName": "cdn-example-com-edge",
            "commonName": "cdn.example.com",
            "notAfter": "2027-01-16T18:00:00+09:00",
            "daysLeft": 1,
            "state": "expiring",
            "threshold": 1,
        }
        assert entries[102406]["daysLeft"] == 0
        assert entries[102406]["threshold"] == 1
        assert entries[102410]["state"] == "expired"
        assert entries[102410]["daysLeft"] == -2
        assert entries[102412]["notAfter"] is None
        assert entries[102412]["state"] == "unknown"
        assert entries[102414]["state"] == "inactive"
        assert json.loads(json.dumps(report)) == report  # plain JSON

    def test_a_report_sends_nothing_and_renders_nothing(
        self, env, clients, now, inbox, receiver
    ):
        report = run(REPORT_ONLY, env, clients, now)

        assert report["deliveries"] == {}
        assert "digest" not in report
        assert nothing_was_sent(inbox, receiver)

    def test_a_report_with_notify_sends_everything_needing_attention(
        self, env, clients, now, inbox, receiver
    ):
        report = run(REPORT_AND_NOTIFY, env, clients, now)

        [mail] = inbox.messages()
        assert len(receiver.messages) == 1
        assert report["due"] == 10  # 2 expired + 7 expiring + 1 unknown
        assert mail["Message"].startswith("10 NCP certificates need attention")
        assert {name: d["status"] for name, d in report["deliveries"].items()} == {
            "sns": "sent",
            "slack": "sent",
        }

    def test_the_report_marks_which_certificates_were_due(self, env, clients, now):
        report = run(DRY_SCHEDULE, env, clients, now)

        due = {e["certificateNo"] for e in report["certificates"] if e["due"]}
        assert due == {102401, 102402, 102403, 102404, 102405, 102410, 102412}


class TestDryRun:
    def test_a_dry_run_renders_the_digest_and_sends_nothing(
        self, env, clients, now, inbox, receiver
    ):
        report = run(DRY_SCHEDULE, env, clients, now)

        assert report["dryRun"] is True
        assert report["deliveries"] == {}
        assert report["digest"]["subject"].startswith("NCP certificates: 7")
        assert "cdn.example.com" in report["digest"]["text"]
        assert report["digest"]["slack"]["blocks"]
        assert nothing_was_sent(inbox, receiver)

    def test_dry_run_from_the_configuration_also_sends_nothing(
        self, env, clients, now, inbox, receiver
    ):
        report = run(SCHEDULE, {**env, "DRY_RUN": "true"}, clients, now)

        assert report["dryRun"] is True
        assert "digest" in report
        assert nothing_was_sent(inbox, receiver)

    def test_a_dry_run_needs_no_channel(self, ncp_env, clients, now):
        assert run(DRY_SCHEDULE, ncp_env, clients, now)["digest"]["text"]


class TestNothingIsLostOrHidden:
    def test_an_unreadable_certificate_is_reported_as_unknown_never_dropped(
        self, env, clients, now, ncp, inbox
    ):
        ncp.certificates[:] = [
            {"certificateNo": 5},
            {"certificateNo": 6, "certificateName": ["odd"], "statusCode": None,
             "notAfter": 20270112, "usedInstanceNoList": "x"},
            {"certificateName": "no-number", "notAfter": "soon"},
            {"certificateNo": 8, "statusCode": "1",
             "notAfter": "2027-01-12 23:59:59"},  # no offset
        ]  # fmt: skip

        report = run(SCHEDULE, env, clients, now)

        assert [e["state"] for e in report["certificates"]] == ["unknown"] * 4
        assert {e["certificateNo"] for e in report["certificates"]} == {5, 6, 8, None}
        assert report["due"] == 4
        [mail] = inbox.messages()
        assert 'NCP sent "soon"' in mail["Message"]
        assert "NCP sent no date" in mail["Message"]

    def test_dates_at_the_edge_of_the_calendar_are_judged_not_a_crash(
        self, env, clients, now, ncp
    ):
        ncp.certificates[:] = [
            {"certificateNo": 1, "notAfter": "9999-12-31 23:59:59(UTC-09:00)"},
            {"certificateNo": 2, "notAfter": "0001-01-01 00:00:00(UTC+09:00)"},
        ]

        report = run(DRY_SCHEDULE, env, clients, now)

        entries = by_number(report)
        assert entries[1]["state"] == "ok"
        assert entries[1]["notAfter"] == "9999-12-31T23:59:59.999999+00:00"
        assert entries[2]["state"] == "expired"
        assert entries[2]["notAfter"].startswith("0001-01-01T0")
        assert datetime.fromisoformat(entries[2]["notAfter"]).utcoffset()
        assert report["due"] == 0

    def test_a_refused_key_is_an_error_never_an_all_clear(
        self, env, clients, now, ncp, inbox, receiver
    ):
        env["NCP_SECRET_KEY"] = "wrong-secret"

        with pytest.raises(NcpAuthError):
            run(SCHEDULE, env, clients, now)

        assert nothing_was_sent(inbox, receiver)

    def test_an_incomplete_list_is_an_error_never_an_all_clear(
        self, env, clients, now, inbox, receiver
    ):
        def lose_everything(page: int, payload: dict) -> dict:
            payload["totalCount"] = 3
            payload["sslCertificateList"] = []
            return payload

        with NcpStandIn(page_hook=lose_everything) as ncp:
            env["NCP_API_URL"] = ncp.url
            with pytest.raises(NcpResponseError, match="incomplete"):
                run(REPORT_ONLY, env, clients, now)

        assert nothing_was_sent(inbox, receiver)

    def test_a_failing_service_is_an_error_never_an_all_clear(
        self, env, clients, now, ncp, inbox, receiver
    ):
        ncp.script(ncp_server.service_error())

        with pytest.raises(NcpResponseError, match="returnCode 1001"):
            run(SCHEDULE, env, clients, now)

        assert nothing_was_sent(inbox, receiver)


class TestSecretsAtRunTime:
    def test_the_ncp_key_and_the_webhook_come_from_secrets_manager(
        self, ncp, inbox, receiver, clients, now
    ):
        secrets = boto3.client("secretsmanager")
        ncp_arn = secrets.create_secret(
            Name="ncp",
            SecretString=json.dumps(
                {"accessKey": ncp.access_key, "secretKey": ncp.secret_key}
            ),
        )["ARN"]
        hook_arn = secrets.create_secret(
            Name="hook", SecretString=json.dumps({"url": receiver.webhook_url})
        )["ARN"]
        env = {
            "NCP_CREDENTIALS_SECRET_ARN": ncp_arn,
            "NCP_API_URL": ncp.url,
            "SLACK_WEBHOOK_SECRET_ARN": hook_arn,
            "SNS_TOPIC_ARN": inbox.topic_arn,
        }

        report = run(SCHEDULE, env, clients, now)

        assert report["due"] == 7
        assert len(receiver.messages) == len(inbox.messages()) == 1

    def test_a_broken_webhook_secret_fails_slack_but_sns_still_gets_the_digest(
        self, ncp_env, ncp, inbox, clients, now
    ):
        secrets = boto3.client("secretsmanager")
        hook_arn = secrets.create_secret(Name="hook", SecretString="not a url")["ARN"]
        env = {
            **ncp_env,
            "SLACK_WEBHOOK_SECRET_ARN": hook_arn,
            "SNS_TOPIC_ARN": inbox.topic_arn,
        }

        with pytest.raises(DeliveryError, match="SLACK_WEBHOOK_SECRET_ARN") as caught:
            run(SCHEDULE, env, clients, now)

        assert set(caught.value.failures) == {"slack"}
        assert len(inbox.messages()) == 1
        assert caught.value.report["deliveries"]["sns"]["status"] == "sent"

    def test_a_broken_webhook_secret_fails_the_run_even_when_nothing_is_due(
        self, ncp_env, ncp, inbox, clients, now
    ):
        secrets = boto3.client("secretsmanager")
        hook_arn = secrets.create_secret(Name="hook", SecretString="not a url")["ARN"]
        ncp.certificates[:] = [
            c for c in ncp.certificates if c["certificateName"] == "portal-example-com"
        ]
        env = {**ncp_env, "SLACK_WEBHOOK_SECRET_ARN": hook_arn}

        with pytest.raises(DeliveryError, match="slack") as caught:
            run(SCHEDULE, env, clients, now)

        assert caught.value.report["due"] == 0
        assert inbox.messages() == []

    def test_a_report_does_not_read_the_webhook_secret(self, ncp_env, clients, now):
        arn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:none-AbCdEf"

        report = run(REPORT_ONLY, {**ncp_env, "SLACK_WEBHOOK_SECRET_ARN": arn},
                     clients, now)  # fmt: skip

        assert report["counts"]["total"] == 14


def test_expiry_dates_in_the_digest_follow_timezone(env, clients, now, inbox):
    # The stand-in writes KST; the digest shows the configured zone.
    run(SCHEDULE, {**env, "TIMEZONE": "UTC"}, clients, now)

    [mail] = inbox.messages()
    assert "2027-01-16 09:00 UTC (UTC+00:00)" in mail["Message"]
    assert "KST" not in mail["Message"]


class TestJudgingInstant:
    SCHEDULED = datetime(2027, 4, 8, 0, 0, tzinfo=UTC)  # 09:00 KST

    def request(self, scheduled):
        return RunRequest("scheduled", notify=True, dry_run=False,
                          scheduled_time=scheduled)  # fmt: skip

    def test_a_late_start_is_judged_at_the_scheduled_time(self):
        late = self.SCHEDULED + timedelta(seconds=5)

        assert job.judging_instant(self.request(self.SCHEDULED), late) == (
            self.SCHEDULED
        )

    def test_without_a_scheduled_time_the_clock_is_used(self):
        wall = self.SCHEDULED + timedelta(seconds=5)

        assert job.judging_instant(self.request(None), wall) == wall

    @pytest.mark.parametrize(
        "offset", [timedelta(days=2), timedelta(minutes=-30)], ids=["stale", "ahead"]
    )
    def test_an_implausible_scheduled_time_is_ignored(self, offset):
        wall = self.SCHEDULED + offset

        assert job.judging_instant(self.request(self.SCHEDULED), wall) == wall

    def test_daily_runs_that_start_late_still_reach_every_threshold(self):
        # Expires 2 s after 09:00 KST on Apr 10: at 09:00:00 on Apr 8 it has
        # 2 days left; judged by the clock at 09:00:05 on Apr 9 it would have
        # 0, and the 1-day threshold would be stepped over.
        not_after = self.SCHEDULED + timedelta(days=2, seconds=2)
        certificate = Certificate.from_ncp(
            {"certificateNo": 1, "statusCode": "1",
             "notAfter": not_after.isoformat()}
        )  # fmt: skip
        days = []
        for day, delay in enumerate((0, 5)):
            scheduled = self.SCHEDULED + timedelta(days=day)
            instant = job.judging_instant(
                self.request(scheduled), scheduled + timedelta(seconds=delay)
            )
            days.append(policy.judge(certificate, instant, (30, 14, 7, 3, 1)).days_left)

        assert days == [2, 1]
