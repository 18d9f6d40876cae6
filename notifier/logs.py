"""Log lines people and CloudWatch Logs Insights can use: one JSON object a line.

Every module logs through ``logging.getLogger(__name__)``; :func:`configure`
sends what the ``notifier`` loggers say to one stream (stdout in Lambda) as
JSON lines whose keys match Lambda's own JSON log format (``timestamp``,
``level``, ``logger``, ``message``, ``requestId``), so queries work the same
whichever produced the line. Fields passed through ``extra=`` become keys of
their own. Only the ``notifier`` loggers are changed: the levels of
libraries such as urllib3, whose DEBUG lines carry request URLs (the webhook
URL is a secret), are left alone.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TextIO

#: The logger every module of the package logs under.
ROOT_LOGGER = "notifier"

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

# Attributes every LogRecord has; anything else on a record came from extra=.
_STANDARD = frozenset(
    set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
)


class JsonLineFormatter(logging.Formatter):
    """Formats a record as one line of JSON, with the request id when known."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "timestamp": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = _request_id.get()
        if request_id:
            line["requestId"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["errorType"] = record.exc_info[0].__name__
            line["stackTrace"] = self.formatException(record.exc_info).splitlines()
        # default=str: a value json cannot write is shown, never lost or fatal.
        return json.dumps(line, ensure_ascii=False, default=str)


class _CurrentStdout(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is at the time of each record."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """Ignored: the stream is looked up afresh for every record."""


def configure(
    level: str, *, stream: TextIO | None = None, json_lines: bool = True
) -> logging.Logger:
    """Send the ``notifier`` loggers' lines at ``level`` and above to ``stream``.

    Called again, it replaces its own handler rather than adding a second,
    so a warm Lambda container or a test can call it on every run.
    """
    logger = logging.getLogger(ROOT_LOGGER)
    handler: logging.Handler = (
        _CurrentStdout() if stream is None else logging.StreamHandler(stream)
    )
    handler.setFormatter(
        JsonLineFormatter()
        if json_lines
        else logging.Formatter("%(levelname)s %(name)s: %(message)s")
    )
    for old in list(logger.handlers):
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    # Lambda's runtime puts its own handler on the root logger; propagating
    # would print every line twice, once as text.
    logger.propagate = False
    return logger


def silence() -> None:
    """Drop the ``notifier`` loggers' lines (the command line's default)."""
    logger = logging.getLogger(ROOT_LOGGER)
    for old in list(logger.handlers):
        logger.removeHandler(old)
    logger.addHandler(logging.NullHandler())
    logger.propagate = False


@contextmanager
def request_context(request_id: str | None) -> Iterator[None]:
    """Tag every line logged inside the block with the Lambda request id."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)
