"""The HTML digest: what it shows, in which order, escaped, within its budget,
and how headless Chromium draws it (every due certificate, a colour per
state, nothing wider than a phone's screen)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from notifier import digest, policy
from notifier.certificate import Certificate
from notifier.testing import browser
from notifier.testing.samples import demo_certificates

NOW = datetime(2027, 1, 15, 3, 0, tzinfo=UTC)
THRESHOLDS = (30, 14, 7, 3, 1)
SEOUL = ZoneInfo("Asia/Seoul")
HINT = 'Invoke the function with {"mode": "report"} for the full list.'
#: The colour of each state's text and stripe (digest.html.j2).
COLOURS = {"expired": "#b42318", "expiring": "#b54708", "unknown": "#6941c6"}


def judged(items: Sequence[dict]) -> list[policy.Verdict]:
    return [
        policy.judge(Certificate.from_ncp(item, "v2"), NOW, THRESHOLDS)
        for item in items
    ]


def scheduled_due(verdicts: Sequence[policy.Verdict]) -> list[policy.Verdict]:
    return [v for v in verdicts if policy.is_due(v, NOW, THRESHOLDS, 7)]


def render(
    verdicts: Sequence[policy.Verdict],
    due: Sequence[policy.Verdict] | None = None,
    zone: ZoneInfo = SEOUL,
) -> digest.Digest:
    return digest.render(
        scheduled_due(verdicts) if due is None else due,
        verdicts,
        now=NOW,
        zone=zone,
        thresholds=THRESHOLDS,
        report_hint=HINT,
    )


def hostile_certificates() -> list[dict]:
    """The demo certificates, two of them named by someone hostile."""
    items = demo_certificates(NOW)
    items[0] = {
        **items[0],
        "certificateName": '<script>alert("name")</script>',
        "commonName": "<img src=x onerror=alert(1)>.example.com",
    }
    items[2] = {**items[2], "certificateName": "{{ 7 * 7 }} & co"}
    return items


@pytest.fixture(scope="module")
def demo() -> list[policy.Verdict]:
    return judged(demo_certificates(NOW))


@pytest.fixture(scope="module")
def demo_html(demo) -> str:
    return render(demo).html


class TestContent:
    def test_every_due_certificate_comes_before_the_summary_of_the_others(
        self, demo, demo_html
    ):
        due = scheduled_due(demo)
        others = [v for v in demo if v.needs_attention and v not in due]
        summary = demo_html.index("Also needing attention")

        assert len(due) == 7 and len(others) == 3
        for verdict in due:
            assert demo_html.index(verdict.certificate.common_name) < summary
        for verdict in others:
            assert demo_html.index(verdict.certificate.common_name) > summary

    def test_due_certificates_keep_the_text_digests_order(self, demo, demo_html):
        text = render(demo).text
        names = [v.certificate.common_name for v in scheduled_due(demo)]

        def order(document: str) -> list[str]:
            return sorted(names, key=document.index)

        assert order(demo_html) == order(text)

    def test_the_expiry_is_in_the_configured_zone_with_its_offset(self, demo):
        expiring = next(v for v in demo if v.state is policy.State.EXPIRING)
        moment = expiring.certificate.not_after

        in_seoul = render(demo).html
        in_new_york = render(demo, zone=ZoneInfo("America/New_York")).html

        seoul_time = moment.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")
        new_york_time = moment.astimezone(ZoneInfo("America/New_York"))
        assert f"{seoul_time} KST (UTC+09:00)" in in_seoul
        assert f"{new_york_time:%Y-%m-%d %H:%M} EST (UTC-05:00)" in in_new_york

    def test_each_due_certificate_is_striped_in_its_states_colour(
        self, demo, demo_html
    ):
        for verdict in scheduled_due(demo):
            stripe = re.search(
                r"border-left:4px solid (#[0-9a-f]{6});[^>]*>\s*<tr>\s*<td[^>]*>"
                + re.escape(verdict.certificate.common_name)
                + "<",
                demo_html,
            )
            assert stripe, verdict.certificate.common_name
            assert stripe.group(1) == COLOURS[verdict.state.value]

    def test_an_unreadable_expiry_shows_what_ncp_sent(self, demo_html):
        assert 'NCP sent "not-a-date"' in demo_html

    def test_it_loads_nothing_from_the_network(self, demo_html):
        assert not re.search(r"(?i)\b(src|href)\s*=|url\(|<link|https?://", demo_html)

    def test_the_plain_text_alternative_is_the_text_digest_without_markup(self, demo):
        rendered = render(demo)

        assert rendered.text and rendered.html
        assert "<td" not in rendered.text and "style=" not in rendered.text
        for verdict in scheduled_due(demo):
            assert verdict.certificate.common_name in rendered.text


class TestEscaping:
    def test_markup_and_template_syntax_from_ncp_come_out_as_text(self):
        html = render(judged(hostile_certificates())).html

        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;.example.com" in html
        assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;" in html
        assert "{{ 7 * 7 }} &amp; co" in html
        assert "49" not in html


class TestBudget:
    @staticmethod
    def many_due(count: int) -> list[policy.Verdict]:
        """``count`` certificates that all reach the 7-day threshold today."""
        template = demo_certificates(NOW)[2]
        return judged(
            [
                {
                    **template,
                    "certificateNo": 500000 + n,
                    "certificateName": f"service-{n:05d}-example-com",
                    "commonName": f"service-{n:05d}.example.com",
                }
                for n in range(count)
            ]
        )

    def test_a_large_digest_stays_under_the_clipping_size_and_counts_the_rest(self):
        verdicts = self.many_due(3000)

        html = render(verdicts, due=verdicts).html

        shown = len(re.findall(r"service-\d{5}\.example\.com", html))
        left_out = re.search(r"and (\d+) more due certificates are not shown", html)
        assert len(html.encode()) <= digest.HTML_BUDGET
        assert left_out, "the cut must be said"
        assert shown > 50
        assert shown + int(left_out.group(1)) == 3000
        assert HINT.replace('"', "&#34;") in html

    def test_a_digest_that_fits_is_not_cut(self, demo_html):
        assert "not shown" not in demo_html

    def test_no_due_certificate_is_left_out_silently_near_the_budget(self):
        # Around the edge: every count either fits whole or says what is cut.
        for count in (60, 90, 120, 150):
            verdicts = self.many_due(count)
            html = render(verdicts, due=verdicts).html
            shown = len(re.findall(r"service-\d{5}\.example\.com", html))
            left_out = re.search(r"and (\d+) more due certificates", html)
            assert shown + (int(left_out.group(1)) if left_out else 0) == count
            assert len(html.encode()) <= digest.HTML_BUDGET


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)


@pytest.fixture(scope="module")
def drawn(demo, tmp_path_factory) -> dict:
    """The demo digest and a hostile one, drawn once by headless Chromium."""
    folder = tmp_path_factory.mktemp("chromium")
    page = folder / "digest.html"
    page.write_text(render(demo).html, encoding="utf-8")
    hostile = folder / "hostile.html"
    hostile.write_text(render(judged(hostile_certificates())).html, encoding="utf-8")
    return {
        "dom": browser.dump_dom(page),
        "hostile_dom": browser.dump_dom(hostile),
        "png": browser.screenshot(page, folder / "digest.png", width=760, height=1300),
        "folder": folder,
    }


class TestInChromium:
    def test_it_shows_every_due_certificate(self, demo, drawn):
        shown = browser.visible_text(drawn["dom"])

        for verdict in scheduled_due(demo):
            assert verdict.certificate.common_name in shown
            assert verdict.certificate.name in shown
        assert "Also needing attention" in shown

    def test_hostile_names_are_shown_as_text_and_make_no_element(self, drawn):
        elements = _Elements()
        elements.feed(drawn["hostile_dom"])
        shown = browser.visible_text(drawn["hostile_dom"])

        assert "img" not in elements.tags
        assert "script" not in elements.tags
        assert "<img src=x onerror=alert(1)>.example.com" in shown
        assert '<script>alert("name")</script>' in shown

    def test_the_screenshot_shows_each_due_state_in_its_colour(self, drawn):
        width, height, colours = browser.png_colours(drawn["png"])

        assert (width, height) == (760, 1300)
        for state, hex_colour in COLOURS.items():
            rgb = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
            assert colours[rgb] > 300, state

    @pytest.mark.parametrize("width", [360, 414, 640, 800])
    def test_nothing_is_wider_than_the_screen(self, demo_html, drawn, width):
        laid_out = browser.layout(demo_html, width, drawn["folder"])

        assert laid_out.viewport_width == width
        assert laid_out.content_width <= width
        assert laid_out.content_height > 600

    def test_a_long_common_name_wraps_on_a_phone(self, drawn):
        items = demo_certificates(NOW)
        items[0] = {**items[0], "commonName": "a" * 60 + ".very-long.example.com"}
        html = render(judged(items)).html

        laid_out = browser.layout(html, 360, drawn["folder"])

        assert laid_out.content_width <= laid_out.viewport_width == 360
