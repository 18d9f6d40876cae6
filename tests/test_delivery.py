"""Scheduled runs with a state table: each stage told once per channel, none missed.

Every test runs the whole job: signed requests to the NCP stand-in on
loopback, SNS (with an SQS queue subscribed, to read what it delivered) and
DynamoDB in moto, and a Slack-compatible receiver on loopback. Simulated
time is the ``now`` each run is given.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from notifier import invocation, job
from notifier.clients import Clients
from notifier.config import Settings
from notifier.errors import DeliveryError, StateError
from notifier.invocation import RunRequest
from notifier.testing.aws import (
    Faulty,
    Serialised,
    SnsInbox,
    create_state_table,
    table_items,
)
from notifier.testing.ncp_server import NcpStandIn
from notifier.testing.samples import ncp_date
from notifier.testing.webhook_receiver import WebhookReceiver, server_error

#: 09:00 in Seoul, when the default schedule runs.
T0 = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)
SCHEDULED = RunRequest("scheduled", notify=True, dry_run=False)
#: A due line of the Slack digest: an emoji, the name in bold, the phrase.
_SLACK_DUE = re.compile(r"^:[a-z_]+: \*(?P<name>.+?)\* (?P<phrase>.+)$")


def day(number: int, seconds: int = 0) -> datetime:
    """The scheduled run of day ``number``, started ``seconds`` late."""
    return T0 + timedelta(days=number, seconds=seconds)


def certificate(
    number: int,
    host: str,
    not_after: datetime | str | None,
    *,
    in_use: bool = False,
    status: str = "1",
) -> dict:
    """One certificate as NCP lists it."""
    return {
        "certificateNo": number,
        "certificateName": host.replace(".", "-"),
        "commonName": host,
        "statusCode": status,
        "statusName": "Normal" if status == "1" else "Revoke",
        "certificateType": "EXTERNAL",
        "notAfter": ncp_date(not_after)
        if isinstance(not_after, datetime)
        else not_after,
        "usedInstanceNoList": ["21873522"] if in_use else [],
    }


def fleet() -> list[dict]:
    """Certificates at various distances from expiry on day 0."""
    return [
        certificate(101, "alpha.example.com", T0 + timedelta(days=20, hours=6)),
        certificate(
            102, "bravo.example.com", T0 + timedelta(days=5, hours=6), in_use=True
        ),
        certificate(103, "charlie.example.com", T0 + timedelta(days=45, hours=6)),
        certificate(104, "delta.example.com", "not-a-date"),
        certificate(105, "echo.example.com", T0 - timedelta(days=3, hours=-6)),
        certificate(106, "foxtrot.example.com", T0 + timedelta(days=200)),
        certificate(107, "golf.example.com", T0 + timedelta(days=2), status="-5"),
    ]


@dataclass
class World:
    """The stand-ins one scenario runs against, and what each channel got."""

    ncp: NcpStandIn
    slack: WebhookReceiver
    inbox: SnsInbox
    dynamodb: object
    table: str
    env: dict[str, str] = field(default_factory=dict)
    clients: Clients | None = None
    slack_seen: int = 0

    def settings(self, **overrides: str) -> Settings:
        return Settings.from_env(
            {
                **self.ncp.environment,
                "SNS_TOPIC_ARN": self.inbox.topic_arn,
                "SLACK_WEBHOOK_URL": self.slack.webhook_url,
                "STATE_TABLE": self.table,
                "HEARTBEAT_DAYS": "0",
                **self.env,
                **overrides,
            }
        )

    def run(self, at: datetime, request: RunRequest = SCHEDULED, **env: str) -> dict:
        if self.clients is None:
            self.clients = Clients()
        return job.run(request, self.settings(**env), self.clients, now=at)

    def sns(self) -> list[tuple[str, ...]]:
        """What SNS delivered since the last look: the due lines of each mail."""
        return [_mail_lines(envelope) for envelope in self.inbox.take()]

    def slack_messages(self) -> list[tuple[str, ...]]:
        """What the Slack receiver accepted since the last look."""
        messages = self.slack.messages[self.slack_seen :]
        self.slack_seen += len(messages)
        return [_slack_lines(message) for message in messages]


def _mail_lines(envelope: dict) -> tuple[str, ...]:
    text = envelope["Message"]
    if envelope["Subject"].startswith("NCP certificates: All clear"):
        return ("heartbeat: " + text.splitlines()[0],)
    if envelope["Subject"].startswith("NCP certificates: Nothing new"):
        return ("heartbeat: " + text.splitlines()[0],)
    return tuple(line[2:] for line in text.splitlines() if line.startswith("* "))


def _slack_lines(message: dict) -> tuple[str, ...]:
    if message["text"].startswith(("All clear", "Nothing new")):
        return ("heartbeat: " + message["text"] + ".",)
    lines = []
    for block in message["blocks"]:
        if block["type"] != "section":
            continue
        for line in block["text"]["text"].splitlines():
            if match := _SLACK_DUE.match(line):
                lines.append(f"{match['name']} {match['phrase']}")
    return tuple(lines)


@pytest.fixture
def world() -> Iterator[World]:
    with (
        mock_aws(),
        NcpStandIn(fleet()) as ncp,
        WebhookReceiver() as slack,
    ):
        dynamodb = boto3.client("dynamodb")
        inbox = SnsInbox(boto3.client("sns"), boto3.client("sqs"))
        scenario = World(ncp, slack, inbox, dynamodb, create_state_table(dynamodb))
        yield scenario
        if scenario.clients is not None:
            scenario.clients.close()


def drive(world: World, days: list[int], changes=None) -> dict[int, tuple]:
    """Run on each of ``days``; return, per day, what SNS and Slack received.

    ``changes`` maps a day to a function that edits the NCP list from then on.
    Runs start a few seconds late, by a different amount each day.
    """
    received = {}
    pending = sorted((changes or {}).items())
    for number in days:
        while pending and pending[0][0] <= number:
            pending.pop(0)[1](world.ncp.certificates)
        world.run(day(number, seconds=(number * 37) % 300))
        sns, slack = world.sns(), world.slack_messages()
        if sns or slack:
            received[number] = (sns, slack)
    return received


def renamed_expiry(certificates: list[dict]) -> None:
    """Day 10: NCP now sends a different unreadable date for delta."""
    for item in certificates:
        if item["certificateNo"] == 104:
            item["notAfter"] = "2027-13-45 99:99:99(UTC+09:00)"


def each_channel(lines: dict[int, tuple[str, ...]]) -> dict[int, tuple]:
    """The same single message on SNS and on Slack, per day."""
    return {number: ([told], [told]) for number, told in lines.items()}


def expired(host: str, days: int) -> str:
    """The digest's phrase for a certificate that expired ``days`` whole days ago."""
    if days == 0:
        return f"{host} expired today"
    return f"{host} expired {days} day{'' if days == 1 else 's'} ago"


BRAVO_EXPIRED = {n: expired("bravo.example.com", n - 6) for n in range(8, 31)}

#: Daily at 09:00 for a month, thresholds 30,14,7,3,1, reminders 7 days.
DAILY = {
    0: (
        "echo.example.com expired 2 days ago",
        "bravo.example.com expires in 5 days",
        "alpha.example.com expires in 20 days",
        "delta.example.com has an expiry that cannot be read",
    ),
    1: ("echo.example.com expired 3 days ago",),
    2: ("echo.example.com expired 4 days ago", "bravo.example.com expires in 3 days"),
    3: ("echo.example.com expired 5 days ago",),
    4: ("echo.example.com expired 6 days ago", "bravo.example.com expires in 1 day"),
    6: ("bravo.example.com expired today", "alpha.example.com expires in 14 days"),
    7: ("bravo.example.com expired 1 day ago",),
    8: (BRAVO_EXPIRED[8],),
    9: (BRAVO_EXPIRED[9],),
    10: (BRAVO_EXPIRED[10], "delta.example.com has an expiry that cannot be read"),
    11: (BRAVO_EXPIRED[11],),
    12: (BRAVO_EXPIRED[12],),
    13: (BRAVO_EXPIRED[13], "alpha.example.com expires in 7 days"),
    14: (BRAVO_EXPIRED[14],),
    15: (BRAVO_EXPIRED[15], "charlie.example.com expires in 30 days"),
    16: (BRAVO_EXPIRED[16],),
    17: (BRAVO_EXPIRED[17], "alpha.example.com expires in 3 days"),
    18: (BRAVO_EXPIRED[18],),
    19: (BRAVO_EXPIRED[19], "alpha.example.com expires in 1 day"),
    20: (BRAVO_EXPIRED[20],),
    21: (BRAVO_EXPIRED[21], "alpha.example.com expired today"),
    **{
        n: (BRAVO_EXPIRED[n], expired("alpha.example.com", n - 21))
        for n in range(22, 28)
    },
    **{n: (BRAVO_EXPIRED[n],) for n in range(28, 31)},
}


class TestSimulatedMonth:
    def test_daily_runs_tell_each_stage_once_per_channel(self, world):
        received = drive(world, list(range(31)), {10: renamed_expiry})

        assert received == each_channel(DAILY)

    def test_a_weekly_schedule_tells_only_the_most_urgent_stage_crossed(self, world):
        received = drive(world, [0, 7, 14, 21, 28], {10: renamed_expiry})

        assert received == each_channel(
            {
                0: DAILY[0],
                7: (
                    "bravo.example.com expired 1 day ago",
                    "alpha.example.com expires in 13 days",
                ),
                14: (
                    BRAVO_EXPIRED[14],
                    "alpha.example.com expires in 6 days",
                    "delta.example.com has an expiry that cannot be read",
                ),
                21: (
                    BRAVO_EXPIRED[21],
                    "alpha.example.com expired today",
                    "charlie.example.com expires in 24 days",
                ),
                28: (BRAVO_EXPIRED[28],),
            }
        )

    def test_runs_missed_in_the_middle_are_caught_up_by_the_next(self, world):
        days = [n for n in range(31) if n not in (5, 6, 7)]

        received = drive(world, days, {10: renamed_expiry})

        expected = {n: told for n, told in DAILY.items() if n not in (5, 6, 7)}
        expected[8] = (
            "bravo.example.com expired 2 days ago",
            "alpha.example.com expires in 12 days",
        )
        assert received == each_channel(expected)

    def test_an_hourly_schedule_tells_each_stage_exactly_once(self, world):
        world.ncp.certificates[:] = [
            certificate(201, "hourly.example.com", T0 + timedelta(days=3, minutes=30))
        ]

        received = {}
        for hour in range(98):
            world.run(T0 + timedelta(hours=hour, seconds=(hour * 13) % 90))
            sns, slack = world.sns(), world.slack_messages()
            if sns or slack:
                received[hour] = (sns, slack)

        assert received == each_channel(
            {
                0: ("hourly.example.com expires in 3 days",),
                25: ("hourly.example.com expires in 1 day",),
                73: ("hourly.example.com expired today",),
                97: ("hourly.example.com expired 1 day ago",),
            }
        )


def readme_life() -> dict[datetime, tuple[int, str, str]]:
    """The README's worked example: run instant -> (days left, SNS, Slack)."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("### A certificate's life, day by day", 1)[1]
    section = section.split("\n#", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if not re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}", cells[0]):
            continue
        date = datetime.strptime(f"2027 {cells[0]}", "%Y %b %d")
        # 09:00 in Seoul is midnight UTC.
        rows[date.replace(tzinfo=UTC)] = (
            int(cells[1].replace("\u2212", "-")),
            cells[2],
            cells[3],
        )
    return rows


def as_received(cell: str, host: str) -> list[tuple[str, ...]]:
    """A README cell as the lines a channel received ("—" is nothing)."""
    if cell == "—":
        return []
    if cell.startswith("All clear"):
        return [(f"heartbeat: {cell}.",)]
    return [(f"{host} {cell}",)]


class TestTheReadmeExample:
    def test_a_certificates_life_is_told_as_the_readme_says(self, world):
        life = readme_life()
        host = "shop.example.kr"
        world.ncp.certificates[:] = [
            certificate(102402, host, "2027-04-10 23:59:59(UTC+09:00)", in_use=True)
        ]
        world.env["HEARTBEAT_DAYS"] = "7"

        runs = [
            datetime(2027, 3, 21, tzinfo=UTC) + n * timedelta(days=1) for n in range(37)
        ]
        assert len(life) >= 15 and set(life) <= set(runs)
        for at in runs:
            if at == datetime(2027, 4, 7, tzinfo=UTC):
                continue  # The missed run.
            if at == datetime(2027, 3, 27, tzinfo=UTC):
                world.slack.script(server_error())
            if at == datetime(2027, 4, 19, tzinfo=UTC):
                world.ncp.certificates[0]["notAfter"] = "2028-04-10 23:59:59(UTC+09:00)"
            try:
                report = world.run(at + timedelta(seconds=2))
            except DeliveryError as failed:
                report = failed.report
            received = (world.sns(), world.slack_messages())

            days_left, sns, slack = life.get(at, (None, "—", "—"))
            assert received == (as_received(sns, host), as_received(slack, host)), at
            if days_left is not None:
                assert report["certificates"][0]["daysLeft"] == days_left, at


class TestThresholds:
    def test_first_seen_at_five_days_gives_one_warning_and_counts_30_and_14_done(
        self, world
    ):
        world.ncp.certificates[:] = [
            certificate(301, "late.example.com", T0 + timedelta(days=5, hours=6))
        ]

        first = drive(world, [0])
        received = drive(world, [1, 2])

        assert first == each_channel({0: ("late.example.com expires in 5 days",)})
        assert received == each_channel({2: ("late.example.com expires in 3 days",)})
        report = world.run(day(2), RunRequest("report", notify=False, dry_run=False))
        told = report["certificates"][0]["notified"]
        assert told["sns"]["threshold"] == 3 and told["slack"]["threshold"] == 3

    def test_a_renewed_certificate_is_warned_afresh(self, world):
        world.ncp.certificates[:] = [
            certificate(401, "renew.example.com", T0 + timedelta(days=10, hours=6))
        ]
        warned = drive(world, [0])

        def renew(certificates):
            certificates[0]["notAfter"] = ncp_date(T0 + timedelta(days=32, hours=6))

        later = drive(world, [1, 2, 3], {1: renew})

        assert warned == each_channel({0: ("renew.example.com expires in 10 days",)})
        assert later == each_channel({2: ("renew.example.com expires in 30 days",)})

    def test_an_expired_certificate_in_use_is_marked_as_an_outage(self, world):
        world.ncp.certificates[:] = [
            certificate(501, "down.example.com", T0 - timedelta(days=30), in_use=True)
        ]

        world.run(day(0))

        (mail,) = world.inbox.take()
        assert (
            "IN USE by 21873522: it has expired, so this is an outage now"
            in (mail["Message"])
        )
        (message,) = world.slack.messages
        assert "in use by 21873522: an outage now" in str(message["blocks"])

    def test_expired_reminders_follow_expired_repeat_hours(self, world):
        world.ncp.certificates[:] = [
            certificate(502, "gone.example.com", T0 - timedelta(hours=1))
        ]

        received = {}
        for hour in range(0, 24 * 4, 6):
            world.run(T0 + timedelta(hours=hour), EXPIRED_REPEAT_HOURS="48")
            if mails := world.sns():
                received[hour] = mails

        assert received == {
            0: [("gone.example.com expired today",)],
            48: [("gone.example.com expired 2 days ago",)],
        }


class TestChannels:
    def test_only_the_channel_that_failed_gets_the_same_event_again(
        self, world, load_event
    ):
        request = invocation.from_event(load_event("scheduled"))
        at = request.scheduled_time + timedelta(seconds=4)
        world.ncp.certificates[:] = [
            certificate(601, "retry.example.com", at + timedelta(days=7, hours=6))
        ]
        world.slack.script(server_error())

        with pytest.raises(DeliveryError) as failed:
            world.run(at, request)
        first = (world.sns(), world.slack_messages())
        again = world.run(at + timedelta(minutes=2), request)
        second = (world.sns(), world.slack_messages())
        third = world.run(at + timedelta(minutes=4), request)

        told = [("retry.example.com expires in 7 days",)]
        assert failed.value.failures.keys() == {"slack"}
        assert failed.value.report["deliveries"]["sns"]["status"] == "sent"
        assert first == (told, [])
        assert second == ([], told)
        assert set(again["deliveries"]) == {"slack"}
        assert third["deliveries"] == {} and world.sns() == []

    def test_two_runs_at_once_send_one_digest(self, world):
        dynamodb = Serialised(world.dynamodb)
        sns = boto3.client("sns")
        made = {"dynamodb": dynamodb, "sns": sns}
        settings = world.settings()
        start = threading.Barrier(2)
        reports: list[dict] = []

        def run_once() -> None:
            with Clients(aws_client=made.__getitem__) as clients:
                start.wait(timeout=10)
                reports.append(job.run(SCHEDULED, settings, clients, now=day(0)))

        threads = [threading.Thread(target=run_once) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert len(reports) == 2
        assert [len(m) for m in world.sns()] == [4]
        assert [len(m) for m in world.slack_messages()] == [4]
        for channel in ("sns", "slack"):
            statuses = sorted(
                r["deliveries"].get(channel, {}).get("status", "none") for r in reports
            )
            assert statuses in (["none", "sent"], ["sent", "skipped"])


class TestStateProblems:
    def test_a_missing_table_still_sends_the_stateless_digest_then_fails(self, world):
        world.ncp.certificates[:] = [
            certificate(701, "seven.example.com", T0 + timedelta(days=7, hours=6)),
            certificate(702, "six.example.com", T0 + timedelta(days=6, hours=6)),
        ]

        with pytest.raises(StateError) as failed:
            world.run(day(0), STATE_TABLE="no-such-table")

        assert "no-such-table does not exist" in str(failed.value)
        assert "stateless rule" in str(failed.value)
        told = [("seven.example.com expires in 7 days",)]
        assert (world.sns(), world.slack_messages()) == (told, told)
        assert failed.value.report["stateProblem"] == str(failed.value)

    def test_a_failed_channel_and_a_missing_table_make_one_error(self, world):
        world.slack.script(server_error())

        with pytest.raises(DeliveryError) as failed:
            world.run(day(0), STATE_TABLE="no-such-table")

        message = str(failed.value)
        assert message.startswith("delivery failed for slack")
        assert "also, the state table no-such-table does not exist" in message
        assert len(world.sns()) == 1

    def test_an_unreadable_table_falls_back_to_the_stateless_rule(self, world):
        faulty = Faulty(world.dynamodb, {"batch_get_item": "AccessDeniedException"})
        world.clients = Clients(
            aws_client={"dynamodb": faulty, "sns": boto3.client("sns")}.get
        )
        world.ncp.certificates[:] = [
            certificate(703, "three.example.com", T0 + timedelta(days=3, hours=6)),
            certificate(704, "four.example.com", T0 + timedelta(days=4, hours=6)),
        ]

        with pytest.raises(StateError, match="dynamodb:BatchGetItem"):
            world.run(day(0))

        told = [("three.example.com expires in 3 days",)]
        assert (world.sns(), world.slack_messages()) == (told, told)
        assert "update_item" not in faulty.calls

    def test_a_throttled_write_still_sends_and_then_fails(self, world):
        faulty = Faulty(
            world.dynamodb, {"update_item": "ProvisionedThroughputExceededException"}
        )
        world.clients = Clients(
            aws_client={"dynamodb": faulty, "sns": boto3.client("sns")}.get
        )

        with pytest.raises(StateError, match="throttled") as failed:
            world.run(day(0))

        assert [len(m) for m in world.sns()] == [4]
        assert [len(m) for m in world.slack_messages()] == [4]
        assert "without a claim" in str(failed.value)
        assert table_items(world.dynamodb, world.table) == []


class TestLookingTouchesNoState:
    def test_a_dry_run_reads_but_never_writes(self, world):
        drive(world, [0])
        before = table_items(world.dynamodb, world.table)

        report = world.run(day(2), RunRequest("scheduled", notify=True, dry_run=True))

        assert table_items(world.dynamodb, world.table) == before
        assert (world.sns(), world.slack_messages()) == ([], [])
        due = [c["commonName"] for c in report["certificates"] if c["due"]]
        assert due == ["echo.example.com", "bravo.example.com"]
        assert "bravo.example.com expires in 3 days" in report["digest"]["text"]

    def test_a_dry_run_without_channels_shows_everything_with_a_stage(self, world):
        report = world.run(
            day(0),
            RunRequest("scheduled", notify=True, dry_run=True),
            SNS_TOPIC_ARN="",
            SLACK_WEBHOOK_URL="",
        )

        assert report["due"] == 4 and report["deliveries"] == {}
        assert table_items(world.dynamodb, world.table) == []

    def test_a_report_shows_what_each_channel_was_last_told(self, world):
        drive(world, [0, 1, 2])
        before = table_items(world.dynamodb, world.table)

        report = world.run(day(3), RunRequest("report", notify=False, dry_run=False))

        assert table_items(world.dynamodb, world.table) == before
        by_name = {c["commonName"]: c for c in report["certificates"]}
        bravo = by_name["bravo.example.com"]["notified"]
        for channel in ("sns", "slack"):
            sent_at = datetime.fromisoformat(bravo[channel].pop("sentAt"))
            assert sent_at.utcoffset() == timedelta(hours=9)
            assert day(2, seconds=74) <= sent_at < day(2, seconds=84)
            assert bravo[channel] == {
                "state": "expiring",
                "daysLeft": 3,
                "threshold": 3,
            }
        echo = by_name["echo.example.com"]["notified"]["sns"]
        assert (echo["state"], echo["daysLeft"], echo["threshold"]) == (
            "expired",
            -4,
            None,
        )
        assert by_name["foxtrot.example.com"]["notified"] == {
            "sns": None,
            "slack": None,
        }

    def test_a_report_survives_an_unreadable_table(self, world):
        report = world.run(
            day(0),
            RunRequest("report", notify=False, dry_run=False),
            STATE_TABLE="no-such-table",
        )

        assert "no-such-table does not exist" in report["stateProblem"]
        assert report["certificates"][0]["notified"] == {}


class TestHeartbeat:
    def test_silence_for_heartbeat_days_brings_an_all_clear(self, world):
        world.ncp.certificates[:] = [
            certificate(801, "quiet.example.com", T0 + timedelta(days=60, hours=6)),
            certificate(802, "calm.example.com", T0 + timedelta(days=90, hours=6)),
        ]
        world.env["HEARTBEAT_DAYS"] = "7"

        received = drive(world, list(range(16)))

        assert received == each_channel(
            {
                n: (
                    "heartbeat: All clear: 2 certificates watched, next expiry in "
                    f"{60 - n} days.",
                )
                for n in (0, 7, 14)
            }
        )

    def test_a_digest_restarts_the_heartbeat_count(self, world):
        world.ncp.certificates[:] = [
            certificate(803, "soon.example.com", T0 + timedelta(days=33, hours=6)),
        ]
        world.env["HEARTBEAT_DAYS"] = "7"

        received = drive(world, list(range(12)))

        assert received == each_channel(
            {
                0: (
                    "heartbeat: All clear: 1 certificate watched, next expiry in "
                    "33 days.",
                ),
                3: ("soon.example.com expires in 30 days",),
                # Still expiring, though already told: not "all clear".
                10: (
                    "heartbeat: Nothing new: 1 certificate watched, next expiry in "
                    "23 days.",
                ),
            }
        )

    def test_without_a_table_there_is_no_heartbeat(self, world):
        world.ncp.certificates[:] = [
            certificate(804, "quiet.example.com", T0 + timedelta(days=60, hours=6)),
        ]

        report = world.run(day(0), STATE_TABLE="", HEARTBEAT_DAYS="7")

        assert report["deliveries"] == {}
        assert (world.sns(), world.slack_messages()) == ([], [])


class TestWithoutATable:
    def test_the_stateless_rule_is_unchanged(self, world):
        world.ncp.certificates[:] = [
            certificate(901, "seven.example.com", T0 + timedelta(days=7, hours=6)),
            certificate(902, "six.example.com", T0 + timedelta(days=6, hours=6)),
        ]

        world.run(day(0), STATE_TABLE="")
        world.run(day(0, seconds=60), STATE_TABLE="")

        told = [("seven.example.com expires in 7 days",)] * 2
        assert (world.sns(), world.slack_messages()) == (told, told)
        assert table_items(world.dynamodb, world.table) == []

    def test_no_dynamodb_client_is_made_without_a_table(self, world):
        asked: list[str] = []

        def aws_client(service: str):
            asked.append(service)
            return boto3.client(service)

        world.clients = Clients(aws_client=aws_client)
        world.run(day(0), STATE_TABLE="")
        world.run(
            day(0), RunRequest("report", notify=False, dry_run=False), STATE_TABLE=""
        )

        assert asked == ["sns"]


class TestSecrets:
    def test_no_secret_reaches_the_table_a_log_or_an_error(self, world, caplog):
        world.slack.script(server_error())
        secrets = (world.slack.webhook_url, world.slack.path, world.ncp.secret_key)

        # The notifier's own log at its most verbose (urllib3's DEBUG lines
        # carry request paths; Lambda logs at INFO).
        caplog.set_level("DEBUG", logger="notifier")
        with pytest.raises(DeliveryError) as failed:
            world.run(day(0))
        with pytest.raises(StateError) as state_failed:
            world.run(day(1), STATE_TABLE="no-such-table")

        stored = str(table_items(world.dynamodb, world.table))
        seen = " ".join(
            (caplog.text, str(failed.value), str(failed.value.report), stored)
            + (str(state_failed.value), str(state_failed.value.report))
        )
        assert "notice#sns#" in stored and "channel#sns" in stored
        assert not [secret for secret in secrets if secret in seen]
