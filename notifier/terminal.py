"""Showing a report and a Slack message to a person at a terminal."""

from __future__ import annotations

from .text import clean

_COLUMNS = ("state", "days", "expires", "common name", "name", "no.")


def report_table(report: dict) -> str:
    """The report's certificates as an aligned table, soonest expiry first."""
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
    lines.extend(_line(row, widths) for row in rows)
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
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()
