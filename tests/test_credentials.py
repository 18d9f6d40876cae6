"""The NCP key and the webhook URL, from the environment or Secrets Manager."""

from __future__ import annotations

import json

import boto3
import pytest

from notifier.clients import Clients
from notifier.config import Settings
from notifier.credentials import (
    CACHE_SECONDS,
    NcpCredentials,
    SecretStore,
    ncp_credentials,
    webhook_url,
)
from notifier.errors import ConfigError
from notifier.secret import Secret

WEBHOOK = "https://hooks.example.invalid/services/T0AAA/B0BBB/webhook-secret-token"
MISSING_ARN = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:gone-AbCdEf"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def secrets(aws):
    return boto3.client("secretsmanager")


def stored(secrets, name: str, value: str) -> str:
    return secrets.create_secret(Name=name, SecretString=value)["ARN"]


def store_for(secrets, clock=None) -> SecretStore:
    return SecretStore(lambda: secrets, **({"clock": clock} if clock else {}))


class TestNcpCredentials:
    def test_keys_from_the_environment_need_no_secrets_manager(self):
        settings = Settings.from_env({"NCP_ACCESS_KEY": "AK", "NCP_SECRET_KEY": "SK"})

        assert ncp_credentials(settings, None) == NcpCredentials("AK", Secret("SK"))

    def test_keys_are_read_from_the_secret_named_by_arn(self, secrets):
        arn = stored(secrets, "ncp", json.dumps({"accessKey": "AK", "secretKey": "SK"}))
        settings = Settings.from_env({"NCP_CREDENTIALS_SECRET_ARN": arn})

        keys = ncp_credentials(settings, store_for(secrets))

        assert keys == NcpCredentials("AK", Secret("SK"))
        assert "SK" not in repr(keys)

    @pytest.mark.parametrize(
        "content",
        [
            "ncp-raw-secret-key-value",
            '{"accessKey": "AK"}',
            '{"accessKey": "", "secretKey": "ncp-raw-secret-key-value"}',
            '{"accessKey": 12345, "secretKey": "ncp-raw-secret-key-value"}',
            '{"access_key": "AK", "secret_key": "ncp-raw-secret-key-value"}',
            '["AK", "ncp-raw-secret-key-value"]',
            '"ncp-raw-secret-key-value"',
        ],
    )
    def test_bad_secret_contents_are_a_clear_error_that_does_not_echo_them(
        self, secrets, content
    ):
        arn = stored(secrets, "ncp", content)
        settings = Settings.from_env({"NCP_CREDENTIALS_SECRET_ARN": arn})

        with pytest.raises(ConfigError) as caught:
            ncp_credentials(settings, store_for(secrets))

        message = str(caught.value)
        assert message.startswith("NCP_CREDENTIALS_SECRET_ARN:")
        assert '{"accessKey": "...", "secretKey": "..."}' in message
        assert "ncp-raw-secret-key-value" not in message
        assert "ncp-raw-secret-key-value" not in repr(caught.value)

    def test_a_secret_that_does_not_exist_names_the_variable_and_the_arn(self, secrets):
        settings = Settings.from_env({"NCP_CREDENTIALS_SECRET_ARN": MISSING_ARN})

        with pytest.raises(ConfigError) as caught:
            ncp_credentials(settings, store_for(secrets))

        message = str(caught.value)
        assert message.startswith("NCP_CREDENTIALS_SECRET_ARN:")
        assert MISSING_ARN in message and "ResourceNotFoundException" in message

    def test_a_binary_secret_is_refused(self, secrets):
        arn = secrets.create_secret(Name="bin", SecretBinary=b"\x00\x01")["ARN"]
        settings = Settings.from_env({"NCP_CREDENTIALS_SECRET_ARN": arn})

        with pytest.raises(ConfigError, match="holds no text"):
            ncp_credentials(settings, store_for(secrets))

    def test_a_secret_arn_without_a_client_is_a_configuration_error(self):
        settings = Settings.from_env({"NCP_CREDENTIALS_SECRET_ARN": MISSING_ARN})

        with pytest.raises(ConfigError, match="no Secrets Manager client"):
            ncp_credentials(settings, None)


class TestCaching:
    def test_a_secret_is_read_once_then_reused_for_the_cache_period(self, secrets):
        arn = stored(secrets, "ncp", "first")
        clock = Clock()
        made = []
        store = SecretStore(lambda: made.append(1) or secrets, clock=clock)

        assert store.read(arn, "X") == "first"
        secrets.put_secret_value(SecretId=arn, SecretString="second")
        clock.now += CACHE_SECONDS - 1
        assert store.read(arn, "X") == "first"

        clock.now += 2
        assert store.read(arn, "X") == "second"
        assert made == [1]  # one client, made on first use

    def test_a_failed_read_is_not_cached(self, secrets):
        store = store_for(secrets, Clock())

        with pytest.raises(ConfigError):
            store.read(MISSING_ARN, "X")
        arn = stored(secrets, "late", "now-here")
        assert store.read(arn, "X") == "now-here"

    def test_clients_make_the_secrets_client_only_when_a_secret_is_read(
        self, aws, http
    ):
        asked = []

        def aws_client(service):
            asked.append(service)
            return boto3.client(service)

        clients = Clients(http=http, aws_client=aws_client)
        assert asked == []

        with pytest.raises(ConfigError):
            clients.secrets.read(MISSING_ARN, "NCP_CREDENTIALS_SECRET_ARN")
        with pytest.raises(ConfigError):
            clients.secrets.read(MISSING_ARN, "NCP_CREDENTIALS_SECRET_ARN")
        assert asked == ["secretsmanager"]


class TestWebhookUrl:
    def test_the_webhook_url_from_the_environment_is_used_as_is(self):
        settings = Settings.from_env(
            {
                "NCP_ACCESS_KEY": "AK",
                "NCP_SECRET_KEY": "SK",
                "SLACK_WEBHOOK_URL": WEBHOOK,
            }
        )

        assert webhook_url(settings, None) == Secret(WEBHOOK)

    def test_no_webhook_configured_is_none(self):
        settings = Settings.from_env({"NCP_ACCESS_KEY": "AK", "NCP_SECRET_KEY": "SK"})

        assert webhook_url(settings, None) is None

    @pytest.mark.parametrize(
        "content", [WEBHOOK, f"  {WEBHOOK}\n", json.dumps({"url": WEBHOOK})]
    )
    def test_the_webhook_secret_holds_the_url_as_text_or_json(self, secrets, content):
        arn = stored(secrets, "hook", content)
        settings = Settings.from_env(
            {"NCP_ACCESS_KEY": "AK", "NCP_SECRET_KEY": "SK",
             "SLACK_WEBHOOK_SECRET_ARN": arn}
        )  # fmt: skip

        assert webhook_url(settings, store_for(secrets)) == Secret(WEBHOOK)

    @pytest.mark.parametrize(
        "content",
        [
            "hooks.slack.com/services/webhook-secret-token",
            json.dumps({"webhook": "https://x/webhook-secret-token"}),
            json.dumps({"url": None}),
            "{not json webhook-secret-token",
        ],
    )
    def test_a_webhook_secret_without_a_url_is_refused_without_echoing_it(
        self, secrets, content
    ):
        arn = stored(secrets, "hook", content)
        settings = Settings.from_env(
            {"NCP_ACCESS_KEY": "AK", "NCP_SECRET_KEY": "SK",
             "SLACK_WEBHOOK_SECRET_ARN": arn}
        )  # fmt: skip

        with pytest.raises(ConfigError) as caught:
            webhook_url(settings, store_for(secrets))

        assert str(caught.value).startswith("SLACK_WEBHOOK_SECRET_ARN:")
        assert "webhook-secret-token" not in str(caught.value)


class TestValuesLibrariesWouldRefuse:
    @pytest.mark.parametrize(
        "content",
        [
            {"accessKey": "AK\n", "secretKey": "SK"},
            {"accessKey": "AK\u00e9", "secretKey": "SK"},
            {"accessKey": "AK", "secretKey": "S K"},
        ],
    )
    def test_a_key_no_header_can_carry_is_a_clear_error(self, secrets, content):
        arn = stored(secrets, "ncp", json.dumps(content))
        settings = Settings.from_env({"NCP_CREDENTIALS_SECRET_ARN": arn})

        with pytest.raises(ConfigError, match="copy the key again") as caught:
            ncp_credentials(settings, store_for(secrets))

        assert arn in str(caught.value)

    def test_a_webhook_secret_with_a_bad_port_is_refused_without_echoing_it(
        self, secrets
    ):
        url = "https://hooks.slack.com:44x/services/T0/B0/webhook-secret-token"
        arn = stored(secrets, "hook", url)
        settings = Settings.from_env(
            {"NCP_ACCESS_KEY": "AK", "NCP_SECRET_KEY": "SK",
             "SLACK_WEBHOOK_SECRET_ARN": arn}
        )  # fmt: skip

        with pytest.raises(ConfigError, match="not an http") as caught:
            webhook_url(settings, store_for(secrets))

        assert "webhook-secret-token" not in str(caught.value)
        assert caught.value.__cause__ is None
