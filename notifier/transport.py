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
from http.client import HTTPException

import requests
from urllib3.exceptions import HTTPError, InvalidHeader
from urllib3.util.retry import Retry

from . import library_logs

log = logging.getLogger(__name__)
# urllib3 would log each request line, webhook URL included.
library_logs.keep_quiet()

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
    messages (never the URL, which may be a secret). The library errors met
    on the way are never chained to it: their text holds the URL.
    """
    while True:
        request = _build(build, what)
        if isinstance(request, _Failure):
            raise TransportError(request.message)
        method = request.method or "GET"
        outcome = _attempt(session, request, deadline, max_bytes, what)

        if isinstance(outcome, _Failure):
            error = outcome.error
            if not retry_on_error(error):
                raise TransportError(outcome.message)
            following = _next(retry, method, error=error)
            if following is None:
                raise TransportError(
                    f"{what} kept failing after {len(retry.history) + 1} attempts "
                    f"(last: {outcome.message})"
                )
            retry = following
            _wait(retry.get_backoff_time(), deadline, what, outcome.message)
            continue

        reply = outcome
        has_retry_after = "Retry-After" in reply.headers
        if not retry.is_retry(method, reply.status, has_retry_after):
            return reply
        following = _next(retry, method, status=reply.status)
        if following is None:
            return reply
        retry = following
        _wait(_pause(retry, reply), deadline, what, f"HTTP {reply.status}")


#: What requests, urllib3 and http.client raise for a request that could not
#: be made or answered; their messages may quote the URL.
_LIBRARY_ERRORS = (
    requests.RequestException,
    HTTPError,
    HTTPException,
    OSError,
    ValueError,
)


@dataclass(frozen=True)
class _Failure:
    """An attempt that got no reply: a message safe to show, and the error
    that decides whether to try again (never shown: it may quote the URL)."""

    message: str
    error: Exception


def _build(
    build: Callable[[], requests.PreparedRequest], what: str
) -> requests.PreparedRequest | _Failure:
    try:
        return build()
    except _LIBRARY_ERRORS as exc:
        message = f"the address of {what} is not usable ({type(exc).__name__})"
        return _Failure(message, exc)


def _attempt(
    session: requests.Session,
    request: requests.PreparedRequest,
    deadline: Deadline,
    max_bytes: int,
    what: str,
) -> Reply | _Failure:
    remaining = deadline.remaining()
    if remaining <= 0:
        message = f"{what} did not answer within {deadline.seconds:g} s"
        return _Failure(message, TransportError(message))
    timeout = (min(CONNECT_TIMEOUT, remaining), min(READ_TIMEOUT, remaining))
    try:
        response = session.send(
            request, stream=True, timeout=timeout, allow_redirects=False
        )
        with response:
            body = _read_body(response, deadline, max_bytes, what)
    except _Stopped as stop:
        return _Failure(stop.message, stop.error)
    except requests.Timeout as exc:
        return _Failure(f"{what} timed out ({type(exc).__name__})", exc)
    except _LIBRARY_ERRORS as exc:
        return _Failure(f"{what} could not be reached ({type(exc).__name__})", exc)
    log.debug("%s answered HTTP %s, %d bytes", what, response.status_code, len(body))
    return Reply(response.status_code, response.headers, body)


class _Stopped(Exception):
    """Reading a body stopped early; carries the outcome out of the read loop."""

    def __init__(self, message: str, error: Exception | None = None):
        super().__init__(message)
        self.message = message
        self.error = error or TransportError(message)


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
    late = f"{what} was still sending after {deadline.seconds:g} s"
    while True:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise _Stopped(late)
        if sock is not None:
            sock.settimeout(min(READ_TIMEOUT, remaining))
        try:
            chunk = raw.read1(65536, decode_content=True)
        except Exception as exc:  # noqa: BLE001 - urllib3 raises many kinds here
            if deadline.expired():
                # The read waited out the deadline: a slow sender, not a break.
                raise _Stopped(late) from None
            message = f"{what} broke off its answer ({type(exc).__name__})"
            raise _Stopped(message, exc) from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise _Stopped(f"{what} sent more than {max_bytes} bytes")
        chunks.append(chunk)


def _next(
    retry: Retry,
    method: str,
    *,
    error: Exception | None = None,
    status: int | None = None,
) -> Retry | None:
    """The retry state after one more failure, or None when no try is left."""
    response = _StatusOnly(status) if status is not None else None
    try:
        return retry.increment(method, None, response=response, error=error)
    except Exception:  # noqa: BLE001 - MaxRetryError, or ``error`` re-raised
        return None


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
    if deadline.expired():
        raise TransportError(
            f"{what} got no usable answer within {deadline.seconds:g} s ({why})"
        )
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
