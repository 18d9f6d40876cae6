"""Scheduled runs with memory: each channel is told what it has not yet heard.

With a state table, a run reads what each channel was told, works out per
channel which certificates have reached a stage it has not heard of
(:mod:`notifier.notices`), renders one digest per distinct set, and sends each
under a claim so that overlapping runs send it once. A notice is recorded only
after its channel accepted the message, so a channel that failed is caught up
by the next run. When the table cannot be read, the run sends what the
stateless rule says is due: doubt never silences a warning.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import heartbeat, notices, policy
from .channels import Channel
from .channels.ses import SesChannel
from .channels.slack import SlackChannel
from .channels.sns import SnsChannel
from .config import Settings
from .digest import Digest
from .errors import ChannelError, StateError
from .policy import Verdict
from .state import Memory, StateTable

log = logging.getLogger(__name__)

DIGEST, HEARTBEAT = "digest", "heartbeat"


@dataclass
class Outcome:
    """What a run decided and did; ``due_ids`` holds ``id()`` of verdicts."""

    due_ids: set[int] = field(default_factory=set)
    deliveries: dict[str, dict] = field(default_factory=dict)
    digest: Digest | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def state_problem(self) -> str | None:
        """The state problems of the run in one line, or None."""
        if not self.problems:
            return None
        more = len(self.problems) - 1
        return self.problems[0] + (f" (and {more} more, see the log)" if more else "")


def channel_names(settings: Settings) -> list[str]:
    """The names of the channels ``settings`` configure, without reading secrets.

    The same channels, in the same order, as ``job`` builds to send through;
    a test holds the two together.
    """
    names = []
    if settings.sns_topic_arn:
        names.append(SnsChannel.name)
    if settings.ses_from:
        names.append(SesChannel.name)
    if settings.slack_webhook_url or settings.slack_webhook_secret_arn:
        names.append(SlackChannel.name)
    return names


def scheduled(
    verdicts: Sequence[Verdict],
    settings: Settings,
    table: StateTable,
    *,
    now: datetime,
    render: Callable[[list[Verdict]], Digest],
    channels: Callable[[], list[Channel]] | None,
    scheduled_time: datetime | None = None,
) -> Outcome:
    """Decide, render and send a scheduled run's messages.

    ``channels`` is None for a dry run: the table is read, nothing is sent
    and nothing is written.
    """
    plan = _Plan(verdicts, settings, now)
    outcome = Outcome()
    # A dry run may have no channel: show what a channel new to it would get.
    names = channel_names(settings) or [""]
    memory = plan.read(table, names, outcome, sending=channels is not None)
    due = {name: plan.due(name, memory) for name in names}
    outcome.due_ids = {id(v) for found in due.values() for v in found}
    union = [v for v in verdicts if id(v) in outcome.due_ids]
    if channels is None:
        outcome.digest = render(union) if union else None
        return outcome

    rendered: dict[tuple[int, ...], Digest] = {}
    for channel in channels():
        told = due.get(channel.name, [])
        if told:
            ids = tuple(id(v) for v in told)
            if ids not in rendered:
                rendered[ids] = render(told)
            message, kind, key = rendered[ids], DIGEST, plan.message_key(told)
        elif memory is not None and heartbeat.is_due(
            last := memory.last_sent.get(channel.name), now, settings.heartbeat_days
        ):
            message = heartbeat.render(
                verdicts, now=now, zone=settings.timezone, days=settings.heartbeat_days
            )
            kind, key = HEARTBEAT, heartbeat.message_key(last)
        else:
            continue
        outcome.deliveries[channel.name] = _send(
            channel,
            message,
            kind,
            told,
            table=table if memory is not None else None,
            key=key,
            plan=plan,
            scheduled_time=scheduled_time,
            problems=outcome.problems,
        )
    return outcome


def notified(
    verdicts: Sequence[Verdict], settings: Settings, table: StateTable
) -> tuple[dict[int, dict], str | None]:
    """What each channel was last told about each certificate, for a report.

    Read-only; a table that cannot be read gives no annotations and the
    problem, never a failed report.
    """
    names = channel_names(settings)
    keys = {id(v): notices.certificate_key(v.certificate) for v in verdicts}
    try:
        memory = table.read(names, list(dict.fromkeys(keys.values())))
    except StateError as exc:
        log.warning("report without delivery state: %s", exc)
        return {}, str(exc)
    annotations = {}
    for verdict in verdicts:
        told = {}
        for name in names:
            notice = memory.notice(name, keys[id(verdict)])
            told[name] = (
                None if notice is None else notices.describe(notice, settings.timezone)
            )
        annotations[id(verdict)] = told
    return annotations, None


class _Plan:
    """The stage and key of every certificate at one instant."""

    def __init__(self, verdicts: Sequence[Verdict], settings: Settings, now: datetime):
        self.verdicts = verdicts
        self.settings = settings
        self.now = now
        repeat = timedelta(hours=settings.expired_repeat_hours)
        self.stages = {
            id(v): notices.stage(
                v, now, settings.threshold_days, settings.expired_reminder_days, repeat
            )
            for v in verdicts
        }
        self.keys = {id(v): notices.certificate_key(v.certificate) for v in verdicts}

    def read(
        self, table: StateTable, names: list[str], outcome: Outcome, *, sending: bool
    ) -> Memory | None:
        """The table's memory of every certificate with a stage, or None on doubt."""
        wanted = [self.keys[id(v)] for v in self.verdicts if self.stages[id(v)]]
        try:
            return table.read(names, list(dict.fromkeys(wanted)))
        except StateError as exc:
            fallback = (
                "this run sent what the stateless rule says is due"
                if sending
                else "this dry run shows what the stateless rule says is due"
            )
            _problem(outcome.problems, f"{exc}; {fallback}")
            return None

    def due(self, channel: str, memory: Memory | None) -> list[Verdict]:
        """What ``channel`` has not heard; the stateless rule when memory is None."""
        if memory is None:
            return [
                v
                for v in self.verdicts
                if policy.is_due(
                    v,
                    self.now,
                    self.settings.threshold_days,
                    self.settings.expired_reminder_days,
                )
            ]
        return [
            v
            for v in self.verdicts
            if (stage := self.stages[id(v)]) is not None
            and notices.is_news(stage, memory.notice(channel, self.keys[id(v)]))
        ]

    def message_key(self, told: Sequence[Verdict]) -> str:
        """The same certificates at the same stages give the same key."""
        lines = sorted(
            f"{self.keys[id(v)]}={self.stages[id(v)].label}"
            for v in told
            if self.stages[id(v)] is not None
        )
        return "digest-" + hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]


def _send(
    channel: Channel,
    message: Digest,
    kind: str,
    told: Sequence[Verdict],
    *,
    table: StateTable | None,
    key: str,
    plan: _Plan,
    scheduled_time: datetime | None,
    problems: list[str],
) -> dict:
    """Claim, send, record, complete; each state failure noted, none fatal here."""
    claim = None
    if table is not None:
        try:
            claim = table.claim(channel.name, key, scheduled_time)
        except StateError as exc:
            _problem(problems, f"{exc}; {channel.name} was sent to without a claim")
            table = None
        else:
            if claim is None:
                log.info(
                    "%s: another run sent or is sending this %s", channel.name, kind
                )
                return {
                    "status": "skipped",
                    "message": kind,
                    "reason": "another run sent or is sending the same message",
                }

    try:
        receipt = channel.send(message)
    except ChannelError as exc:
        log.error("delivery to %s failed: %s", channel.name, exc)
        if claim is not None:
            try:
                table.release(claim)
            except StateError as state_exc:
                _problem(problems, f"{state_exc}; the next run retries after its lease")
        return {"status": "failed", "message": kind, "error": str(exc)}

    if table is not None:
        try:
            for verdict in told:
                stage = plan.stages[id(verdict)]
                if stage is not None:
                    table.remember(
                        channel.name,
                        plan.keys[id(verdict)],
                        stage,
                        verdict,
                        plan.settings.expired_reminder_days,
                    )
            table.mark_sent(channel.name, kind)
            if claim is not None:
                table.complete(claim)
        except StateError as exc:
            _problem(
                problems,
                f"{exc}; {channel.name} accepted the {kind}, but a later run may "
                "send it again",
            )
    return {"status": "sent", "message": kind, "receipt": receipt}


def _problem(problems: list[str], text: str) -> None:
    log.error("delivery state: %s", text)
    problems.append(text)
