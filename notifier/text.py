"""Making text from NCP safe to put in a message or a log line.

Names and common names are chosen by whoever owns the certificate, so they
may hold control characters, bidirectional overrides that reorder what a
reader sees, or be thousands of characters long. Channel-specific escaping
(Slack's ``&<>``, HTML) happens in the channel's renderer, after this.
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls, the bidirectional formatting characters that can
# make "evil.com" read as "moc.live" (Unicode TR #9, "Explicit Directional"),
# and lone surrogates, which JSON's \ud800 escapes can carry but no UTF-8
# message can.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u2028\u2029\ufeff\ud800-\udfff]+"
)


def clean(value: object, limit: int = 200) -> str:
    """``value`` as one printable line of at most ``limit`` characters."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    text = _UNSAFE.sub(" ", text[: limit * 4])
    text = " ".join(text.split())
    if len(text) > limit:
        return text[: limit - 1].rstrip() + "…"
    return text


def ascii_line(value: str, limit: int) -> str:
    """``value`` reduced to printable ASCII (what an SNS subject allows)."""
    folded = unicodedata.normalize("NFKD", value)
    printable = "".join(
        ch if " " <= ch <= "~" else "?"
        for ch in folded
        if not unicodedata.combining(ch)
    )
    printable = " ".join(printable.split())
    if len(printable) > limit:
        return printable[: limit - 3].rstrip() + "..."
    return printable


def whole_number(text: str, max_digits: int) -> int | None:
    """``text`` as a whole number when it is 1 to ``max_digits`` ASCII digits.

    ``str.isdigit`` also accepts "²", which ``int`` refuses, and ``int``
    refuses more than 4300 digits: values from NCP are checked here first.
    """
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None
