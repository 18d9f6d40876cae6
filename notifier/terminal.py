"""Showing a report and a Slack message to a person at a terminal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from .text import clean

_COLUMNS = ("state", "days", "expires", "common name", "name", "no.")

#: SGR colors (ECMA-48) per state: red, yellow, magenta, green, dim.
_STATE_COLORS = {
    "expired": "\x1b[1;31m",
    "expiring": "\x1b[33m",
    "unknown": "\x1b[35m",
    "ok": "\x1b[32m",
    "inactive": "\x1b[2m",
}
_RESET = "\x1b[0m"


def wants_color(stream: TextIO, environ: Mapping[str, str], choice: str) -> bool:
    """Color for ``always``; for ``auto``, only on a terminal that is not
    "dumb" and when NO_COLOR is unset or empty (https://no-color.org)."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    return is_terminal(stream)


def report_table(report: dict, *, color: bool = False) -> str:
    """The report's certificates as an aligned table, in the report's order."""
    rows = [
        (
            entry["state"],
            "" if entry["daysLeft"] is None else str(entry["daysLeft"]),
            (entry["notAfter"] or clean(entry["notAfterRaw"], 25) or "-")[:25],
            clean(entry["commonName"], 40),
            clean(entry["certificateName"], 32),
            clean(entry["certificateNo"], 12),
        )
        for entry in report["certificates"]
    ]
    widths = [
        max([len(title), *(len(row[i]) for row in rows)])
        for i, title in enumerate(_COLUMNS)
    ]
    lines = [_line(_COLUMNS, widths), _line(["-" * w for w in widths], widths)]
    for row in rows:
        line = _line(row, widths)
        if color and row[0] in _STATE_COLORS:
            # Only the state is colored; padding stays outside the escape.
            line = _STATE_COLORS[row[0]] + row[0] + _RESET + line[len(row[0]) :]
        lines.append(line)
    counts = report["counts"]
    lines.append("")
    lines.append(
        f"{counts['total']} certificates: "
        + ", ".join(f"{counts[k]} {k}" for k in counts if k != "total" and counts[k])
    )
    return "\n".join(lines)


def slack_as_text(message: dict) -> str:
    """A Block Kit message reduced to the text a reader would see."""
    parts: list[str] = []
    for block in message.get("blocks", []):
        if block.get("type") in ("header", "section"):
            parts.append(block["text"]["text"])
        elif block.get("type") == "context":
            parts.extend(element["text"] for element in block.get("elements", []))
    return "\n\n".join(parts) if parts else message.get("text", "")


def _line(cells, widths) -> str:
    cells = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
    return "  ".join(cells).rstrip()


class PageProgress:
    """Tells a person at a terminal how far the listing has got.

    Called by the NCP client after each page; :meth:`clear` removes the line
    before the report is printed. Meant for a terminal only: the caller
    leaves it out when the stream is a file or a pipe.
    """

    def __init__(self, stream: TextIO):
        self._stream = stream
        self._shown = False

    def __call__(self, page: int, count: int, expected: int | None) -> None:
        of = f" of {expected}" if expected is not None else ""
        self._stream.write(
            f"\r\x1b[2Kreading certificates from NCP: page {page}, {count}{of}"
        )
        self._stream.flush()
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            self._stream.write("\r\x1b[2K")
            self._stream.flush()
            self._shown = False


def is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
