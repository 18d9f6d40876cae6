"""Sample certificates in NCP's v2 list format, for the demo, tests and benchmark.

Dates are written as NCP writes them: Korean local time with the offset in
parentheses, e.g. `2027-01-12 23:59:59(UTC+09:00)`. Domains are fake ones
under example.com and example.kr.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

KST = timezone(timedelta(hours=9))
MEMBER_NO = "2900417"

# Six hours past the whole day keeps "whole days left" exact and stable
# while a test or the demo runs.
_SLACK = timedelta(hours=6)

_STATUS_NAMES = {
    "0": "Ongoing",
    "1": "Normal",
    "2": "Normal (private key not registered)",
    "3": "Normal (Global Edge dedicated)",
    "-2": "Expire",
    "-5": "Revoke",
}

_ISSUERS = {
    "NCP_FREE_DV_01": "CN=Example Free DV CA,O=Example Trust,C=KR",
    "NCP_PAID_DV_01": "CN=Example DV CA,O=Example Trust,C=KR",
    "NCP_PAID_OV_01": "CN=Example OV CA,O=Example Trust,C=KR",
    "NCP_GLOBAL_EDGE_DEDICATED": "CN=Example Edge CA,O=Example Trust,C=KR",
    "EXTERNAL": "CN=Example Imported CA,O=Example Inc.,C=US",
}


@dataclass(frozen=True)
class _Spec:
    """What varies between sample certificates; the rest is derived."""

    number: int
    name: str
    host: str
    kind: str
    status: str = "1"
    # Whole days left, a literal notAfter string, or None (not issued yet).
    expiry: int | str | None = 365
    aliases: tuple[str, ...] = ()
    instances: tuple[str, ...] = ()


# fmt: off
_DEMO = (
    _Spec(102401, "www-example-com", "www.example.com", "NCP_FREE_DV_01",
          expiry=30, aliases=("example.com",), instances=("21873521",)),
    _Spec(102402, "shop-example-kr", "shop.example.kr", "NCP_PAID_DV_01",
          expiry=14, instances=("21873522",)),
    _Spec(102403, "api-example-com-imported", "api.example.com", "EXTERNAL",
          expiry=7),
    _Spec(102404, "login-example-kr", "login.example.kr", "NCP_PAID_OV_01",
          expiry=3, instances=("21873530", "21873531")),
    _Spec(102405, "cdn-example-com-edge", "cdn.example.com",
          "NCP_GLOBAL_EDGE_DEDICATED", status="3", expiry=1,
          instances=("30011234",)),
    _Spec(102406, "pay-example-kr-imported", "pay.example.kr", "EXTERNAL",
          expiry=0, instances=("21873540",)),
    _Spec(102407, "mail-example-com", "mail.example.com", "NCP_FREE_DV_01",
          expiry=20),
    _Spec(102408, "wildcard-example-kr", "*.example.kr", "NCP_PAID_DV_01",
          expiry=45, aliases=("example.kr",), instances=("21873550",)),
    _Spec(102409, "portal-example-com", "portal.example.com", "NCP_PAID_OV_01",
          expiry=200, instances=("21873560",)),
    # Expired, yet a load balancer still serves it: the status lags behind.
    _Spec(102410, "legacy-example-com", "legacy.example.com", "EXTERNAL",
          expiry=-2, instances=("21873570",)),
    _Spec(102411, "old-example-kr", "old.example.kr", "NCP_FREE_DV_01",
          status="-2", expiry=-40),
    _Spec(102412, "broken-date-example-com", "broken.example.com", "EXTERNAL",
          expiry="not-a-date"),
    _Spec(102413, "revoked-example-kr", "revoked.example.kr", "NCP_PAID_DV_01",
          status="-5", expiry=90),
    _Spec(102414, "new-example-com", "new.example.com", "NCP_PAID_OV_01",
          status="0", expiry=None),
)
# fmt: on

_BENCH_KINDS = tuple(_ISSUERS)


def ncp_date(moment: datetime) -> str:
    """Write an aware datetime as NCP does: KST wall time, offset in parentheses."""
    return moment.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S") + "(UTC+09:00)"


def demo_certificates(now: datetime) -> list[dict]:
    """Fourteen certificates spread around the default thresholds 30/14/7/3/1.

    Whole days left (truncated toward zero) from `now`: 30, 14, 7, 3, 1, 0, 20,
    45, 200, -2 (still attached), -40 (EXPIRE), plus an unparseable notAfter, a
    revoked certificate and one still being issued (no notAfter).
    """
    _require_aware(now)

    return [_certificate(spec, now) for spec in _DEMO]


def many_certificates(n: int, now: datetime) -> list[dict]:
    """`n` certificates numbered 1..n, expiring -30..400 days from `now`."""
    _require_aware(now)

    certificates = []
    for number in range(1, n + 1):
        # A stride coprime with 431 visits every day in -30..400 in turn.
        days = -30 + (number * 97) % 431
        spec = _Spec(
            number,
            f"bench-cert-{number:05d}",
            f"svc{number:05d}.example.com",
            _BENCH_KINDS[number % len(_BENCH_KINDS)],
            status="-2" if days < 0 else "1",
            expiry=days,
            instances=(str(21000000 + number),) if number % 3 else (),
        )
        certificates.append(_certificate(spec, now))

    return certificates


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware, e.g. datetime.now(UTC)")


def _expiry_moment(now: datetime, days: int) -> datetime:
    """A moment whose whole days from `now`, truncated toward zero, is `days`."""
    offset = timedelta(days=abs(days)) + _SLACK
    moment = now + offset if days >= 0 else now - offset

    return moment.replace(microsecond=0)


def _certificate(spec: _Spec, now: datetime) -> dict:
    cert: dict = {
        "certificateNo": spec.number,
        "certificateName": spec.name,
        "memberNo": MEMBER_NO,
        "commonName": spec.host,
        "dnsName": ",".join((spec.host, *spec.aliases)),
        "statusCode": spec.status,
        "statusName": _STATUS_NAMES[spec.status],
        "certificateType": spec.kind,
        "domainCode": "PUB",
        "issueType": "REPRESENTATIVE",
        "subjectDN": _subject(spec),
    }
    if spec.expiry is None:
        # Still being issued: no validity window and nothing issued yet.
        requested = now.replace(microsecond=0) - timedelta(hours=2)
        cert["registDate"] = cert["updateDate"] = ncp_date(requested)
        cert["orderId"] = _order_id(spec, requested)
        cert["usedInstanceNoList"] = []
        return cert

    lifetime = timedelta(days=90 if spec.kind == "NCP_FREE_DV_01" else 365)
    if isinstance(spec.expiry, str):
        not_before = now.replace(microsecond=0) - timedelta(days=30)
        not_after = spec.expiry
    else:
        expires = _expiry_moment(now, spec.expiry)
        not_before = expires - lifetime
        not_after = ncp_date(expires)

    cert["registDate"] = ncp_date(not_before - timedelta(minutes=7))
    cert["updateDate"] = cert["issueDate"] = ncp_date(not_before)
    cert["notBefore"] = ncp_date(not_before)
    cert["notAfter"] = not_after
    if spec.status == "-5":
        revoked = now.replace(microsecond=0) - timedelta(days=3)
        cert["revokeDate"] = cert["updateDate"] = ncp_date(revoked)
    cert["serialNumber"] = f"{spec.number * 2654435761 % 2**64:016X}"
    cert["issuer"] = _ISSUERS[spec.kind]
    cert["signatureAlgorithm"] = "SHA256withRSA"
    if spec.kind != "EXTERNAL":
        cert["orderId"] = _order_id(spec, not_before)
    cert["usedInstanceNoList"] = list(spec.instances)

    return cert


def _subject(spec: _Spec) -> str:
    if spec.kind == "NCP_PAID_OV_01":
        return f"cn={spec.host},o=Example Corp.,l=Seongnam-si,s=Gyeonggi-do,c=KR"
    if spec.kind == "EXTERNAL":
        return f"cn={spec.host},o=Example Inc.,c=KR"

    return f"cn={spec.host}"


def _order_id(spec: _Spec, ordered: datetime) -> str:
    return f"NC-{ordered.astimezone(KST):%Y%m%d}-{spec.number % 1000:03d}"
