"""Rendering the digest: a plain-text e-mail, an SNS subject, a Slack message
and an HTML e-mail.

Templates live in ``templates/``; this module prepares what they show and
keeps each rendering inside its channel's limits. Every value that comes
from NCP passes through :func:`notifier.text.clean` first, and Jinja only
ever receives it as data, so template syntax in a name comes out literally;
the HTML template is rendered with autoescape on, so markup does too.
"""

from __future__ import annotations

import functools
import heapq
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2

from .dates import in_zone
from .policy import URGENCY, State, Verdict
from .text import ascii_line, clean

#: SNS: subjects under 100 ASCII characters, messages under 256 KB.
SUBJECT_LIMIT = 99
TEXT_BUDGET = 240 * 1024
#: The HTML e-mail stays under the size at which Gmail clips a message
#: (about 102 KB); SES itself would take 40 MB.
HTML_BUDGET = 100 * 1024
#: Slack Block Kit: 50 blocks per message, 3000 characters per section text,
#: 150 per header (https://api.slack.com/reference/block-kit/blocks).
SLACK_BLOCKS = 50
SLACK_SECTION_CHARS = 3000
SLACK_HEADER_CHARS = 150
#: How many of the other certificates needing attention each digest names.
OTHERS_SHOWN = 20
#: No due certificate takes fewer bytes in the e-mail than this, nor fewer
#: characters in Slack, so no digest shows more than MOST_SHOWN of them: the
#: rest are counted, never rendered.
SHORTEST_ITEM = 80
MOST_SHOWN = TEXT_BUDGET // SHORTEST_ITEM

_TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True, slots=True)
class Item:
    """One certificate as the templates show it; every string is clean."""

    number: str
    name: str
    common_name: str
    state: str
    days_left: int | None
    expires_at: str | None
    raw_expiry: str | None
    in_use: bool
    used_by: str


class Digest:
    """Everything a channel sends for one run.

    ``text``, ``slack`` and ``html`` are each given as the value or as a
    function that makes it; a function runs on first use, so a run renders
    only what its channels send (the HTML e-mail only for SES, say).
    """

    def __init__(
        self,
        *,
        subject: str,
        due_count: int,
        text: str | Callable[[], str],
        slack: dict | Callable[[], dict],
        html: str | Callable[[], str] = "",
    ):
        self.subject = subject
        self.due_count = due_count
        self._parts: dict[str, object] = {"text": text, "slack": slack, "html": html}

    @property
    def text(self) -> str:
        """The plain-text e-mail (SNS, and SES's alternative part)."""
        return self._part("text")

    @property
    def slack(self) -> dict:
        """The Block Kit message."""
        return self._part("slack")

    @property
    def html(self) -> str:
        """The HTML e-mail; empty when there is none."""
        return self._part("html")

    def _part(self, name: str):
        part = self._parts[name]
        if callable(part):
            part = self._parts[name] = part()
        return part


def render(
    due: Sequence[Verdict],
    everyone: Sequence[Verdict],
    *,
    now: datetime,
    zone: ZoneInfo,
    thresholds: Sequence[int],
    report_hint: str,
) -> Digest:
    """The digest for ``due``, with a summary of the rest of ``everyone``."""
    due_ids = {id(verdict) for verdict in due}
    due_sorted = _by_urgency(due)
    others = [v for v in everyone if v.needs_attention and id(v) not in due_ids]
    # Only the first few others are named; the rest are only counted.
    named_others = heapq.nsmallest(OTHERS_SHOWN, others, key=_urgency)
    context = {
        "headline": _headline(due_sorted),
        "total": len(everyone),
        "counts_line": _counts_line(everyone),
        "checked_at": format_local(now, zone),
        "thresholds": ", ".join(str(days) for days in thresholds),
        "report_hint": report_hint,
        "state_counts": _state_counts(everyone),
    }
    due_items = [_item(v, zone) for v in due_sorted[:MOST_SHOWN]]
    unrendered = len(due_sorted) - len(due_items)
    other_items = [_item(v, zone) for v in named_others]
    others_left_out = max(0, len(others) - OTHERS_SHOWN)

    subject = _subject(due_sorted, due_items)
    parts = (due_items, other_items, others_left_out)
    return Digest(
        subject=subject,
        due_count=len(due_sorted),
        text=functools.partial(_text, *parts, context, unrendered),
        slack=functools.partial(_slack, *parts, context, unrendered),
        html=functools.partial(_html, *parts, subject, context, unrendered),
    )


def format_local(instant: datetime, zone: ZoneInfo) -> str:
    """``2027-01-12 23:59 KST (UTC+09:00)``: the instant in the operator's zone."""
    local = in_zone(instant, zone)
    offset = local.strftime("%z")
    # The year by hand: glibc's %Y does not pad years before 1000 to 4 digits.
    when = f"{local.year:04d}-{local:%m-%d %H:%M}"
    return f"{when} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"


def _item(verdict: Verdict, zone: ZoneInfo) -> Item:
    cert = verdict.certificate
    used_by = ", ".join(cert.used_by[:3]) + (
        f" and {len(cert.used_by) - 3} more" if len(cert.used_by) > 3 else ""
    )
    return Item(
        number=clean(cert.number, 40),
        name=clean(cert.name, 120),
        common_name=clean(cert.common_name, 120),
        state=verdict.state.value,
        days_left=verdict.days_left,
        expires_at=format_local(cert.not_after, zone) if cert.not_after else None,
        raw_expiry=clean(cert.not_after_raw, 60) or None,
        in_use=cert.in_use,
        used_by=clean(used_by, 120),
    )


_RANK = {state: position for position, state in enumerate(URGENCY)}


def _urgency(verdict: Verdict) -> tuple:
    """Most urgent state first, then the soonest expiry, then by name."""
    days = verdict.days_left
    return (_RANK[verdict.state], 0 if days is None else days, verdict.certificate.name)


def _by_urgency(verdicts) -> list[Verdict]:
    return sorted(verdicts, key=_urgency)


def _headline(due: Sequence[Verdict]) -> str:
    counts = Counter(v.state for v in due)
    parts = [
        f"{counts[State.EXPIRED]} expired" if counts[State.EXPIRED] else "",
        f"{counts[State.EXPIRING]} expiring" if counts[State.EXPIRING] else "",
        f"{counts[State.UNKNOWN]} with unknown expiry" if counts[State.UNKNOWN] else "",
    ]
    summary = ", ".join(part for part in parts if part)
    noun = "certificate needs" if len(due) == 1 else "certificates need"
    return f"{len(due)} NCP {noun} attention: {summary}"


def _state_counts(everyone: Sequence[Verdict]) -> list[tuple[str, int]]:
    counts = Counter(v.state for v in everyone)
    return [(state.value, counts[state]) for state in URGENCY if counts[state]]


def _counts_line(everyone: Sequence[Verdict]) -> str:
    counts = Counter(v.state for v in everyone)
    return (
        ", ".join(
            f"{counts[state]} {state.value}" for state in URGENCY if counts[state]
        )
        or "none"
    )


def _subject(due: Sequence[Verdict], items: Sequence[Item]) -> str:
    """One line that counts every due certificate, rendered or not."""
    counts = Counter(verdict.state.value for verdict in due)
    due_counts = ", ".join(f"{n} {state}" for state, n in counts.most_common())
    template = _env().get_template("subject.txt.j2")
    subject = template.render(due=items[:1], count=len(due), due_counts=due_counts)
    return ascii_line(subject, SUBJECT_LIMIT)


def _text(
    due: list[Item],
    others: list[Item],
    others_left_out: int,
    context: dict,
    unrendered: int = 0,
) -> str:
    """The e-mail body; due certificates are cut, and counted, past the budget.

    ``unrendered`` counts the due certificates that were not even made into
    items, since no digest could hold them.
    """
    template = _env().get_template("digest.txt.j2")
    return _fitted(
        template,
        due,
        unrendered,
        budget=TEXT_BUDGET,
        least_bytes_per_item=80,
        others=others,
        others_left_out=others_left_out,
        **context,
    )


def _html(
    due: list[Item],
    others: list[Item],
    others_left_out: int,
    subject: str,
    context: dict,
    unrendered: int = 0,
) -> str:
    """The HTML e-mail, cut like the text one but to its own budget."""
    template = _html_env().get_template("digest.html.j2")
    return _fitted(
        template,
        due,
        unrendered,
        budget=HTML_BUDGET,
        least_bytes_per_item=800,
        others=others,
        others_left_out=others_left_out,
        subject=subject,
        **context,
    )


def _fitted(
    template: jinja2.Template,
    due: list[Item],
    unrendered: int,
    *,
    budget: int,
    least_bytes_per_item: int,
    **context: object,
) -> str:
    """``template`` with as many due certificates as fit in ``budget`` bytes.

    Those left out, and the ``unrendered`` ones never made into items, are
    counted in ``due_left_out`` for the template to say so. No certificate
    takes fewer than ``least_bytes_per_item``, which bounds the first try.
    """
    shown = min(len(due), budget // least_bytes_per_item)
    while True:
        rendered = template.render(
            due=due[:shown], due_left_out=len(due) - shown + unrendered, **context
        )
        size = len(rendered.encode())
        if size <= budget or shown == 0:
            return rendered
        # Shrink in proportion to the overshoot, then settle in small steps.
        shown = min(shown - 1, int(shown * budget / size))


def _slack(
    due: list[Item],
    others: list[Item],
    others_left_out: int,
    context: dict,
    unrendered: int = 0,
) -> dict:
    """A Block Kit message within Slack's limits, and a plain ``text`` fallback."""
    env = _env()
    item_template = env.get_template("slack_item.mrkdwn.j2")
    other_template = env.get_template("slack_other.mrkdwn.j2")

    headline = _mrkdwn(context["headline"])
    blocks: list[dict] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": clean(context["headline"], 150)},
        }
    ]
    # Leave room for the summary section and the closing context block.
    sections, shown = _pack(
        (item_template.render(item=item) for item in due), SLACK_BLOCKS - 3
    )
    blocks.extend(_section(text) for text in sections)

    if others:
        lines = [other_template.render(item=item) for item in others]
        hint = _mrkdwn(clean(context["report_hint"], 300))
        # Keep room for the closing count at its longest, so that no line is
        # dropped without being counted.
        room = len(f"\n• … and {len(lines) + others_left_out} more. {hint}")
        summary, packed = _pack(
            ["*Also needing attention*", *lines],
            1,
            joiner="\n",
            limit=SLACK_SECTION_CHARS - room,
        )
        not_shown = len(lines) - (packed - 1) + others_left_out
        if not_shown:
            summary[0] += f"\n• … and {not_shown} more. {hint}"
        blocks.append(_section(summary[0]))

    footer = (
        f"{context['total']} certificates watched ({_mrkdwn(context['counts_line'])})"
        f" · checked {_mrkdwn(context['checked_at'])}"
    )
    left_out = len(due) - shown + unrendered
    if left_out:
        footer = (
            f"*{left_out} more due certificates are not shown.* "
            f"{_mrkdwn(context['report_hint'])} · {footer}"
        )
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": footer[:3000]}]}
    )
    return {"text": headline, "blocks": blocks}


def _pack(
    lines, max_sections: int, joiner: str = "\n\n", limit: int = SLACK_SECTION_CHARS
) -> tuple[list[str], int]:
    """Join lines into at most ``max_sections`` texts of at most ``limit``
    characters.

    Returns the texts and how many lines they hold; the rest did not fit.
    """
    sections: list[str] = []
    current = ""
    count = 0
    for line in lines:
        line = line.strip()
        if len(line) > limit:
            # Cut, and drop an entity (&amp;) the cut would leave half-written.
            line = re.sub(r"&[#A-Za-z0-9]*$", "", line[: limit - 1]) + "…"
        candidate = f"{current}{joiner}{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        elif len(sections) + 1 < max_sections:
            sections.append(current)
            current = line
        else:
            break
        count += 1
    if current:
        sections.append(current)
    return sections, count


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _mrkdwn(value: object) -> str:
    """Escape the three characters Slack's mrkdwn treats as markup."""
    text = value if isinstance(value, str) else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@functools.cache
def _environment(*, html: bool) -> jinja2.Environment:
    """The templates, made once: for HTML every value is escaped unless marked
    safe; plain text and mrkdwn escape through their own filters."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=html,  # noqa: S701 - text and mrkdwn escape through filters
        keep_trailing_newline=not html,
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates ship inside the package and never change while it
        # runs; checking their files' times would cost a stat() for every
        # template looked up, once per certificate shown.
        auto_reload=False,
    )
    environment.filters["mrkdwn"] = _mrkdwn
    return environment


def _env() -> jinja2.Environment:
    return _environment(html=False)


def _html_env() -> jinja2.Environment:
    return _environment(html=True)
