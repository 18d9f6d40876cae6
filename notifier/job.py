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
from datetime import UTC, datetime

from . import credentials, digest, policy, report
from .certificate import Certificate
from .channels import Channel
from .channels.slack import SlackChannel
from .channels.sns import SnsChannel
from .clients import Clients
from .config import Settings
from .errors import ChannelError, ConfigError, DeliveryError
from .invocation import REPORT, RunRequest
from .ncp_client import NcpClient
from .secret import Secret

log = logging.getLogger(__name__)


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
) -> dict:
    """Run the job once and return its report."""
    started = time.monotonic()
    now = now or datetime.now(UTC)
    dry_run = request.dry_run or settings.dry_run
    sending = request.notify and not dry_run
    if sending and not settings.has_channel:
        raise ConfigError(
            "no channel is configured: set SNS_TOPIC_ARN, SLACK_WEBHOOK_URL or "
            "SLACK_WEBHOOK_SECRET_ARN (or DRY_RUN=true to only render)"
        )
    # Read the webhook's secret before anything else: a broken one stops
    # every run at once, not only the first run with something to send,
    # when it would also keep SNS from getting the digest.
    webhook = credentials.webhook_url(settings, clients.secrets) if sending else None

    verdicts = _judge_all(settings, clients, now, on_page)
    due = [v for v in verdicts if _is_due(v, request, settings, now)]
    due_ids = {id(v) for v in due}

    rendered = None
    if due and (request.notify or dry_run):
        rendered = digest.render(
            due,
            verdicts,
            now=now,
            zone=settings.timezone,
            thresholds=settings.threshold_days,
            report_hint=report_hint,
        )
    deliveries: dict[str, dict] = {}
    if rendered is not None and sending:
        deliveries = _deliver(rendered, _channels(settings, clients, webhook))

    result = report.build(
        mode=request.mode,
        dry_run=dry_run,
        now=now,
        zone=settings.timezone,
        verdicts=verdicts,
        due_ids=due_ids,
        deliveries=deliveries,
        digest=rendered,
    )
    _log_summary(result, time.monotonic() - started)

    failures = {
        name: outcome["error"]
        for name, outcome in deliveries.items()
        if outcome["status"] == "failed"
    }
    if failures:
        raise DeliveryError(failures, result)
    return result


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


def _channels(
    settings: Settings, clients: Clients, webhook: Secret | None
) -> list[Channel]:
    channels: list[Channel] = []
    if settings.sns_topic_arn:
        channels.append(SnsChannel(clients.aws("sns"), settings.sns_topic_arn))
    if webhook:
        channels.append(SlackChannel(clients.http, webhook))
    return channels


def _deliver(rendered: digest.Digest, channels: list[Channel]) -> dict[str, dict]:
    """Send to every channel; one channel's failure never stops the next."""
    outcomes: dict[str, dict] = {}
    for channel in channels:
        try:
            receipt = channel.send(rendered)
        except ChannelError as exc:
            log.error("delivery to %s failed: %s", channel.name, exc)
            outcomes[channel.name] = {"status": "failed", "error": str(exc)}
        else:
            outcomes[channel.name] = {"status": "sent", "receipt": receipt}
    return outcomes


def _log_summary(result: dict, seconds: float) -> None:
    counts = result["counts"]
    sent = ", ".join(
        f"{name}={outcome['status']}" for name, outcome in result["deliveries"].items()
    ) or "none"
    log.info(
        "run finished: mode=%s certificates=%d expired=%d expiring=%d unknown=%d "
        "ok=%d inactive=%d due=%d deliveries=%s dry_run=%s duration_ms=%d",
        result["mode"], counts["total"], counts["expired"], counts["expiring"],
        counts["unknown"], counts["ok"], counts["inactive"], result["due"], sent,
        result["dryRun"], seconds * 1000,
    )
