"""The report as JSON, CSV and an HTML page, with hostile names kept inert."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from notifier import job, report_formats
from notifier.clients import Clients
from notifier.config import Settings
from notifier.invocation import REPORT, RunRequest
from notifier.testing.ncp_server import NcpStandIn
from notifier.testing.samples import demo_certificates

NOW = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)
SCRIPT_NAME = "<script>alert('x')</script>"
FORMULA_NAME = '=HYPERLINK("http://attacker.example","open")'


@pytest.fixture(scope="module")
def report() -> dict:
    certificates = demo_certificates(NOW)
    certificates[0]["certificateName"] = SCRIPT_NAME
    certificates[1]["commonName"] = FORMULA_NAME
    with NcpStandIn(certificates) as ncp, Clients() as clients:
        settings = Settings.from_env(
            {
                **ncp.environment,
            }
        )
        return job.run(
            RunRequest(REPORT, notify=False, dry_run=False),
            settings,
            clients,
            now=NOW,
        )


def test_json_is_the_report_itself(report):
    assert json.loads(report_formats.as_json(report)) == report


def test_csv_has_a_header_and_one_row_per_certificate(report):
    rows = list(csv.DictReader(io.StringIO(report_formats.as_csv(report))))

    assert len(rows) == report["counts"]["total"]
    assert tuple(rows[0]) == report_formats.CSV_COLUMNS
    by_number = {row["certificateNo"]: row for row in rows}
    unreadable = by_number["102412"]
    assert unreadable["state"] == "unknown"
    assert unreadable["daysLeft"] == ""
    assert unreadable["notAfterRaw"] == "not-a-date"


def test_csv_keeps_negative_days_as_numbers_but_defuses_formulas(report):
    rows = list(csv.DictReader(io.StringIO(report_formats.as_csv(report))))
    by_number = {row["certificateNo"]: row for row in rows}

    assert by_number["102402"]["commonName"] == "'" + FORMULA_NAME
    assert by_number["102411"]["daysLeft"] == "-40"


class _Page(HTMLParser):
    """Collects the tags, attributes and text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def test_html_escapes_names_from_ncp(report):
    html = report_formats.as_html(report)
    page = parse(html)

    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert SCRIPT_NAME in "".join(page.text)
    assert "script" not in [tag for tag, _ in page.tags]


def test_html_is_self_contained(report):
    page = parse(report_formats.as_html(report))

    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "img", "iframe", "object"), tag
        assert not any(name in ("src", "href") for name in attrs), (tag, attrs)


def test_html_shows_every_certificate_with_its_state(report):
    page = parse(report_formats.as_html(report))
    rows = [attrs for tag, attrs in page.tags if tag == "tr"]
    states = [
        attrs["class"]
        for tag, attrs in page.tags
        if tag == "span" and "state" in attrs.get("class", "")
    ]

    assert len(rows) == report["counts"]["total"] + 1  # and the header row
    for state in ("expired", "expiring", "unknown", "ok", "inactive"):
        assert states.count(f"state state-{state}") == report["counts"][state]


def test_html_lists_the_warnings_and_the_filter_note(report):
    warned = {**report, "warnings": ["SNS topic <t> has no subscription"]}
    html = report_formats.as_html(warned, shown_note="3 of 14 shown (--within 3)")

    assert "SNS topic &lt;t&gt; has no subscription" in html
    assert "3 of 14 shown (--within 3)" in html
    assert re.search(r"<title>NCP certificates: 14 checked ", html)


def test_html_drops_bidi_overrides_and_controls_from_names(report):
    entry = dict(report["certificates"][0])
    entry["commonName"] = "evil\u202emoc.elpmaxe\x07"
    html = report_formats.as_html({**report, "certificates": [entry]})

    assert "\u202e" not in html
    assert "\x07" not in html
    assert "evil moc.elpmaxe" in "".join(parse(html).text)
