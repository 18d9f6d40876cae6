"""Events into requests: every sample in events/ and every bad event."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from notifier.errors import EventError
from notifier.invocation import REPORT, SCHEDULED, RunRequest, from_event

EVENTS = Path(__file__).resolve().parent.parent / "events"
SCHEDULED_AT = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)

# What each sample event asks for; a new sample needs a line here.
EXPECTED = {
    "scheduled.json": RunRequest(SCHEDULED, notify=True, dry_run=False,
                                 scheduled_time=SCHEDULED_AT),
    "scheduler.json": RunRequest(SCHEDULED, notify=True, dry_run=False,
                                 scheduled_time=SCHEDULED_AT),
    "report.json": RunRequest(REPORT, notify=False, dry_run=False),
    "report-notify.json": RunRequest(REPORT, notify=True, dry_run=False),
    "dry-run.json": RunRequest(SCHEDULED, notify=True, dry_run=True),
}  # fmt: skip


def test_every_sample_event_has_an_expected_request():
    assert sorted(path.name for path in EVENTS.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_sample_event_becomes_its_request(load_event, name):
    assert from_event(load_event(name)) == EXPECTED[name]


@pytest.mark.parametrize(
    ("name", "sends"),
    [("scheduled.json", True), ("scheduler.json", True), ("report.json", False),
     ("report-notify.json", True), ("dry-run.json", False)],
)  # fmt: skip
def test_only_schedules_and_notify_reports_send_and_never_a_dry_run(
    load_event, name, sends
):
    assert from_event(load_event(name)).sends is sends


def test_a_plain_scheduled_mode_runs_the_schedule():
    assert from_event({"mode": "scheduled"}) == RunRequest(
        SCHEDULED, notify=True, dry_run=False
    )


def test_a_scheduler_event_needs_no_mode():
    request = from_event({"source": "aws.scheduler"})

    assert request.mode == SCHEDULED and request.notify


def test_a_dry_run_applies_to_a_report_and_to_a_schedule(load_event):
    report = from_event({"mode": "report", "notify": True, "dryRun": True})
    schedule = from_event({**load_event("scheduled.json"), "dryRun": True})

    assert report.dry_run and not report.sends
    assert schedule.dry_run and not schedule.sends


def test_an_unreadable_schedule_time_is_no_time_not_an_error(load_event):
    event = {**load_event("scheduled.json"), "time": "yesterday"}

    assert from_event(event).scheduled_time is None


@pytest.mark.parametrize("event", [None, [], "scheduled", 42])
def test_an_event_that_is_not_an_object_is_refused(event):
    with pytest.raises(EventError, match='must be a JSON object.*"mode": "report"'):
        from_event(event)


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"mode": "Report"},
        {"mode": "send-everything"},
        {"mode": ["report"]},
        {"source": "aws.events", "detail-type": "EC2 Instance State-change"},
        {"source": "aws.s3"},
    ],
)
def test_an_event_without_a_known_mode_is_refused_with_an_example(event):
    with pytest.raises(EventError, match='"mode": "report"'):
        from_event(event)


def test_an_unknown_mode_is_quoted_when_short():
    with pytest.raises(EventError, match="mode='reprot'"):
        from_event({"mode": "reprot"})


@pytest.mark.parametrize(
    "mode", ["x" * 500, "NCPSECRETKEY0123456789abcdefghij", "https://hooks/x"]
)
def test_an_unknown_mode_that_could_be_a_secret_is_described_not_quoted(mode):
    with pytest.raises(EventError, match="not shown") as caught:
        from_event({"mode": mode})

    assert mode not in str(caught.value)


@pytest.mark.parametrize(
    "event",
    [
        {"mode": "report", "notify": "true"},
        {"mode": "report", "notify": 1},
        {"mode": "scheduled", "dryRun": "yes"},
        {"mode": "report", "dryRun": None},
    ],
)
def test_flags_must_be_json_booleans(event):
    with pytest.raises(EventError, match="must be true or false"):
        from_event(event)


@pytest.mark.parametrize("stamp", ["garbage", 12345, "2026-13-45T00:00:00Z"])
def test_an_unreadable_scheduled_time_is_said_and_the_clock_used(
    load_event, caplog, stamp
):
    request = from_event({**load_event("scheduler.json"), "scheduledTime": stamp})

    assert request.scheduled_time is None
    assert "cannot be read; judging at the clock" in caplog.text
