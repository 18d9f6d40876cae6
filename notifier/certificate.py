"""One certificate as NCP lists it, read defensively.

Every field NCP sends may be missing or of the wrong type; reading never
fails. What cannot be read becomes None, and an expiry that cannot be read
keeps its raw text so that the person reading the digest sees it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import NamedTuple

from .dates import parse_ncp_datetime

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

#: The field that holds the expiry, per API version (CERTIFICATE-API.md).
EXPIRY_FIELD = {"v2": "notAfter", "v1": "validEndDate"}


class Certificate(NamedTuple):
    """The fields of an NCP certificate that the notifier judges and shows.

    Immutable like a frozen dataclass, but built three times faster, which
    counts when one is built per certificate, tens of thousands a run.
    """

    number: str
    name: str
    common_name: str
    status_code: int | None
    not_after: datetime | None
    not_after_raw: str | None
    used_by: tuple[str, ...]

    @classmethod
    def from_ncp(
        cls, item: Mapping[str, object], api_version: str = "v2"
    ) -> Certificate:
        raw_expiry = item.get(EXPIRY_FIELD[api_version])
        return cls(
            number=_text(item.get("certificateNo")),
            name=_text(item.get("certificateName")),
            common_name=_text(item.get("commonName")),
            status_code=_status(item.get("statusCode")),
            not_after=parse_ncp_datetime(raw_expiry),
            not_after_raw=None if raw_expiry is None else _text(raw_expiry),
            used_by=_used_by(item.get("usedInstanceNoList")),
        )

    @property
    def in_use(self) -> bool:
        return bool(self.used_by)


def identity(item: Mapping[str, object]) -> str | None:
    """The key that tells two listings of one certificate apart from others."""
    number = item.get("certificateNo")
    if number is None or isinstance(number, (dict, list, bool)):
        return None
    return str(number).strip() or None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value if value.isascii() else _valid_unicode(value)
    return str(value)


def _valid_unicode(text: str) -> str:
    """``text`` with each lone surrogate (a JSON ``\\ud800`` escape that pairs
    with nothing) replaced by U+FFFD, so that any UTF-8 output can carry it."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _status(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _used_by(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple([_text(entry) for entry in value if entry not in (None, "")])
    if isinstance(value, (str, int)) and str(value).strip():
        return (str(value),)
    return ()
