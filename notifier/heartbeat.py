"""The heartbeat: a short all-clear when nothing else was sent for a while.

A quiet notifier is ambiguous: all is well, or the notifier is broken. With
``HEARTBEAT_DAYS`` and a state table, a channel that has heard nothing for
that many days gets a few lines saying how many certificates are watched and
when the next one expires. Without a table there is no record of the last
message, so there is no heartbeat; the missed-run alarm still watches.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .digest import Digest, format_local
from .policy import State, Verdict
from .text import ascii_line, clean

#: Scheduled runs start a little late; a heartbeat that falls due within
#: this much of a run is sent by it rather than one schedule interval later.
JITTER = timedelta(hours=1)


def is_due(last_sent: datetime | None, now: datetime, days: int) -> bool:
    """Whether a channel last written to at ``last_sent`` should hear one now."""
    if days <= 0:
        return False
    return last_sent is None or now - last_sent >= timedelta(days=days) - JITTER


def message_key(last_sent: datetime | None) -> str:
    """Runs that see the same last message fence each other with this key."""
    since = "never" if last_sent is None else str(int(last_sent.timestamp()))
    return f"heartbeat-{since}"


def render(
    verdicts: Sequence[Verdict], *, now: datetime, zone: ZoneInfo, days: int
) -> Digest:
    """The all-clear: certificates watched, the next expiry, what still stands."""
    ahead = [v for v in verdicts if v.state in (State.EXPIRING, State.OK)]
    soonest = min(ahead, key=lambda v: v.certificate.not_after, default=None)
    lingering = sum(1 for v in verdicts if v.needs_attention)

    # "All clear" only when it is true: a heartbeat never hides a known problem.
    opening = "Nothing new" if lingering else "All clear"
    plural = "" if len(verdicts) == 1 else "s"
    if soonest is None:
        headline = f"{opening}: {len(verdicts)} certificate{plural} watched"
        detail = "No watched certificate has an expiry ahead."
    else:
        cert = soonest.certificate
        headline = (
            f"{opening}: {len(verdicts)} certificate{plural} watched, "
            f"next expiry in {soonest.days_left} days"
        )
        detail = (
            f"The next to expire is {clean(cert.common_name or cert.name, 120)} "
            f"(no. {clean(cert.number, 40)}) on {format_local(cert.not_after, zone)}."
        )
    if lingering:
        noun = (
            "certificate needing attention was"
            if lingering == 1
            else ("certificates needing attention were")
        )
        detail += f" {lingering} {noun} reported before; a report lists them."
    footer = (
        f"Sent because nothing else was sent for {days} days, so that silence "
        f"never means the notifier stopped. Checked at {format_local(now, zone)}."
    )

    return Digest(
        subject=ascii_line(f"NCP certificates: {headline}", 99),
        text=f"{headline}.\n\n{detail}\n\n{footer}\n",
        slack={
            "text": _mrkdwn(headline),
            "blocks": [
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": f"*{_mrkdwn(headline)}*\n{_mrkdwn(detail)}",
                    },
                },
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": _mrkdwn(footer)}],
                },
            ],
        },
        due_count=0,
    )


def _mrkdwn(text: str) -> str:
    """Slack's mrkdwn treats these three as markup (digest.py does the same)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
