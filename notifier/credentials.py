"""The NCP API key and the webhook URL, from the environment or Secrets Manager.

A secret named by ARN is read at run time, not resolved into an environment
variable at deploy time, so it never shows in the Lambda console; it is kept
for a few minutes so warm invocations do not read it again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .config import Settings, check_access_key, check_http_url
from .errors import ConfigError
from .secret import Secret

#: How long a secret read from Secrets Manager is reused (seconds).
CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class NcpCredentials:
    access_key: str
    secret_key: Secret


class SecretStore:
    """Reads secrets by ARN and remembers them for :data:`CACHE_SECONDS`."""

    def __init__(
        self,
        client_factory: Callable[[], Any],
        clock: Callable[[], float] = time.monotonic,
    ):
        self._client_factory = client_factory
        self._client: Any = None
        self._clock = clock
        self._cache: dict[str, tuple[float, str]] = {}

    def read(self, arn: str, variable: str) -> str:
        """The secret string stored at ``arn``; ``variable`` names it in errors."""
        cached = self._cache.get(arn)
        if cached and self._clock() - cached[0] < CACHE_SECONDS:
            return cached[1]

        from botocore.exceptions import BotoCoreError, ClientError

        if self._client is None:
            self._client = self._client_factory()
        try:
            answer = self._client.get_secret_value(SecretId=arn)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise ConfigError(
                f"{variable}: Secrets Manager refused to read {arn} ({code}); "
                "check that the secret exists and that the function may read it"
            ) from exc
        except BotoCoreError as exc:
            raise ConfigError(
                f"{variable}: Secrets Manager could not be reached to read {arn} "
                f"({type(exc).__name__})"
            ) from exc
        value = answer.get("SecretString")
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(
                f"{variable}: the secret {arn} holds no text; store it as a "
                "SecretString"
            )
        self._cache[arn] = (self._clock(), value)
        return value


def ncp_credentials(settings: Settings, store: SecretStore | None) -> NcpCredentials:
    """The NCP key pair, from the environment or from the secret named by ARN."""
    if settings.ncp_credentials_secret_arn is None:
        assert settings.ncp_access_key and settings.ncp_secret_key  # Settings checked
        return NcpCredentials(settings.ncp_access_key, settings.ncp_secret_key)

    arn = settings.ncp_credentials_secret_arn
    raw = _store(store).read(arn, "NCP_CREDENTIALS_SECRET_ARN")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        data = {}
    access_key, secret_key = data.get("accessKey"), data.get("secretKey")
    if not (
        isinstance(access_key, str)
        and access_key
        and isinstance(secret_key, str)
        and secret_key
    ):
        # Never echo the secret's content: it may be the key itself.
        raise ConfigError(
            f"NCP_CREDENTIALS_SECRET_ARN: the secret {arn} must be JSON like "
            '{"accessKey": "...", "secretKey": "..."} with both values set'
        )
    check_access_key(f"the secret {arn}: accessKey", access_key)
    check_access_key(f"the secret {arn}: secretKey", secret_key)
    return NcpCredentials(access_key, Secret(secret_key))


def webhook_url(settings: Settings, store: SecretStore | None) -> Secret | None:
    """The Slack webhook URL, from the environment or from the secret by ARN."""
    if settings.slack_webhook_secret_arn is None:
        return settings.slack_webhook_url

    arn = settings.slack_webhook_secret_arn
    raw = _store(store).read(arn, "SLACK_WEBHOOK_SECRET_ARN").strip()
    if raw.startswith("{"):
        try:
            raw = str(json.loads(raw).get("url", ""))
        except (ValueError, AttributeError, RecursionError):
            raw = ""
    if not raw.startswith(("https://", "http://")):
        raise ConfigError(
            f"SLACK_WEBHOOK_SECRET_ARN: the secret {arn} must hold the webhook "
            'URL, as plain text or as {"url": "https://hooks.slack.com/..."}'
        )
    check_http_url(f"SLACK_WEBHOOK_SECRET_ARN: the secret {arn}", raw, secret=True)
    return Secret(raw)


def _store(store: SecretStore | None) -> SecretStore:
    if store is None:
        raise ConfigError("a secret ARN is configured but no Secrets Manager client")
    return store
