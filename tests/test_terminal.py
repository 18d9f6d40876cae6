"""What a person at a terminal sees: colors only where wanted, a progress line."""

from __future__ import annotations

import io

import pytest

from notifier import terminal


class TerminalStream(io.StringIO):
    """A text stream that says it is a terminal, as a tty would."""

    def isatty(self) -> bool:
        return True


REPORT = {
    "counts": {
        "expired": 1,
        "expiring": 0,
        "unknown": 0,
        "ok": 1,
        "inactive": 0,
        "total": 2,
    },
    "certificates": [
        {
            "state": "expired",
            "daysLeft": -2,
            "notAfter": "2026-12-02T09:00:00+09:00",
            "notAfterRaw": "2026-12-02 09:00:00(UTC+09:00)",
            "commonName": "a.example.com",
            "certificateName": "a",
            "certificateNo": 1,
        },
        {
            "state": "ok",
            "daysLeft": 90,
            "notAfter": "2027-03-04T09:00:00+09:00",
            "notAfterRaw": "2027-03-04 09:00:00(UTC+09:00)",
            "commonName": "b.example.com",
            "certificateName": "b",
            "certificateNo": 2,
        },
    ],
}


@pytest.mark.parametrize(
    ("stream", "environ", "choice", "expected"),
    [
        (TerminalStream(), {}, "auto", True),
        (io.StringIO(), {}, "auto", False),
        (TerminalStream(), {"NO_COLOR": "1"}, "auto", False),
        (TerminalStream(), {"NO_COLOR": ""}, "auto", True),
        (TerminalStream(), {"TERM": "dumb"}, "auto", False),
        (io.StringIO(), {"NO_COLOR": "1"}, "always", True),
        (TerminalStream(), {}, "never", False),
    ],
    ids=[
        "terminal",
        "pipe",
        "no-color",
        "empty-no-color",
        "dumb-terminal",
        "always-wins",
        "never",
    ],
)
def test_wants_color(stream, environ, choice, expected):
    assert terminal.wants_color(stream, environ, choice) is expected


def test_colored_table_colors_only_the_state_and_keeps_columns_aligned():
    plain = terminal.report_table(REPORT).splitlines()
    colored = terminal.report_table(REPORT, color=True).splitlines()

    assert colored[2].startswith("\x1b[1;31mexpired\x1b[0m")
    assert colored[3].startswith("\x1b[32mok\x1b[0m")
    strip = [
        line.replace("\x1b[1;31m", "").replace("\x1b[32m", "").replace("\x1b[0m", "")
        for line in colored
    ]
    assert strip == plain
    assert "\x1b" not in "\n".join(plain)


def test_progress_rewrites_one_line_and_clears_it():
    stream = TerminalStream()
    progress = terminal.PageProgress(stream)

    progress(1, 100, 250)
    progress(2, 200, 250)
    progress.clear()

    written = stream.getvalue()
    assert "page 1, 100 of 250" in written
    assert "page 2, 200 of 250" in written
    assert "\n" not in written
    assert written.endswith("\r\x1b[2K")


def test_progress_without_an_announced_count_shows_what_it_has():
    stream = TerminalStream()

    terminal.PageProgress(stream)(1, 20, None)

    assert stream.getvalue().endswith("page 1, 20")


def test_clearing_a_progress_that_never_showed_writes_nothing():
    stream = TerminalStream()

    terminal.PageProgress(stream).clear()

    assert stream.getvalue() == ""
