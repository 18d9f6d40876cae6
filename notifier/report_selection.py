"""Which certificates of a report the command line shows, in what order, and
whether they call for action (its exit status)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .policy import URGENCY, State

#: Every state a certificate can be in, as reports write them.
STATES = tuple(state.value for state in URGENCY)

_ACTIVE_UNDATED, _DATED, _INACTIVE_UNDATED = 0, 1, 2


@dataclass(frozen=True)
class Selection:
    """The filters of one command: states to keep, and a horizon in days."""

    states: frozenset[str] | None = None
    within: int | None = None

    def keeps(self, entry: dict) -> bool:
        if self.states is not None and entry["state"] not in self.states:
            return False
        if self.within is None:
            return True
        if entry["state"] == State.UNKNOWN.value:
            # Its expiry cannot be read, so it may well be within the horizon.
            return True
        days = entry["daysLeft"]
        return days is not None and days <= self.within

    def describe(self) -> str:
        parts = []
        if self.states is not None:
            parts.append(f"--state {','.join(s for s in STATES if s in self.states)}")
        if self.within is not None:
            parts.append(f"--within {self.within}")
        return " ".join(parts)


def select(certificates: Iterable[dict], selection: Selection) -> list[dict]:
    """The entries ``selection`` keeps, fewest days left first.

    Certificates whose expiry cannot be read come first (they need a look),
    inactive ones without a date last.
    """
    return sorted(
        (entry for entry in certificates if selection.keeps(entry)),
        key=_by_days_left,
    )


def needs_action(entries: Iterable[dict], limit: int) -> bool:
    """Whether any entry that is not inactive has expired, has an unreadable
    expiry, or expires within ``limit`` days."""
    for entry in entries:
        state, days = entry["state"], entry["daysLeft"]
        if state == State.INACTIVE.value:
            continue
        if state in (State.EXPIRED.value, State.UNKNOWN.value):
            return True
        if days is not None and days <= limit:
            return True
    return False


def _by_days_left(entry: dict) -> tuple:
    days = entry["daysLeft"]
    if days is not None:
        group = _DATED
    elif entry["state"] == State.INACTIVE.value:
        group = _INACTIVE_UNDATED
    else:
        group = _ACTIVE_UNDATED
    # At equal days, the more urgent state first: expired 100 s ago and
    # expiring in 12 hours both have 0 days left.
    urgency = STATES.index(entry["state"]) if entry["state"] in STATES else 0
    return (
        group,
        days if days is not None else 0,
        urgency,
        str(entry["certificateName"]),
    )
