"""The report as the command line writes it: JSON, CSV or an HTML page.

The table for a terminal is in :mod:`notifier.terminal`. Every value that
comes from NCP is data here: the HTML page is rendered with autoescaping on,
and CSV text cells that a spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jinja2

from .text import clean

#: The columns of the CSV, in order; each is a key of a report entry.
CSV_COLUMNS = (
    "certificateNo",
    "certificateName",
    "commonName",
    "state",
    "daysLeft",
    "threshold",
    "notAfter",
    "notAfterRaw",
    "due",
    "inUse",
    "statusCode",
)

_TEMPLATES = Path(__file__).parent / "templates"
# A cell starting with one of these is a formula to Excel, LibreOffice and
# Google Sheets (OWASP "CSV Injection"); a leading apostrophe keeps it text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_json(report: dict) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def as_csv(report: dict) -> str:
    """One row per certificate with a header row (RFC 4180, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in report["certificates"]:
        writer.writerow([_cell(entry[column]) for column in CSV_COLUMNS])
    return buffer.getvalue()


def as_html(report: dict, *, shown_note: str = "") -> str:
    """A self-contained page (inline style, no script, nothing fetched)."""
    counts = report["counts"]
    counts_line = ", ".join(
        f"{number} {state}"
        for state, number in counts.items()
        if state != "total" and number
    )
    template = _environment().get_template("report.html.j2")
    return (
        template.render(report=report, counts_line=counts_line, shown_note=shown_note)
        + "\n"
    )


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        # Names and common names are chosen by whoever owns a certificate.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Escaping stops markup; clean() also drops the controls and bidi
    # overrides that would make a name read differently than it is.
    environment.filters["clean"] = lambda value: clean(value, 500)
    return environment
