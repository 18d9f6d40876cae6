"""Listing every certificate of an NCP account (CERTIFICATE-API.md).

The public zone pages through ``GET /api/v2/certificate/certificates``; the
gov and fin zones answer the whole list from ``GET /api/v1/certificates``.
Either way the result is complete or an error: a list shorter than the count
NCP announced is never passed on as if it were whole.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

import requests
from urllib3.util.retry import Retry

from . import transport
from .certificate import identity
from .errors import NcpAuthError, NcpError, NcpResponseError
from .secret import Secret
from .signing import signed_headers
from .text import clean, whole_number

log = logging.getLogger(__name__)

LIST_PATH = {"v2": "/api/v2/certificate/certificates", "v1": "/api/v1/certificates"}
TOTAL_FIELD = {"v2": "totalCount", "v1": "totalRows"}
LIST_FIELD = "sslCertificateList"
#: What makes two entries with one certificateNo the same listing.
_SAME_LISTING = ("notAfter", "validEndDate", "statusCode", "certificateName")

#: returnCode of a successful answer, and of "no certificate found" (empty).
RETURN_OK = "0"
RETURN_NO_CERTIFICATE = "2200"

PAGE_SIZE = 100
MAX_PAGES = 2000
MAX_PAGE_BYTES = 32 * 1024 * 1024
_PEER = "NCP Certificate Manager"


def default_retry() -> Retry:
    """Up to 5 tries on throttling, gateway errors and broken connections,
    waiting 0.5, 1, 2, 4 s (plus up to 0.5 s of jitter) or what Retry-After asks."""
    return Retry(
        total=4,
        backoff_factor=0.5,
        backoff_max=8,
        backoff_jitter=0.5,
        status_forcelist=(429, 502, 503, 504),
        allowed_methods=("GET",),
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class NcpClient:
    """Reads the certificate list with signed requests."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        access_key: str,
        secret_key: Secret,
        *,
        api_version: str = "v2",
        timeout_seconds: float = 60.0,
        page_size: int = PAGE_SIZE,
        retry: Retry | None = None,
        on_page: Callable[[int, int, int | None], None] | None = None,
    ):
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._access_key = access_key
        self._secret_key = secret_key
        self.api_version = api_version
        self._timeout = timeout_seconds
        self._page_size = page_size
        self._retry = retry or default_retry()
        self._on_page = on_page

    def list_certificates(self) -> list[dict]:
        """Every certificate of the account, each once, in NCP's order."""
        return [item for page in self.pages() for item in page]

    def pages(self) -> Iterator[list[dict]]:
        """The certificates of each page not listed before, as pages arrive.

        Raises NcpError when the list turns out incomplete, which may be only
        after the last page: act on nothing before the iteration has ended.
        """
        deadline = transport.Deadline(self._timeout)
        if self.api_version == "v1":
            yield from self._read_whole_list(deadline)
        else:
            yield from self._read_pages(deadline)

    def _read_pages(self, deadline: transport.Deadline) -> Iterator[list[dict]]:
        listing = _Listing()
        for page in range(1, MAX_PAGES + 1):
            payload = self._get({"page": page, "pageSize": self._page_size}, deadline)
            items = listing.add_page(payload, page, TOTAL_FIELD["v2"])
            self._progress(page, listing)
            yield items
            if listing.at_end(page, self._page_size):
                listing.finish()
                return
        raise NcpResponseError(
            f"NCP still had certificates after {MAX_PAGES} pages of "
            f"{self._page_size}: the list was not read to its end; nothing was judged"
        )

    def _read_whole_list(self, deadline: transport.Deadline) -> Iterator[list[dict]]:
        listing = _Listing()
        items = listing.add_page(self._get({}, deadline), 1, TOTAL_FIELD["v1"])
        self._progress(1, listing)
        yield items
        listing.finish()

    def _progress(self, page: int, listing: _Listing) -> None:
        if self._on_page:
            self._on_page(page, len(listing), listing.expected)

    def _get(self, query: dict[str, int], deadline: transport.Deadline) -> dict:
        path = LIST_PATH[self.api_version]
        url = f"{self._base_url}{path}"
        if query:
            url = f"{url}?{urlencode(query)}"

        def build() -> requests.PreparedRequest:
            prepared = self._session.prepare_request(requests.Request("GET", url))
            # Sign exactly the target requests will send, afresh for each try.
            prepared.headers.update(
                signed_headers(
                    "GET", prepared.path_url, self._access_key, self._secret_key
                )
            )
            return prepared

        try:
            reply = transport.exchange(
                self._session,
                build,
                retry=self._retry,
                deadline=deadline,
                max_bytes=MAX_PAGE_BYTES,
                retry_on_error=_retryable,
                what=_PEER,
            )
        except transport.TransportError as exc:
            raise NcpError(f"{exc} (NCP_API_URL {self._base_url})") from None
        return _payload(reply)


class _Listing:
    """The certificates read so far, counted once each, and the count NCP
    announced (the largest one, should pages disagree)."""

    def __init__(self) -> None:
        self._count = 0
        self._seen: set[tuple] = set()
        self.expected: int | None = None
        self.duplicates = 0
        self._last_length = 0
        self._longest = 0
        self._last_new = 0

    def __len__(self) -> int:
        return self._count

    @property
    def complete(self) -> bool:
        return self.expected is not None and len(self) >= self.expected

    def at_end(self, page: int, asked: int) -> bool:
        """Whether the page just added is the last one worth asking for.

        The end is an empty page, a short page once the announced count is
        reached, or a page that only repeats earlier ones (a server that
        ignores the page number would repeat them forever). A full page asks
        for the next even past the count: a count that is too low must not
        hide the certificates after it.
        """
        if self._last_length == 0:
            return True
        # Full: as long as asked for, or as the longest page before, should
        # the server give fewer per page than asked.
        full = min(asked, self._longest) if self._longest else asked
        self._longest = max(self._longest, self._last_length)
        if self.complete and self._last_length < full:
            return True
        if self._last_new:
            return False
        if self.expected is None:
            return True
        raise NcpResponseError(
            f"NCP's page {page} holds only certificates already listed, with "
            f"{self.expected - len(self)} of the announced {self.expected} still "
            "missing: the list is incomplete (the server may ignore the page "
            "number); nothing was judged, run again"
        )

    def add_page(self, payload: dict, page: int, total_field: str) -> list[dict]:
        """The page's certificates that were not listed before."""
        self._last_length = self._last_new = 0
        code = str(payload.get("returnCode", RETURN_OK)).strip()
        if code == RETURN_NO_CERTIFICATE:
            listed = payload.get(LIST_FIELD)
            if _count(payload.get(total_field)) or (
                isinstance(listed, list) and listed
            ):
                # "No certificate" beside certificates: never read as all clear.
                raise NcpResponseError(
                    f"NCP answered returnCode {RETURN_NO_CERTIFICATE} (no "
                    f"certificate) on page {page} but also announced or listed "
                    "certificates: the response contradicts itself; run again"
                )
            self._expect(0)
            return []
        if code != RETURN_OK:
            message = clean(payload.get("returnMessage"), 200) or "no message"
            raise NcpResponseError(
                f"NCP refused the certificate list: returnCode {clean(code, 20)} "
                f"({message})"
            )

        raw_total = payload.get(total_field)
        total = _count(raw_total)
        if total is None and raw_total is not None:
            raise NcpResponseError(
                f"NCP's {total_field} on page {page} is not a whole number "
                f"({clean(raw_total, 30)!r}): the response is unusable"
            )
        if total is not None:
            self._expect(total)
        items = payload.get(LIST_FIELD)
        if items is None and total == 0:
            return []
        if not isinstance(items, list):
            raise NcpResponseError(
                f"NCP's answer for page {page} has no {LIST_FIELD} list "
                f"(found {type(items).__name__}): the response is unusable"
            )
        new = [item for item in items if self._is_new(item, page)]
        self._count += len(new)
        self._last_length, self._last_new = len(items), len(new)
        return new

    def finish(self) -> None:
        """Raise NcpResponseError when fewer certificates came than announced."""
        if self.expected is not None and len(self) < self.expected:
            raise NcpResponseError(
                f"NCP announced {self.expected} certificates but listed only "
                f"{len(self)}: the list is incomplete (it may have changed while "
                "it was read); nothing was judged, run again"
            )
        if self.expected is not None and len(self) > self.expected:
            log.warning(
                "NCP announced %d certificates but listed %d; each is judged",
                self.expected,
                len(self),
            )
        if self.duplicates:
            log.info(
                "NCP listed %d certificates twice; each counted once", self.duplicates
            )

    def _expect(self, total: int) -> None:
        if self.expected is not None and total != self.expected:
            log.info(
                "NCP's pages disagree on the count: %d, then %d", self.expected, total
            )
        self.expected = max(total, self.expected or 0)

    def _is_new(self, item: object, page: int) -> bool:
        if not isinstance(item, dict):
            raise NcpResponseError(
                f"NCP's page {page} lists a {type(item).__name__} where a "
                "certificate object belongs: the response is unusable"
            )
        number = identity(item)
        if number is None:
            # A certificate without a number cannot be matched; keep it anyway.
            return True
        # Only the same listing twice (a page shifted while paging) is counted
        # once; two entries that share a number but differ are both judged.
        key = (number, *map(item.get, _SAME_LISTING))
        try:
            seen = key in self._seen
        except TypeError:  # a list or object where NCP puts text
            key = tuple(map(str, key))
            seen = key in self._seen
        if seen:
            self.duplicates += 1
            return False
        self._seen.add(key)
        return True


def _count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str):
        return whole_number(value.strip(), 12)
    return None


def _retryable(error: Exception) -> bool:
    """Connection and read failures are worth another try; GET is idempotent."""
    return not isinstance(error, transport.TransportError)


def _payload(reply: transport.Reply) -> dict:
    """The JSON object of a 200 answer, or the clearest error for any other."""
    body = _json(reply.body)
    if reply.status == 200:
        if isinstance(body, dict):
            return body
        raise NcpResponseError(
            f"NCP answered HTTP 200 but the body is not a JSON object "
            f"({_describe(reply)}): a proxy or captive portal may be in the way"
        )

    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code = clean(error.get("errorCode"), 20) or "none"
    message = clean(error.get("message"), 200) or _describe(reply)
    detail = f"HTTP {reply.status}, errorCode {code}: {message}"

    if reply.status == 401 and code == "210":
        raise NcpAuthError(
            f"NCP accepted the API key but refused it permission ({detail}): "
            "give the key's account, or sub account, the right to read "
            "Certificate Manager"
        )
    if reply.status == 401:
        raise NcpAuthError(
            f"NCP rejected the API key ({detail}). Check NCP_ACCESS_KEY and "
            "NCP_SECRET_KEY (or the secret they come from), and that this "
            "machine's clock is right: the gateway refuses signatures made more "
            "than 5 minutes off its own clock"
        )
    if reply.status == 403 and not reply.body.strip():
        raise NcpAuthError(
            "NCP refused the API key with an empty HTTP 403. Certificate "
            "Manager API 2.0 does not accept sub-account keys: use an API key "
            "of the main account"
        )
    if reply.status == 403:
        raise NcpAuthError(
            f"NCP refused access ({detail}): give the key's account permission "
            "to read Certificate Manager"
        )
    if reply.status == 429:
        raise NcpError(f"NCP kept throttling the requests ({detail}); run again later")
    if reply.status == 404 or 300 <= reply.status < 400:
        raise NcpError(
            f"NCP has no certificate list at this address ({detail}): check "
            "NCP_API_URL and NCP_ZONE (leave NCP_API_URL empty for the zone's "
            "own address)"
        )
    raise NcpError(f"NCP failed to list certificates ({detail})")


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _describe(reply: transport.Reply) -> str:
    kind = clean(reply.headers.get("Content-Type"), 60) or "no content type"
    if not reply.body.strip():
        return f"empty body, {kind}"
    return f"{kind}, starting {clean(reply.body[:80].decode('utf-8', 'replace'), 80)!r}"
