"""Headless Chromium, to see an HTML digest as a mail reader's browser would.

Used by the tests and by ``scripts/screenshot.py``. Chromium is Debian's
``chromium`` package (``.ci/run`` installs it). It only ever opens local
files, and is started so that it reaches no host: background networking,
component updates, sync and QUIC are off, and every host name resolves to
nothing.
"""

from __future__ import annotations

import html
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

#: Flags that keep Chromium to itself: no first-run work, no calls home.
QUIET_FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-breakpad",
    "--hide-scrollbars",
    # Belt and braces: were anything to look a host up, it finds none.
    "--host-resolver-rules=MAP * ~NOTFOUND",
)

#: Seconds one page may take; a local file renders in well under one.
TIMEOUT = 90.0


class BrowserMissing(RuntimeError):
    """Chromium is not installed."""


def executable() -> str:
    """The path of Chromium, or an error that says how to install it."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise BrowserMissing(
        "chromium is not installed: on Debian or Ubuntu run "
        "`apt-get install -y --no-install-recommends chromium` "
        "(.ci/run does this)"
    )


def dump_dom(page: Path, *, width: int = 800, height: int = 1200) -> str:
    """The DOM of ``page`` after Chromium laid it out, as HTML."""
    return _run(page, "--dump-dom", width=width, height=height)


def screenshot(page: Path, png: Path, *, width: int = 800, height: int = 1200) -> Path:
    """A PNG of ``page`` as a ``width`` x ``height`` window shows it."""
    png.parent.mkdir(parents=True, exist_ok=True)
    _run(page, f"--screenshot={png.resolve()}", width=width, height=height)
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot to {png}")
    return png


@dataclass(frozen=True)
class Layout:
    """How a page laid out: its content's size and the viewport's width."""

    content_width: int
    content_height: int
    viewport_width: int


def layout(page: str, width: int, workdir: Path) -> Layout:
    """How ``page`` (HTML) lays out in a viewport ``width`` px wide.

    The content is wider than the viewport when something sticks out
    sideways. Chromium keeps its window at least 500 px wide, so the page
    goes into an iframe of ``width``, measured by a script in the wrapper
    (the page itself runs none).
    """
    wrapper = workdir / f"layout-{width}.html"
    wrapper.write_text(
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe id="page" width="{width}" height="2000" style="border:0" '
        f'srcdoc="{html.escape(page, quote=True)}"></iframe><script>'
        'window.addEventListener("load", function () {'
        ' var frame = document.getElementById("page");'
        " var inner = frame.contentDocument;"
        ' document.body.setAttribute("data-content-width",'
        "  inner.documentElement.scrollWidth);"
        ' document.body.setAttribute("data-content-height",'
        "  Math.ceil(inner.body.getBoundingClientRect().height));"
        ' document.body.setAttribute("data-viewport-width",'
        "  frame.contentWindow.innerWidth);"
        "});</script></body></html>",
        encoding="utf-8",
    )
    dom = dump_dom(wrapper)
    found = dict(re.findall(r'data-([a-z]+-[a-z]+)="(\d+)"', dom))
    try:
        return Layout(
            content_width=int(found["content-width"]),
            content_height=int(found["content-height"]),
            viewport_width=int(found["viewport-width"]),
        )
    except KeyError:
        raise RuntimeError(f"the layout probe did not run: {dom[-300:]}") from None


def visible_text(dom: str) -> str:
    """The text a reader sees in ``dom``: no tags, scripts, styles or title."""
    parser = _TextParser()
    parser.feed(dom)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def png_colours(png: Path) -> tuple[int, int, Counter[tuple[int, int, int]]]:
    """Width, height and how many pixels have each RGB colour in ``png``.

    Reads the 8-bit RGB or RGBA, non-interlaced PNGs Chromium writes.
    """
    data = png.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{png} is not a PNG")
    chunks, position = {}, 8
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        chunks[kind] = chunks.get(kind, b"") + body
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(
        ">IIBBBBB", chunks[b"IHDR"]
    )
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"{png}: only 8-bit RGB(A) without interlace is read")
    channels = 3 if colour == 2 else 4
    rows = _unfilter(zlib.decompress(chunks[b"IDAT"]), width * channels, channels)
    counts: Counter[tuple[int, int, int]] = Counter()
    for row in rows:
        for x in range(0, len(row), channels):
            counts[(row[x], row[x + 1], row[x + 2])] += 1
    return width, height, counts


def _unfilter(raw: bytes, stride: int, step: int) -> list[bytearray]:
    """Undo PNG's per-row filters (None, Sub, Up, Average, Paeth)."""
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for start in range(0, len(raw), stride + 1):
        kind, row = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = row[i - step] if i >= step else 0
            up = previous[i]
            corner = previous[i - step] if i >= step else 0
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                near = min(
                    (abs(guess - left), 0, left),
                    (abs(guess - up), 1, up),
                    (abs(guess - corner), 2, corner),
                )[2]
                row[i] = (row[i] + near) & 0xFF
        rows.append(row)
        previous = row
    return rows


def _run(page: Path, *action: str, width: int, height: int) -> str:
    url = page.resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        command = [
            executable(),
            *QUIET_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            *action,
            url,
        ]
        done = subprocess.run(  # noqa: S603 - fixed flags, a local file URL
            command,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(
            f"chromium exited with {done.returncode}: {done.stderr.strip()[-2000:]}"
        )
    return done.stdout


class _TextParser(HTMLParser):
    _HIDDEN = {"script", "style", "title", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)
