"""What a channel has been told about a certificate, and what it is due next.

With a state table, a scheduled run does not ask "is today a threshold day?"
but "has this channel heard about the stage this certificate has reached?".
A stage is the most urgent threshold crossed, a reminder period after expiry,
or an unreadable expiry. Memory is kept per certificate number *and* expiry,
so a renewed certificate (same number, new ``notAfter``) starts afresh.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .certificate import Certificate
from .policy import State, Verdict
from .text import whole_number

EXPIRING = "expiring"
EXPIRED = "expired"
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Stage:
    """How far a certificate has gone, as far as warning about it goes.

    ``threshold`` is the most urgent threshold reached (for an expired
    certificate, the smallest: every threshold is then done); ``slot`` counts
    reminder periods since expiry, 0 for the first.
    """

    kind: str
    threshold: int | None = None
    slot: int | None = None

    @property
    def label(self) -> str:
        """A short stable text, part of the key that fences concurrent runs."""
        if self.kind == EXPIRING:
            return f"{EXPIRING}:{self.threshold}"
        if self.kind == EXPIRED:
            return f"{EXPIRED}:{self.slot}"
        return UNKNOWN


@dataclass(frozen=True, slots=True)
class Notice:
    """What one channel was last told about one certificate's current expiry."""

    threshold: int | None = None
    expired_slot: int | None = None
    unknown: bool = False
    sent_at: datetime | None = None
    state: str | None = None
    days_left: int | None = None


def certificate_key(certificate: Certificate) -> str:
    """``<number>/<expiry>``: the identity a channel's memory is kept under.

    The expiry is the normalised UTC instant when it can be read, so a change
    in how NCP formats the same date is not a new certificate; an unreadable
    one is a digest of its raw text, so each distinct value is told once.
    """
    number = certificate.number.strip()
    # A number that is not a plain, short one is hashed: keys stay small.
    plain = whole_number(number, 20) is not None
    who = number if plain else "x" + _short_hash(number or certificate.name)
    if certificate.not_after is not None:
        instant = certificate.not_after.astimezone(UTC)
        expiry = instant.strftime("%Y-%m-%dT%H:%M:%SZ")
    elif certificate.not_after_raw is None:
        expiry = "none"
    else:
        expiry = "raw-" + _short_hash(certificate.not_after_raw)
    return f"{who}/{expiry}"


def stage(
    verdict: Verdict,
    now: datetime,
    thresholds: Sequence[int],
    expired_reminder_days: int,
    repeat: timedelta,
) -> Stage | None:
    """The stage ``verdict`` has reached, or None when it is never worth a word.

    An expired certificate has a stage for ``expired_reminder_days`` after
    expiry, and for as long as NCP lists it as in use: that is an outage.
    Reminder periods are counted from the expiry instant, not from the last
    message, so schedule jitter never makes them drift or double up.
    """
    if verdict.state is State.EXPIRING:
        return Stage(EXPIRING, threshold=verdict.threshold)
    if verdict.state is State.UNKNOWN:
        return Stage(UNKNOWN)
    if verdict.state is not State.EXPIRED:
        return None

    certificate = verdict.certificate
    expired_for = now - certificate.not_after
    within_window = expired_for < timedelta(days=expired_reminder_days)
    if not (within_window or certificate.in_use):
        return None
    return Stage(EXPIRED, threshold=min(thresholds), slot=expired_for // repeat)


def is_news(current: Stage, notice: Notice | None) -> bool:
    """Whether a channel that was told ``notice`` has yet to hear of ``current``."""
    if notice is None:
        return True
    if current.kind == EXPIRING:
        told_more_urgent = notice.expired_slot is not None or (
            notice.threshold is not None and notice.threshold <= current.threshold
        )
        return not told_more_urgent
    if current.kind == EXPIRED:
        return notice.expired_slot is None or current.slot > notice.expired_slot
    return not notice.unknown


def describe(notice: Notice, zone) -> dict:
    """A notice as the report shows it: when, and what the certificate was then.

    ``threshold`` is the threshold that was told, for an expiring certificate.
    """
    return {
        "sentAt": notice.sent_at.astimezone(zone).isoformat()
        if notice.sent_at
        else None,
        "state": notice.state,
        "daysLeft": notice.days_left,
        "threshold": notice.threshold if notice.state == EXPIRING else None,
    }


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:20]
