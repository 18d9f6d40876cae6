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
            _check_http_url("SLACK_WEBHOOK_URL", webhook_url, secret=True)
        webhook_arn = env.arn("SLACK_WEBHOOK_SECRET_ARN", _SECRET_ARN, _SM_ARN_EXAMPLE)
        if webhook_url and webhook_arn:
            raise ConfigError(
                "SLACK_WEBHOOK_URL and SLACK_WEBHOOK_SECRET_ARN are both set: "
                "keep only one (the secret ARN is safer)"
            )

        api_url = env.text("NCP_API_URL") or ZONE_URLS[zone]
        _check_http_url("NCP_API_URL", api_url, secret=False)

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
        )


class _Reader:
    """Reads one variable at a time, applying its default and its check."""

    def __init__(self, environ: Mapping[str, str]):
        self._environ = environ

    def raw(self, name: str) -> str:
        return self._environ.get(name, VARIABLES[name]).strip()

    def text(self, name: str) -> str | None:
        return self.raw(name) or None

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self.raw(name).lower()
        if value not in allowed:
            raise ConfigError(
                f"{name}={self.raw(name)!r} is not valid: use one of "
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
            f"{name}={self.raw(name)!r} is not valid: use true or false "
            f"(e.g. {name}=false)"
        )

    def number(
        self, name: str, *, low: float, high: float, whole: bool = False
    ) -> float:
        value = self.raw(name)
        try:
            number = int(value) if whole else float(value)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            kind = "a whole number" if whole else "a number"
            raise ConfigError(
                f"{name}={value!r} is not valid: give {kind} from {low:g} to "
                f"{high:g} (e.g. {name}={VARIABLES[name]})"
            )
        return number

    def thresholds(self, name: str) -> tuple[int, ...]:
        value = self.raw(name)
        parts = [part.strip() for part in value.split(",")]
        # isascii: str.isdigit also accepts "²", which int() refuses.
        if not all(part.isascii() and part.isdigit() for part in parts):
            days = None
        else:
            days = sorted({int(part) for part in parts}, reverse=True)
        if not days or days[-1] < 1 or days[0] > 3650:
            raise ConfigError(
                f"{name}={value!r} is not valid: give whole numbers of days from "
                f"1 to 3650 separated by commas (e.g. {name}={VARIABLES[name]})"
            )
        return tuple(days)

    def timezone(self, name: str) -> ZoneInfo:
        value = self.raw(name)
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ConfigError(
                f"{name}={value!r} is not a known IANA time zone "
                f"(e.g. {name}=Asia/Seoul or {name}=UTC)"
            ) from None

    def arn(self, name: str, pattern: re.Pattern[str], example: str) -> str | None:
        value = self.text(name)
        if value is not None and not pattern.match(value):
            raise ConfigError(
                f"{name}={value!r} is not a valid ARN (e.g. {name}={example})"
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
    if not access_key or not secret_key:
        missing = "NCP_ACCESS_KEY" if not access_key else "NCP_SECRET_KEY"
        raise ConfigError(
            f"{missing} is not set: give the NCP API key as NCP_ACCESS_KEY and "
            "NCP_SECRET_KEY, or store it in Secrets Manager as "
            '{"accessKey": "...", "secretKey": "..."} and set '
            "NCP_CREDENTIALS_SECRET_ARN (e.g. NCP_CREDENTIALS_SECRET_ARN="
            f"{_SM_ARN_EXAMPLE})"
        )


def _check_http_url(name: str, value: str, *, secret: bool) -> None:
    shown = "the value" if secret else repr(value)
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
        raise ConfigError(
            f"{name} is not valid: {shown} is not an http(s) URL "
            f"(e.g. {name}=https://hooks.slack.com/services/T000/B000/XXXX)"
            if secret
            else f"{name}={shown} is not an http(s) URL "
            f"(e.g. {name}={ZONE_URLS['public']})"
        )
