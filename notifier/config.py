"""The function's configuration: every environment variable, read in one place.

``VARIABLES`` lists each variable the notifier reads with its default; the
SAM template declares one parameter per variable and the README documents
each, and a test keeps the three in step. :meth:`Settings.from_env` turns
the environment into one frozen object and stops at the first missing or
malformed value with a message that names it and shows a valid one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from .errors import ConfigError
from .secret import Secret

#: Every variable the notifier reads, with its default ("" when it has none).
VARIABLES: dict[str, str] = {
    "NCP_ACCESS_KEY": "",
    "NCP_SECRET_KEY": "",
    "NCP_CREDENTIALS_SECRET_ARN": "",
    "NCP_ZONE": "public",
    "NCP_API_URL": "",
    "NCP_TIMEOUT_SECONDS": "60",
    "THRESHOLD_DAYS": "30,14,7,3,1",
    "EXPIRED_REMINDER_DAYS": "7",
    "TIMEZONE": "Asia/Seoul",
    "SNS_TOPIC_ARN": "",
    "SLACK_WEBHOOK_URL": "",
    "SLACK_WEBHOOK_SECRET_ARN": "",
    "DRY_RUN": "false",
    "LOG_LEVEL": "INFO",
    "STATE_TABLE": "",
    "EXPIRED_REPEAT_HOURS": "24",
    "HEARTBEAT_DAYS": "7",
    "SES_FROM": "",
    "SES_TO": "",
}

#: Base URL of Certificate Manager in each NCP zone (CERTIFICATE-API.md).
ZONE_URLS: dict[str, str] = {
    "public": "https://certificatemanager.apigw.ntruss.com",
    "gov": "https://certificatemanager.apigw.gov-ntruss.com",
    "fin": "https://certificatemanager.apigw.fin-ntruss.com",
}

_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$")
_SNS_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$")
_SM_ARN_EXAMPLE = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:ncp-AbCdEf"
_SNS_ARN_EXAMPLE = "arn:aws:sns:ap-northeast-2:123456789012:cert-expiry"
#: Levels LOG_LEVEL accepts; the first is the example an error message shows.
LOG_LEVELS = ("info", "debug", "warning", "error")
# A DynamoDB table name, or its ARN (both are accepted as TableName).
_TABLE = re.compile(
    r"^(?:arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/)?[A-Za-z0-9_.-]{3,255}$"
)
#: SES takes at most 50 recipients per message (To, Cc and Bcc together).
SES_MAX_RECIPIENTS = 50
# An address SES accepts: a dot-atom local part (RFC 5322) and a DNS domain of
# two or more labels. SES wants ASCII: a non-ASCII domain goes in Punycode.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})+$")
_KEY_LIKE = re.compile(r"[A-Za-z0-9+/]{20,}")
_URL = re.compile(r"^https?://[^/\s]+(/\S*)?$", re.IGNORECASE)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Settings:
    """The validated configuration of one run."""

    ncp_access_key: str | None
    ncp_secret_key: Secret | None
    ncp_credentials_secret_arn: str | None
    ncp_zone: str
    ncp_api_url: str
    ncp_timeout_seconds: float
    threshold_days: tuple[int, ...]
    expired_reminder_days: int
    timezone: ZoneInfo
    sns_topic_arn: str | None
    slack_webhook_url: Secret | None
    slack_webhook_secret_arn: str | None
    dry_run: bool
    log_level: str = "INFO"
    state_table: str | None = None
    expired_repeat_hours: int = 24
    heartbeat_days: int = 7
    ses_from: str | None = None
    ses_to: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read and check every variable; raise ConfigError on the first bad one."""
        env = _Reader(environ)

        zone = env.choice("NCP_ZONE", tuple(ZONE_URLS))
        access_key = env.text("NCP_ACCESS_KEY")
        secret_key = env.text("NCP_SECRET_KEY")
        secret_arn = env.arn("NCP_CREDENTIALS_SECRET_ARN", _SECRET_ARN, _SM_ARN_EXAMPLE)
        _check_credentials(access_key, secret_key, secret_arn)

        webhook_url = env.text("SLACK_WEBHOOK_URL")
        if webhook_url is not None:
            check_http_url("SLACK_WEBHOOK_URL", webhook_url, secret=True)
        webhook_arn = env.arn("SLACK_WEBHOOK_SECRET_ARN", _SECRET_ARN, _SM_ARN_EXAMPLE)
        if webhook_url and webhook_arn:
            raise ConfigError(
                "SLACK_WEBHOOK_URL and SLACK_WEBHOOK_SECRET_ARN are both set: "
                "keep only one (the secret ARN is safer)"
            )

        ses_from, ses_to = _ses_addresses(env.text("SES_FROM"), env.text("SES_TO"))

        api_url = env.text("NCP_API_URL") or ZONE_URLS[zone]
        check_http_url("NCP_API_URL", api_url, secret=False)

        return cls(
            ncp_access_key=access_key,
            ncp_secret_key=Secret(secret_key) if secret_key else None,
            ncp_credentials_secret_arn=secret_arn,
            ncp_zone=zone,
            ncp_api_url=api_url.rstrip("/"),
            ncp_timeout_seconds=env.number("NCP_TIMEOUT_SECONDS", low=5, high=840),
            threshold_days=env.thresholds("THRESHOLD_DAYS"),
            expired_reminder_days=int(
                env.number("EXPIRED_REMINDER_DAYS", low=0, high=3650, whole=True)
            ),
            timezone=env.timezone("TIMEZONE"),
            sns_topic_arn=env.arn("SNS_TOPIC_ARN", _SNS_ARN, _SNS_ARN_EXAMPLE),
            slack_webhook_url=Secret(webhook_url) if webhook_url else None,
            slack_webhook_secret_arn=webhook_arn,
            dry_run=env.flag("DRY_RUN"),
            log_level=env.choice("LOG_LEVEL", LOG_LEVELS).upper(),
            state_table=env.table("STATE_TABLE"),
            expired_repeat_hours=int(
                env.number("EXPIRED_REPEAT_HOURS", low=1, high=8760, whole=True)
            ),
            heartbeat_days=int(
                env.number("HEARTBEAT_DAYS", low=0, high=365, whole=True)
            ),
            ses_from=ses_from,
            ses_to=ses_to,
        )

    @property
    def ncp_api_version(self) -> str:
        """API 2.0 in the public zone; the gov and fin zones document only 1.0."""
        return "v2" if self.ncp_zone == "public" else "v1"

    @property
    def has_channel(self) -> bool:
        return bool(
            self.sns_topic_arn
            or self.slack_webhook_url
            or self.slack_webhook_secret_arn
            or self.ses_from
        )


#: No accepted value is longer; a longer one is refused before it is parsed.
MAX_VALUE_LENGTH = 2048


def shown(value: str) -> str:
    """``value`` as an error message may quote it.

    What could be a secret pasted into the wrong variable is described, not
    shown: a URL (a webhook), an address, anything long, and anything with a
    run of 20 letters and digits, as an API key has.
    """
    if "://" in value or "@" in value:
        return f"(a URL or address of {len(value)} characters, not shown)"
    if len(value) > 80 or _KEY_LIKE.search(value):
        return f"(a value of {len(value)} characters, not shown)"
    return repr(value)


class _Reader:
    """Reads one variable at a time, applying its default and its check."""

    def __init__(self, environ: Mapping[str, str]):
        self._environ = environ

    def raw(self, name: str) -> str:
        value = self._environ.get(name, VARIABLES[name]).strip()
        if len(value) > MAX_VALUE_LENGTH:
            raise ConfigError(
                f"{name} is {len(value)} characters long; no valid value is "
                f"longer than {MAX_VALUE_LENGTH} (e.g. {name}={VARIABLES[name]})"
            )
        return value

    def text(self, name: str) -> str | None:
        return self.raw(name) or None

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self.raw(name).lower()
        if value not in allowed:
            raise ConfigError(
                f"{name}={shown(self.raw(name))} is not valid: use one of "
                f"{', '.join(allowed)} (e.g. {name}={allowed[0]})"
            )
        return value

    def flag(self, name: str) -> bool:
        value = self.raw(name).lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ConfigError(
            f"{name}={shown(self.raw(name))} is not valid: use true or false "
            f"(e.g. {name}=false)"
        )

    def number(
        self, name: str, *, low: float, high: float, whole: bool = False
    ) -> float:
        value = self.raw(name)
        # ASCII digits only: int() and float() also take "٣" and "1_0".
        form = r"\d{1,6}" if whole else r"\d{1,6}(?:\.\d{1,6})?"
        number = None
        if re.fullmatch(form, value, flags=re.ASCII):
            number = int(value) if whole else float(value)
        if number is None or not low <= number <= high:
            kind = "a whole number" if whole else "a number"
            raise ConfigError(
                f"{name}={shown(value)} is not valid: give {kind} from {low:g} to "
                f"{high:g} (e.g. {name}={VARIABLES[name]})"
            )
        return number

    def thresholds(self, name: str) -> tuple[int, ...]:
        value = self.raw(name)
        parts = [part.strip() for part in value.split(",")]
        # ASCII digits: str.isdigit also accepts "²", which int() refuses.
        if not all(re.fullmatch(r"\d{1,4}", part, flags=re.ASCII) for part in parts):
            days = None
        else:
            days = sorted({int(part) for part in parts}, reverse=True)
        if not days or days[-1] < 1 or days[0] > 3650:
            raise ConfigError(
                f"{name}={shown(value)} is not valid: give whole numbers of days from "
                f"1 to 3650 separated by commas (e.g. {name}={VARIABLES[name]})"
            )
        return tuple(days)

    def timezone(self, name: str) -> ZoneInfo:
        value = self.raw(name)
        try:
            return ZoneInfo(value)
        # OSError: a folder of the zone database ("Asia") is no zone.
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ConfigError(
                f"{name}={shown(value)} is not a known IANA time zone "
                f"(e.g. {name}=Asia/Seoul or {name}=UTC)"
            ) from None

    def table(self, name: str) -> str | None:
        value = self.text(name)
        if value is not None and not _TABLE.match(value):
            raise ConfigError(
                f"{name}={shown(value)} is not a DynamoDB table name (3-255 letters, "
                f"digits, '_', '-' or '.'; e.g. {name}=ncp-cert-expiry-state), "
                "nor a table ARN; leave it empty to run without delivery state"
            )
        return value

    def arn(self, name: str, pattern: re.Pattern[str], example: str) -> str | None:
        value = self.text(name)
        if value is not None and not pattern.match(value):
            raise ConfigError(
                f"{name}={shown(value)} is not a valid ARN (e.g. {name}={example})"
            )
        return value


def _check_credentials(
    access_key: str | None, secret_key: str | None, secret_arn: str | None
) -> None:
    if secret_arn and (access_key or secret_key):
        raise ConfigError(
            "NCP_CREDENTIALS_SECRET_ARN is set together with NCP_ACCESS_KEY or "
            "NCP_SECRET_KEY: keep only one way of giving the NCP API key"
        )
    if secret_arn:
        return
    if access_key:
        check_access_key("NCP_ACCESS_KEY", access_key)
    if secret_key:
        check_access_key("NCP_SECRET_KEY", secret_key)
    if not access_key or not secret_key:
        missing = "NCP_ACCESS_KEY" if not access_key else "NCP_SECRET_KEY"
        raise ConfigError(
            f"{missing} is not set: give the NCP API key as NCP_ACCESS_KEY and "
            "NCP_SECRET_KEY, or store it in Secrets Manager as "
            '{"accessKey": "...", "secretKey": "..."} and set '
            "NCP_CREDENTIALS_SECRET_ARN (e.g. NCP_CREDENTIALS_SECRET_ARN="
            f"{_SM_ARN_EXAMPLE})"
        )


def check_http_url(name: str, value: str, *, secret: bool) -> None:
    """Refuse what is not an http(s) URL that requests can send to.

    The URL is parsed by urllib3, as requests will parse it, so that a bad
    port or host fails here with a message instead of later with the URL,
    a secret for a webhook, in a library's exception.
    """
    example = (
        "https://hooks.slack.com/services/T000/B000/XXXX"
        if secret
        else ZONE_URLS["public"]
    )
    try:
        parts = parse_url(value) if _URL.match(value) else None
    except LocationParseError:
        parts = None
    if parts is None or not parts.host:
        why = "it is not an http(s) URL with a host"
    elif parts.port is not None and not 0 < parts.port < 65536:
        why = "its port is out of range"
    elif parts.auth:
        why = "it carries a user name or password, which it must not"
    else:
        return
    shown_value = "" if secret else f"={shown(value)}"
    raise ConfigError(
        f"{name}{shown_value} is not valid: {why} (e.g. {name}={example})"
    )


def check_access_key(name: str, value: str) -> None:
    """An NCP key is printable ASCII without spaces; anything else would fail
    later as a header or signature error that names no variable."""
    if not re.fullmatch(r"[\x21-\x7e]+", value):
        raise ConfigError(
            f"{name} holds spaces, line breaks or non-ASCII characters: copy "
            "the key again from the NCP console"
        )


def _ses_addresses(
    sender: str | None, recipients: str | None
) -> tuple[str | None, tuple[str, ...]]:
    """SES_FROM and SES_TO, both or neither; each address checked."""
    if sender and not recipients:
        raise ConfigError(
            "SES_FROM is set but SES_TO is not: give the recipients too (e.g. "
            "SES_TO=ops@example.com,oncall@example.com), or unset SES_FROM"
        )
    if recipients and not sender:
        raise ConfigError(
            "SES_TO is set but SES_FROM is not: give the sender, an address "
            "verified in SES (e.g. SES_FROM=cert-alerts@example.com), or unset SES_TO"
        )
    if not sender or not recipients:
        return None, ()

    _check_address("SES_FROM", sender)
    addresses: list[str] = []
    for part in recipients.split(","):
        address = part.strip()
        if not address:
            continue  # a stray comma names nobody
        _check_address("SES_TO", address)
        if address.lower() not in (known.lower() for known in addresses):
            addresses.append(address)
    if not addresses:
        raise ConfigError(
            f"SES_TO={shown(recipients)} names no address "
            "(e.g. SES_TO=ops@example.com,oncall@example.com)"
        )
    if len(addresses) > SES_MAX_RECIPIENTS:
        raise ConfigError(
            f"SES_TO names {len(addresses)} addresses, but SES sends one message "
            f"to at most {SES_MAX_RECIPIENTS}: give a mailing list's address instead"
        )
    return sender, tuple(addresses)


def _check_address(name: str, address: str) -> None:
    example = "cert-alerts@example.com" if name == "SES_FROM" else "ops@example.com"
    if "<" in address or ">" in address:
        why = "give the bare address, without a display name or angle brackets"
    elif name == "SES_TO" and (";" in address or len(address.split()) > 1):
        why = "separate addresses with commas"
    elif not address.isascii():
        why = (
            "SES takes ASCII addresses only; write a non-ASCII domain in "
            "Punycode (xn--...)"
        )
    elif (
        _ADDRESS.match(address)
        and len(address) <= 254
        and len(address.split("@")[0]) <= 64
    ):
        return
    else:
        why = "it is not an e-mail address"
    raise ConfigError(
        f"{name}: {shown(address)} is not valid: {why} (e.g. {name}={example})"
    )
