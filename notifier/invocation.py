"""Turning a Lambda event into a request: a scheduled run or a report.

Accepted events (see ``events/``):

- an EventBridge rule's ``Scheduled Event`` (``"source": "aws.events"``);
- the template's EventBridge Scheduler input (``"source": "aws.scheduler"``);
- ``{"mode": "scheduled"}``;
- ``{"mode": "report"}``, optionally with ``"notify": true``;
- any of these with ``"dryRun": true``: render everything, send nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from .config import shown
from .dates import parse_ncp_datetime
from .errors import EventError

log = logging.getLogger(__name__)

SCHEDULED = "scheduled"
REPORT = "report"
_EXAMPLE = '{"mode": "report"} or {"mode": "scheduled"}'


@dataclass(frozen=True)
class RunRequest:
    """What one invocation asks for."""

    mode: str
    notify: bool
    dry_run: bool
    scheduled_time: datetime | None = None

    @property
    def sends(self) -> bool:
        """Whether this run may deliver a digest at all."""
        return self.notify and not self.dry_run


def from_event(event: object) -> RunRequest:
    """Read the event; raise EventError when it is not one we understand."""
    if not isinstance(event, Mapping):
        raise EventError(
            f"the event must be a JSON object, got {type(event).__name__}: "
            f"send {_EXAMPLE}"
        )
    dry_run = _flag(event, "dryRun")

    if _is_schedule(event):
        stamp = event.get("time") or event.get("scheduledTime")
        scheduled = parse_ncp_datetime(stamp)
        if stamp is not None and scheduled is None:
            log.warning(
                "the event's scheduled time %s cannot be read; judging at the clock",
                shown(str(stamp)[:100]),
            )
        return RunRequest(
            SCHEDULED, notify=True, dry_run=dry_run, scheduled_time=scheduled
        )

    mode = event.get("mode")
    if mode == SCHEDULED:
        return RunRequest(SCHEDULED, notify=True, dry_run=dry_run)
    if mode == REPORT:
        return RunRequest(REPORT, notify=_flag(event, "notify"), dry_run=dry_run)
    raise EventError(
        f"the event has no known mode (mode={shown(str(mode)[:100])}): send "
        f"{_EXAMPLE}, "
        "or invoke through the schedule"
    )


def _is_schedule(event: Mapping) -> bool:
    source = event.get("source")
    if source == "aws.events":
        return event.get("detail-type") == "Scheduled Event"
    return source == "aws.scheduler"


def _flag(event: Mapping, key: str) -> bool:
    value = event.get(key, False)
    if not isinstance(value, bool):
        raise EventError(f'"{key}" must be true or false, got {shown(str(value))}')
    return value
