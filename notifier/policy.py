"""Judging each certificate's expiry against the thresholds.

All arithmetic is on UTC instants. ``days_left`` counts whole days and
truncates toward zero, so a certificate 12 hours from expiry has 0 days left
and one that expired 100 seconds ago has 0 too; ``state`` is what tells
them apart.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from .certificate import Certificate

_DAY = timedelta(days=1)

#: NCP's statusCode for a certificate that has expired (still judged by date).
_STATUS_EXPIRE = -2
#: NCP's statusCode for a certificate that is still being issued.
_STATUS_ONGOING = 0


class State(enum.StrEnum):
    """Where a certificate stands; the values appear in reports."""

    EXPIRED = "expired"
    EXPIRING = "expiring"
    UNKNOWN = "unknown"
    OK = "ok"
    INACTIVE = "inactive"


#: Most urgent first: the order of digests and reports.
URGENCY = (State.EXPIRED, State.EXPIRING, State.UNKNOWN, State.OK, State.INACTIVE)
#: Built once: the check runs for every certificate, several times a run.
_NEEDING_ATTENTION = frozenset({State.EXPIRED, State.EXPIRING, State.UNKNOWN})


class Verdict(NamedTuple):
    """One certificate judged at one instant (a named tuple, like Certificate,
    because one is built per certificate)."""

    certificate: Certificate
    state: State
    days_left: int | None
    threshold: int | None

    @property
    def needs_attention(self) -> bool:
        return self.state in _NEEDING_ATTENTION


def days_between(now: datetime, then: datetime) -> int:
    """Whole days from ``now`` to ``then``, truncated toward zero."""
    delta = then - now
    whole = abs(delta) // _DAY
    return whole if delta >= timedelta(0) else -whole


def judge(
    certificate: Certificate, now: datetime, thresholds: Sequence[int]
) -> Verdict:
    """The state, days left and threshold of ``certificate`` at ``now``."""
    if _is_inactive(certificate):
        return Verdict(certificate, State.INACTIVE, _days(certificate, now), None)
    if certificate.not_after is None:
        return Verdict(certificate, State.UNKNOWN, None, None)

    days_left = days_between(now, certificate.not_after)
    if certificate.not_after <= now:
        return Verdict(certificate, State.EXPIRED, days_left, None)
    if days_left <= max(thresholds):
        threshold = min(days for days in thresholds if days >= days_left)
        return Verdict(certificate, State.EXPIRING, days_left, threshold)
    return Verdict(certificate, State.OK, days_left, None)


def is_due(
    verdict: Verdict,
    now: datetime,
    thresholds: Sequence[int],
    expired_reminder_days: int,
) -> bool:
    """Whether a scheduled run without memory should warn about ``verdict``.

    Due on the day a threshold is reached, on each run within
    ``expired_reminder_days`` of expiry, and whenever the expiry is unknown.
    """
    if verdict.state is State.EXPIRING:
        return verdict.days_left in thresholds
    if verdict.state is State.EXPIRED:
        expired_for = now - verdict.certificate.not_after
        return expired_for < timedelta(days=expired_reminder_days)
    return verdict.state is State.UNKNOWN


def _is_inactive(certificate: Certificate) -> bool:
    """Revoked, deleted or failed; or still being issued with no date yet."""
    code = certificate.status_code
    if code is not None and code < 0 and code != _STATUS_EXPIRE:
        return True
    return code == _STATUS_ONGOING and certificate.not_after is None


def _days(certificate: Certificate, now: datetime) -> int | None:
    if certificate.not_after is None:
        return None
    return days_between(now, certificate.not_after)
