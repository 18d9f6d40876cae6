"""A loopback stand-in for the NCP Certificate Manager API behind its gateway.

It checks API Gateway signature v2 as the real gateway does, serves the v2
(public zone, paginated) and v1 (gov/fin zones) certificate lists, and offers
scripted replies for the gateway and service faults the client must survive.
Where NCP's documentation is silent (page base, page size), it picks one
documented-compatible answer: pages start at 1, 20 per page, at most 100.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from notifier.testing._server import LoopbackServer, Recorded, Reply

V2_LIST_PATH = "/api/v2/certificate/certificates"
V1_LIST_PATH = "/api/v1/certificates"

TIMESTAMP_HEADER = "x-ncp-apigw-timestamp"
ACCESS_KEY_HEADER = "x-ncp-iam-access-key"
SIGNATURE_HEADER = "x-ncp-apigw-signature-v2"

# The gateway rejects timestamps more than five minutes from its clock.
MAX_CLOCK_SKEW = 300.0

# v1 names the validity window differently; values are unchanged.
_V1_RENAMES = {"notBefore": "validStartDate", "notAfter": "validEndDate"}


#: The published test vectors of signature v2 (CERTIFICATE-API.md): keys
#: ``TestAccessKey`` / ``TestSecretKey`` at timestamp ``1234567890123``, as
#: (request target of a GET, signature).
VECTOR_ACCESS_KEY, VECTOR_SECRET_KEY = "TestAccessKey", "TestSecretKey"
VECTOR_TIMESTAMP = "1234567890123"
SIGNATURE_VECTORS = (
    (
        "/vserver/v2/getServerInstanceList?responseFormatType=json",
        "FPsYYX8fuMAgi+cue3eACOW0dNtIwu1LYWfg/megA2M=",
    ),
    (
        "/api/v2/certificate/certificates",
        "6+svGNx8nJNYsymolT1kcIun9leoz6Z6ZuKzvjk8FL8=",
    ),
    (
        "/api/v2/certificate/certificates?page=1&pageSize=100",
        "ZCPF+TT2y18NK/+4wD4SYt8w0h5KuvbSwEz0k2IrRz4=",
    ),
)


def expected_signature(
    method: str, target: str, timestamp: str, access_key: str, secret_key: str
) -> str:
    """Compute the signature v2 that the gateway expects for one request.

    `target` is the request target exactly as sent: path, plus "?" and the
    query string when there is one.
    """
    message = f"{method} {target}\n{timestamp}\n{access_key}"
    digest = hmac.new(
        secret_key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256
    ).digest()

    return base64.b64encode(digest).decode("ascii")


def _gateway_error(status: int, code: str, message: str, details: str = "") -> Reply:
    error = {"errorCode": code, "message": message}
    if details:
        error["details"] = details

    return Reply(status=status, body={"error": error})


def unauthorized() -> Reply:
    """401 as the gateway sends for a bad key, signature or timestamp."""
    return _gateway_error(
        401, "200", "Authentication Failed", "Invalid authentication information"
    )


def subaccount_forbidden() -> Reply:
    """403 with an empty body, as API 2.0 answers sub-account keys."""
    return Reply(status=403)


def throttled(retry_after: str | None = "1") -> Reply:
    """429 rate limited, with Retry-After when `retry_after` is given."""
    reply = _gateway_error(429, "420", "Rate Limited", "Too many requests")
    if retry_after is not None:
        reply.headers["Retry-After"] = retry_after

    return reply


def unavailable() -> Reply:
    """503 endpoint error from the gateway."""
    return _gateway_error(503, "500", "Endpoint Error", "Service unavailable")


def html_error() -> Reply:
    """502 with an HTML page, as a proxy in front of the gateway sends."""
    page = (
        "<html><head><title>502 Bad Gateway</title></head>"
        "<body><h1>502 Bad Gateway</h1></body></html>"
    )

    return Reply(
        status=502, body=page, headers={"Content-Type": "text/html; charset=utf-8"}
    )


def no_certificate() -> Reply:
    """200 with returnCode 2200: the account holds no certificate."""
    body = {
        "returnCode": "2200",
        "returnMessage": "No certificate",
        "totalCount": 0,
        "sslCertificateList": [],
    }

    return Reply(body=body)


def service_error() -> Reply:
    """200 whose returnCode reports a failure inside the service."""
    body = {
        "returnCode": "1001",
        "returnMessage": "Certificate Manager failed to process the request",
    }

    return Reply(body=body)


class NcpStandIn(LoopbackServer):
    """Serves `certificates` through the v2 and v1 list calls, signed requests only.

    `certificates` is kept by reference and read on every request, so a test
    may change it while the server runs. `clock` is the gateway's clock in
    seconds; `page_hook(page, payload)` may rewrite each v2 page before it
    is sent.
    """

    def __init__(
        self,
        certificates: list[dict] | None = None,
        *,
        access_key: str = "demo-access-key",
        secret_key: str = "demo-secret-key",
        page_size_cap: int = 100,
        default_page_size: int = 20,
        clock: Callable[[], float] = time.time,
        page_hook: Callable[[int, dict], dict] | None = None,
    ) -> None:
        super().__init__()
        self.certificates: list[dict] = [] if certificates is None else certificates
        self.access_key = access_key
        self.secret_key = secret_key
        self.page_size_cap = page_size_cap
        self.default_page_size = default_page_size
        self.clock = clock
        self.page_hook = page_hook

    @property
    def environment(self) -> dict[str, str]:
        """The notifier's variables that point it at this stand-in."""
        return {
            "NCP_ACCESS_KEY": self.access_key,
            "NCP_SECRET_KEY": self.secret_key,
            "NCP_API_URL": self.url,
        }

    def respond(self, request: Recorded) -> Reply:
        """Authenticate, then route to the list call the path names."""
        failure = self._authentication_failure(request)
        if failure is not None:
            return _gateway_error(401, "200", "Authentication Failed", failure)
        if request.method != "GET":
            reply = _gateway_error(405, "100", "Method Not Allowed")
            reply.headers["Allow"] = "GET"
            return reply

        parts = urlsplit(request.target)
        query = parse_qs(parts.query, keep_blank_values=True)
        if parts.path == V2_LIST_PATH:
            return self._list_v2(query)
        if parts.path == V1_LIST_PATH:
            return self._list_v1()

        return _gateway_error(404, "300", "Not Found")

    def _authentication_failure(self, request: Recorded) -> str | None:
        """Say which check a request fails, or None when it is authentic."""
        values = {}
        for name in (TIMESTAMP_HEADER, ACCESS_KEY_HEADER, SIGNATURE_HEADER):
            value = request.header(name)
            if value is None:
                return f"Missing header: {name}"
            values[name] = value

        timestamp = values[TIMESTAMP_HEADER]
        if not (len(timestamp) == 13 and timestamp.isascii() and timestamp.isdigit()):
            return "Invalid timestamp"
        if abs(int(timestamp) / 1000 - self.clock()) > MAX_CLOCK_SKEW:
            return "Invalid timestamp"

        access_key = values[ACCESS_KEY_HEADER]
        if not _same(access_key, self.access_key):
            return "Unknown access key"

        wanted = expected_signature(
            request.method, request.target, timestamp, access_key, self.secret_key
        )
        if not _same(values[SIGNATURE_HEADER], wanted):
            return "Invalid signature"

        return None

    def _list_v2(self, query: dict[str, list[str]]) -> Reply:
        try:
            page = _int_param(query, "page", 1)
            page_size = _int_param(query, "pageSize", self.default_page_size)
        except ValueError as exc:
            return _gateway_error(400, "100", "Bad Request", str(exc))

        page_size = min(page_size, self.page_size_cap)
        matching = list(self.certificates)
        if "certificateName" in query:
            name = query["certificateName"][0]
            matching = [c for c in matching if c.get("certificateName") == name]
        start = (page - 1) * page_size
        payload = {
            "returnCode": "0",
            "returnMessage": "Success",
            "totalCount": len(matching),
            # Copies, so a page hook cannot alter the stored certificates.
            "sslCertificateList": copy.deepcopy(matching[start : start + page_size]),
        }
        if self.page_hook is not None:
            payload = self.page_hook(page, payload)

        return Reply(body=payload)

    def _list_v1(self) -> Reply:
        # API 1.0 is not paginated: page parameters are accepted and ignored.
        converted = [
            {_V1_RENAMES.get(key, key): value for key, value in cert.items()}
            for cert in copy.deepcopy(list(self.certificates))
        ]
        payload = {
            "returnCode": "0",
            "returnMessage": "Success",
            "totalRows": len(converted),
            "sslCertificateList": converted,
        }

        return Reply(body=payload)


def _same(given: str, expected: str) -> bool:
    """Compare secrets in constant time; header text is latin-1 on the wire."""
    return hmac.compare_digest(
        given.encode("latin-1", "replace"), expected.encode("latin-1", "replace")
    )


def _int_param(query: dict[str, list[str]], name: str, default: int) -> int:
    """Read a positive integer query parameter, or raise ValueError."""
    if name not in query:
        return default

    raw = query[name][0]
    if not re.fullmatch(r"-?[0-9]+", raw):
        raise ValueError(f"{name} must be an integer, got {raw!r}")
    value = int(raw)
    if value < 1:
        raise ValueError(f"{name} must be 1 or greater, got {value}")

    return value
