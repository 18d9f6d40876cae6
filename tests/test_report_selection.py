"""What the command line shows, in which order, and its verdict for cron."""

from __future__ import annotations

import pytest

from notifier.report_selection import Selection, needs_action, select


def entry(name: str, state: str, days: int | None) -> dict:
    return {"certificateName": name, "state": state, "daysLeft": days}


CERTIFICATES = [
    entry("far", "ok", 200),
    entry("revoked-undated", "inactive", None),
    entry("soon", "expiring", 3),
    entry("broken", "unknown", None),
    entry("gone", "expired", -2),
    entry("revoked-soon", "inactive", 5),
    entry("today", "expiring", 0),
    entry("just-expired", "expired", 0),
]


def names(entries: list[dict]) -> list[str]:
    return [e["certificateName"] for e in entries]


def test_everything_is_shown_fewest_days_left_first_unreadable_on_top():
    assert names(select(CERTIFICATES, Selection())) == [
        "broken",
        "gone",
        "just-expired",  # same 0 days as "today", but already expired
        "today",
        "soon",
        "revoked-soon",
        "far",
        "revoked-undated",
    ]


def test_state_filter_keeps_only_the_given_states():
    shown = select(CERTIFICATES, Selection(states=frozenset({"expired", "unknown"})))

    assert names(shown) == ["broken", "gone", "just-expired"]


def test_within_keeps_what_expires_by_then_and_what_cannot_be_read():
    shown = select(CERTIFICATES, Selection(within=3))

    assert names(shown) == ["broken", "gone", "just-expired", "today", "soon"]


def test_filters_combine():
    selection = Selection(states=frozenset({"expiring"}), within=1)

    assert names(select(CERTIFICATES, selection)) == ["today"]


@pytest.mark.parametrize(
    ("entries", "limit", "expected"),
    [
        ([entry("a", "ok", 200), entry("b", "expiring", 14)], 1, False),
        ([entry("a", "expiring", 1)], 1, True),
        ([entry("a", "expiring", 0)], 1, True),
        ([entry("a", "expired", -400)], 1, True),
        ([entry("a", "unknown", None)], 1, True),
        ([entry("a", "inactive", -3), entry("b", "inactive", None)], 1, False),
        ([entry("a", "ok", 45)], 60, True),
        ([], 1, False),
    ],
    ids=[
        "nothing-within-the-limit",
        "expiring-on-the-limit",
        "expiring-today",
        "expired",
        "unreadable-expiry",
        "inactive-never-counts",
        "ok-but-within-a-wider-limit",
        "nothing-at-all",
    ],
)
def test_needs_action(entries, limit, expected):
    assert needs_action(entries, limit) is expected


def test_describe_names_the_filters_as_options():
    selection = Selection(states=frozenset({"unknown", "expired"}), within=7)

    assert selection.describe() == "--state expired,unknown --within 7"
