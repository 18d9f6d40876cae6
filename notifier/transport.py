"""One HTTP exchange with retries, an overall deadline and a bounded body.

Both the NCP client and the webhook channel send through :func:`exchange`.
urllib3's ``Retry`` decides which attempts to repeat and how long to wait
(jittered exponential backoff, ``Retry-After``); the loop itself lives here
rather than inside the connection pool because every attempt must be built
afresh (NCP signatures carry a timestamp), and because no attempt, wait or
slow body may run past the deadline the caller gives.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from urllib3.exceptions import InvalidHeader, MaxRetryError
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

#: Seconds allowed to open a connection, and to wait for any one read.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0


class TransportError(Exception):
    """The exchange failed; the message is safe to show (it holds no URL)."""


@dataclass(frozen=True)
class Reply:
    """A complete HTTP response: status, headers and the whole body."""

    status: int
    headers: requests.structures.CaseInsensitiveDict
    body: bytes


class Deadline:
    """A point in monotonic time that a whole operation must finish by."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self.seconds = seconds
        self._end = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - self._clock())

    def expired(self) -> bool:
        return self.remaining() <= 0.0


def exchange(
    session: requests.Session,
    build: Callable[[], requests.PreparedRequest],
    *,
    retry: Retry,
    deadline: Deadline,
    max_bytes: int,
    retry_on_error: Callable[[Exception], bool],
    what: str,
) -> Reply:
    """Send ``build()`` until it succeeds, ``retry`` gives up or time runs out.

    Returns the last reply, whatever its status, once no more retries are due.
    Raises TransportError when no reply was had. ``what`` names the peer in
    messages (never the URL, which may be a secret).
    """
    while True:
        request = build()
        method = request.method or "GET"
        try:
            reply = _attempt(session, request, deadline, max_bytes, what)
        except TransportError as exc:
            cause = exc.__cause__ or exc
            if not retry_on_error(cause):
                raise
            retry = _next(retry, method, what, error=cause)
            _wait(retry.get_backoff_time(), deadline, what, str(exc))
            continue

        has_retry_after = "Retry-After" in reply.headers
        if not retry.is_retry(method, reply.status, has_retry_after):
            return reply
        try:
            retry = _next(retry, method, what, status=reply.status)
        except TransportError:
            return reply
        _wait(_pause(retry, reply), deadline, what, f"HTTP {reply.status}")


def _attempt(
    session: requests.Session,
    request: requests.PreparedRequest,
    deadline: Deadline,
    max_bytes: int,
    what: str,
) -> Reply:
    remaining = deadline.remaining()
    if remaining <= 0:
        raise TransportError(f"{what} did not answer within {deadline.seconds:g} s")
    timeout = (min(CONNECT_TIMEOUT, remaining), min(READ_TIMEOUT, remaining))
    try:
        response = session.send(
            request, stream=True, timeout=timeout, allow_redirects=False
        )
        with response:
            body = _read_body(response, deadline, max_bytes, what)
    except requests.Timeout as exc:
        raise TransportError(f"{what} timed out ({type(exc).__name__})") from exc
    except requests.RequestException as exc:
        # requests' own messages name the URL, which may be a secret: keep the
        # exception only as the cause, for the retry decision, never the text.
        raise TransportError(
            f"{what} could not be reached ({type(exc).__name__})"
        ) from exc
    log.debug("%s answered HTTP %s, %d bytes", what, response.status_code, len(body))
    return Reply(response.status_code, response.headers, body)


def _read_body(
    response: requests.Response, deadline: Deadline, max_bytes: int, what: str
) -> bytes:
    """Read the body a little at a time, so that a server sending one byte at
    a time cannot hold the run past the deadline (a per-read timeout alone
    never fires on such a server).

    Each read may wait only for what is left of the deadline: the timeout
    requests set was sized when the attempt began, and a body that stalls
    late would otherwise wait that long again.
    """
    chunks: list[bytes] = []
    size = 0
    raw = response.raw
    sock = getattr(raw.connection, "sock", None)
    while True:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise TransportError(
                f"{what} was still sending after {deadline.seconds:g} s"
            )
        if sock is not None:
            sock.settimeout(min(READ_TIMEOUT, remaining))
        try:
            chunk = raw.read1(65536, decode_content=True)
        except Exception as exc:  # noqa: BLE001 - urllib3 raises many kinds here
            raise TransportError(
                f"{what} broke off its answer ({type(exc).__name__})"
            ) from exc
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise TransportError(f"{what} sent more than {max_bytes} bytes")
        chunks.append(chunk)


def _next(
    retry: Retry,
    method: str,
    what: str,
    *,
    error: Exception | None = None,
    status: int | None = None,
) -> Retry:
    response = _StatusOnly(status) if status is not None else None
    try:
        return retry.increment(method, None, response=response, error=error)
    except MaxRetryError:
        raise TransportError(
            f"{what} kept failing after {len(retry.history) + 1} attempts"
        ) from error
    except Exception as exc:  # noqa: BLE001 - Retry re-raises errors it won't retry
        raise TransportError(f"{what} failed ({type(exc).__name__})") from exc


def _pause(retry: Retry, reply: Reply) -> float:
    """Retry-After when the server sent a readable one, else the backoff."""
    value = reply.headers.get("Retry-After")
    if value and retry.respect_retry_after_header:
        try:
            return retry.parse_retry_after(value)
        except InvalidHeader:
            log.debug("ignoring unreadable Retry-After %r", value[:40])
    return retry.get_backoff_time()


def _wait(seconds: float, deadline: Deadline, what: str, why: str) -> None:
    if seconds >= deadline.remaining():
        raise TransportError(
            f"{what} asked to wait {seconds:g} s after {why}, longer than the "
            f"{deadline.seconds:g} s allowed"
        )
    log.debug("retrying %s in %.2f s after %s", what, seconds, why)
    time.sleep(seconds)


class _StatusOnly:
    """The part of a urllib3 response that ``Retry.increment`` reads."""

    def __init__(self, status: int):
        self.status = status

    def get_redirect_location(self) -> bool:
        return False
