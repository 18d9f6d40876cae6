"""One run of the notifier: list, judge, render, deliver, report.

:func:`run` is the whole job; the Lambda handler, the command line and the
demo all call it. It never stops at the first failed channel: every
configured channel is tried, and only then does a failure raise
:class:`~notifier.errors.DeliveryError`, carrying the report.
"""

from __future__ import annotations

import functools
import gc
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from . import credentials, delivery, digest, policy, report
from .certificate import Certificate
from .channels import Channel, sns_subscriptions
from .channels.ses import SesChannel
from .channels.slack import SlackChannel
from .channels.sns import SnsChannel
from .clients import Clients
from .config import Settings
from .errors import ChannelError, ConfigError, DeliveryError, StateError
from .invocation import REPORT, SCHEDULED, RunRequest
from .ncp_client import NcpClient
from .state import StateTable
from .text import clean

log = logging.getLogger(__name__)

#: How late a scheduled event may arrive and still be judged at its own time
#: (the template lets an event wait up to an hour), and how far ahead of the
#: clock its time may be.
_SCHEDULE_LATENESS = timedelta(hours=6)
_CLOCK_SKEW = timedelta(minutes=5)


def _without_cycle_collection(function: Callable[..., dict]) -> Callable[..., dict]:
    """Run ``function`` with Python's cyclic garbage collector paused.

    A run builds three objects per certificate and makes no reference cycles
    of its own, yet with 10,000 certificates the collector would walk every
    one of them again at each full collection (a sixth of the run's time, in
    spikes). Reference counting still frees everything; the collector
    resumes, as it was, when the run ends.
    """

    @functools.wraps(function)
    def paused(*args: object, **kwargs: object) -> dict:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused


@_without_cycle_collection
def run(
    request: RunRequest,
    settings: Settings,
    clients: Clients,
    *,
    now: datetime | None = None,
    report_hint: str = 'Invoke the function with {"mode": "report"} for the full list.',
    on_page=None,
    on_report: Callable[[dict], None] | None = None,
) -> dict:
    """Run the job once and return its report.

    ``on_report`` is called with the report before a failed delivery is
    raised, so what watches the runs (metrics) sees the failures too.
    """
    started = time.monotonic()
    if now is None:
        now = judging_instant(request, datetime.now(UTC))
        # Claims and their leases follow the real clock, not the schedule's
        # time: a retry an hour late must see a crashed run's lease expired.
        state_clock = _wall_clock
    else:
        given = now

        def state_clock() -> datetime:
            # A simulated run's clock: its instant, plus the time it has taken.
            return given + timedelta(seconds=time.monotonic() - started)

    dry_run = request.dry_run or settings.dry_run
    sending = request.notify and not dry_run
    if sending and not settings.has_channel:
        raise ConfigError(
            "no channel is configured: set SNS_TOPIC_ARN, SLACK_WEBHOOK_URL, "
            "SLACK_WEBHOOK_SECRET_ARN, or SES_FROM and SES_TO (or DRY_RUN=true "
            "to only render)"
        )
    # Channels are set up (their secrets read) on every sending run, so that a
    # broken one fails today's run, not only the first run with news; it never
    # keeps the other channels from the digest.
    channels, broken = _channels(settings, clients) if sending else ([], {})

    verdicts = _judge_all(settings, clients, now, on_page)
    table = _state_table(settings, clients, state_clock)
    notified, state_problem = None, None

    if table is not None and request.mode == SCHEDULED:
        outcome = delivery.scheduled(
            verdicts,
            settings,
            table,
            now=now,
            render=lambda due: _render(due, verdicts, settings, now, report_hint),
            channels=(lambda: channels) if sending else None,
            scheduled_time=request.scheduled_time,
        )
        due_ids, deliveries = outcome.due_ids, outcome.deliveries
        rendered, state_problem = outcome.digest, outcome.state_problem
    else:
        due = [v for v in verdicts if _is_due(v, request, settings, now)]
        due_ids = {id(v) for v in due}

        rendered = None
        if due and (request.notify or dry_run):
            rendered = _render(due, verdicts, settings, now, report_hint)
        deliveries = {}
        if rendered is not None and sending:
            deliveries = _deliver(rendered, channels)
        if table is not None:
            # A report shows what each channel was last told; read-only.
            notified, state_problem = delivery.notified(verdicts, settings, table)
    for name, why in broken.items():
        deliveries[name] = {"status": "failed", "error": why}

    # A report looks at the topic's subscriptions; a scheduled run spends no
    # extra AWS call on it (the report and the heartbeat show the silence).
    warnings = _warnings(settings, clients) if request.mode == REPORT else []

    result = report.build(
        mode=request.mode,
        dry_run=dry_run,
        now=now,
        zone=settings.timezone,
        verdicts=verdicts,
        due_ids=due_ids,
        deliveries=deliveries,
        digest=rendered,
        warnings=warnings,
        notified=notified,
        state_problem=state_problem,
    )
    _log_summary(result, time.monotonic() - started)
    if on_report is not None:
        on_report(result)

    failures = {
        name: outcome["error"]
        for name, outcome in deliveries.items()
        if outcome["status"] == "failed"
    }
    # A run that only looked (a report, a dry run) shows a state problem in
    # its result; a run that sent fails, so that Lambda and the alarm see it.
    state_problem = state_problem if sending and request.mode == SCHEDULED else None
    if failures:
        raise DeliveryError(failures, result, state_problem)
    if state_problem:
        raise StateError(state_problem, result)
    return result


def judging_instant(request: RunRequest, wall_clock: datetime) -> datetime:
    """The instant a run judges at: the schedule's own time when the event
    carries a plausible one, else the clock.

    Scheduled runs then fall exactly a period apart, whatever the delay in
    starting them, so each day's whole days left drop by exactly one and no
    threshold is stepped over (a run at 09:00:05 after one at 09:00:00 would
    otherwise see 2 days left, then 0).
    """
    scheduled = request.scheduled_time
    if scheduled is None:
        return wall_clock
    if wall_clock - _SCHEDULE_LATENESS <= scheduled <= wall_clock + _CLOCK_SKEW:
        return scheduled
    log.warning(
        "ignoring the event's scheduled time %s, %s from the clock",
        scheduled.isoformat(),
        wall_clock - scheduled,
    )
    return wall_clock


def _render(
    due: list[policy.Verdict],
    verdicts: list[policy.Verdict],
    settings: Settings,
    now: datetime,
    report_hint: str,
) -> digest.Digest:
    return digest.render(
        due,
        verdicts,
        now=now,
        zone=settings.timezone,
        thresholds=settings.threshold_days,
        report_hint=report_hint,
    )


def _state_table(
    settings: Settings, clients: Clients, clock: Callable[[], datetime]
) -> StateTable | None:
    """The delivery state table, when configured, keeping time by ``clock``."""
    if settings.state_table is None:
        return None
    return StateTable(clients.aws("dynamodb"), settings.state_table, clock=clock)


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def _judge_all(
    settings: Settings, clients: Clients, now: datetime, on_page
) -> list[policy.Verdict]:
    keys = credentials.ncp_credentials(settings, clients.secrets)
    client = NcpClient(
        clients.http,
        settings.ncp_api_url,
        keys.access_key,
        keys.secret_key,
        api_version=settings.ncp_api_version,
        timeout_seconds=settings.ncp_timeout_seconds,
        on_page=on_page,
    )
    # Judged page by page: NCP's raw objects are dropped as soon as their
    # page is judged, so a run never holds more than one page of them.
    version, thresholds = settings.ncp_api_version, settings.threshold_days
    verdicts: list[policy.Verdict] = []
    for items in client.pages():
        verdicts.extend(
            policy.judge(Certificate.from_ncp(item, version), now, thresholds)
            for item in items
        )
    if log.isEnabledFor(logging.DEBUG):
        for verdict in verdicts:
            cert = verdict.certificate
            log.debug(
                "certificate %s %r (%s): %s, %s days left",
                clean(cert.number, 20),
                clean(cert.name, 80),
                clean(cert.common_name, 80),
                verdict.state.value,
                verdict.days_left,
            )
    return verdicts


def _is_due(
    verdict: policy.Verdict, request: RunRequest, settings: Settings, now: datetime
) -> bool:
    """A report names everything needing attention; a schedule, what is due."""
    if request.mode == REPORT:
        return verdict.needs_attention
    return policy.is_due(
        verdict, now, settings.threshold_days, settings.expired_reminder_days
    )


def _warnings(settings: Settings, clients: Clients) -> list[str]:
    """What could keep a digest from arriving, though no call failed."""
    found: list[str] = []
    if settings.sns_topic_arn:
        found.extend(
            sns_subscriptions.warnings(clients.aws("sns"), settings.sns_topic_arn)
        )
    for warning in found:
        log.warning("%s", warning)
    return found


def _channels(
    settings: Settings, clients: Clients
) -> tuple[list[Channel], dict[str, str]]:
    """The configured channels, and why any of them could not be set up."""
    channels: list[Channel] = []
    broken: dict[str, str] = {}
    if settings.sns_topic_arn:
        channels.append(SnsChannel(clients.aws("sns"), settings.sns_topic_arn))
    if settings.ses_from:
        channels.append(
            SesChannel(clients.aws("sesv2"), settings.ses_from, settings.ses_to)
        )
    try:
        url = credentials.webhook_url(settings, clients.secrets)
    except ConfigError as exc:
        log.error("the slack channel cannot be used: %s", exc)
        broken[SlackChannel.name] = str(exc)
    else:
        if url:
            channels.append(SlackChannel(clients.http, url))
    return channels, broken


def _deliver(rendered: digest.Digest, channels: list[Channel]) -> dict[str, dict]:
    """Send to every channel; one channel's failure never stops the next."""
    outcomes: dict[str, dict] = {}
    for channel in channels:
        log.debug("sending the digest to %s", channel.name)
        try:
            receipt = channel.send(rendered)
        except ChannelError as exc:
            log.error("delivery to %s failed: %s", channel.name, exc)
            outcomes[channel.name] = {"status": "failed", "error": str(exc)}
        else:
            log.debug("%s accepted the digest (%s)", channel.name, receipt)
            outcomes[channel.name] = {"status": "sent", "receipt": receipt}
    return outcomes


def _log_summary(result: dict, seconds: float) -> None:
    """The one INFO line per run; its fields are also keys of the JSON line."""
    counts = result["counts"]
    outcomes = {name: o["status"] for name, o in result["deliveries"].items()}
    sent = ", ".join(f"{name}={status}" for name, status in outcomes.items())
    fields = {
        "mode": result["mode"],
        "dryRun": result["dryRun"],
        "certificates": counts["total"],
        "states": {k: v for k, v in counts.items() if k != "total"},
        "due": result["due"],
        "deliveries": outcomes,
        "warnings": len(result["warnings"]),
        "durationMs": round(seconds * 1000),
    }
    log.info(
        "run finished: mode=%s certificates=%d expired=%d expiring=%d unknown=%d "
        "ok=%d inactive=%d due=%d deliveries=%s dry_run=%s duration_ms=%d",
        result["mode"],
        counts["total"],
        counts["expired"],
        counts["expiring"],
        counts["unknown"],
        counts["ok"],
        counts["inactive"],
        result["due"],
        sent or "none",
        result["dryRun"],
        seconds * 1000,
        extra=fields,
    )
