"""Settings.from_env: each variable's default, valid values and bad values."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest

from notifier.config import VARIABLES, ZONE_URLS, Settings
from notifier.errors import ConfigError
from notifier.secret import Secret

KEYS = {"NCP_ACCESS_KEY": "AKIDEXAMPLE", "NCP_SECRET_KEY": "ncp-secret-key-value"}
SECRET_ARN = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:ncp-AbCdEf"
TOPIC_ARN = "arn:aws:sns:ap-northeast-2:123456789012:cert-expiry"
WEBHOOK = "https://hooks.example.invalid/services/T0AAA/B0BBB/webhook-secret-token"


def settings(**env: str) -> Settings:
    return Settings.from_env({**KEYS, **env})


class TestDefaults:
    def test_only_the_ncp_key_is_required_and_the_rest_defaults(self):
        got = Settings.from_env(KEYS)

        assert got.ncp_access_key == "AKIDEXAMPLE"
        assert got.ncp_secret_key == Secret("ncp-secret-key-value")
        assert got.ncp_credentials_secret_arn is None
        assert got.ncp_zone == "public"
        assert got.ncp_api_url == ZONE_URLS["public"]
        assert got.ncp_api_version == "v2"
        assert got.ncp_timeout_seconds == 60
        assert got.threshold_days == (30, 14, 7, 3, 1)
        assert got.expired_reminder_days == 7
        assert got.timezone == ZoneInfo("Asia/Seoul")
        assert got.sns_topic_arn is None
        assert got.slack_webhook_url is None
        assert got.slack_webhook_secret_arn is None
        assert got.dry_run is False
        assert got.has_channel is False

    def test_the_documented_defaults_are_what_an_unset_variable_gives(self):
        explicit = Settings.from_env(
            {**VARIABLES, **KEYS}  # every variable set to its listed default
        )

        assert explicit == Settings.from_env(KEYS)

    def test_the_environment_mapping_is_the_only_source(self, monkeypatch):
        monkeypatch.setenv("THRESHOLD_DAYS", "not even a number")

        assert Settings.from_env(KEYS).threshold_days == (30, 14, 7, 3, 1)

    def test_settings_are_frozen(self):
        got = Settings.from_env(KEYS)

        with pytest.raises(AttributeError):
            got.dry_run = True  # type: ignore[misc]


class TestValidValues:
    @pytest.mark.parametrize(
        ("zone", "version"), [("public", "v2"), ("gov", "v1"), ("fin", "v1")]
    )
    def test_each_zone_has_its_base_url_and_api_version(self, zone, version):
        got = settings(NCP_ZONE=zone)

        assert got.ncp_zone == zone
        assert got.ncp_api_url == ZONE_URLS[zone]
        assert got.ncp_api_version == version

    def test_zone_is_read_without_regard_to_case_or_spaces(self):
        assert settings(NCP_ZONE="  GOV ").ncp_zone == "gov"

    def test_api_url_overrides_the_zone_url_without_a_trailing_slash(self):
        got = settings(NCP_ZONE="fin", NCP_API_URL="http://127.0.0.1:8080/")

        assert got.ncp_api_url == "http://127.0.0.1:8080"
        assert got.ncp_api_version == "v1"

    @pytest.mark.parametrize(
        ("value", "seconds"), [("5", 5), ("30.5", 30.5), ("840", 840)]
    )
    def test_timeout_accepts_5_to_840_seconds(self, value, seconds):
        assert settings(NCP_TIMEOUT_SECONDS=value).ncp_timeout_seconds == seconds

    @pytest.mark.parametrize(
        ("value", "days"),
        [
            ("7, 30 ,1", (30, 7, 1)),
            ("14", (14,)),
            ("7,7,3", (7, 3)),
            ("3650,1", (3650, 1)),
        ],
    )
    def test_thresholds_are_sorted_largest_first_without_duplicates(self, value, days):
        assert settings(THRESHOLD_DAYS=value).threshold_days == days

    @pytest.mark.parametrize(("value", "days"), [("0", 0), ("30", 30), ("3650", 3650)])
    def test_expired_reminder_days_accepts_0_to_3650(self, value, days):
        assert settings(EXPIRED_REMINDER_DAYS=value).expired_reminder_days == days

    @pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
    def test_timezone_accepts_iana_names(self, zone):
        assert settings(TIMEZONE=zone).timezone == ZoneInfo(zone)

    def test_an_sns_topic_arn_is_a_channel(self):
        got = settings(SNS_TOPIC_ARN=TOPIC_ARN)

        assert got.sns_topic_arn == TOPIC_ARN
        assert got.has_channel

    @pytest.mark.parametrize(
        "url", [WEBHOOK, "http://127.0.0.1:8065/hooks/mattermost-token"]
    )
    def test_any_http_or_https_webhook_url_is_a_channel(self, url):
        got = settings(SLACK_WEBHOOK_URL=url)

        assert got.slack_webhook_url == Secret(url)
        assert got.has_channel

    def test_a_webhook_secret_arn_is_a_channel(self):
        got = settings(SLACK_WEBHOOK_SECRET_ARN=SECRET_ARN)

        assert got.slack_webhook_secret_arn == SECRET_ARN
        assert got.has_channel

    def test_the_ncp_key_may_come_from_a_secret_instead(self):
        got = Settings.from_env({"NCP_CREDENTIALS_SECRET_ARN": SECRET_ARN})

        assert got.ncp_credentials_secret_arn == SECRET_ARN
        assert got.ncp_access_key is None
        assert got.ncp_secret_key is None

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("true", True), ("TRUE", True), ("1", True), ("yes", True), ("on", True),
            ("false", False), ("0", False), ("no", False), ("off", False), ("", False),
        ],
    )  # fmt: skip
    def test_dry_run_reads_the_usual_spellings_of_a_flag(self, value, expected):
        assert settings(DRY_RUN=value).dry_run is expected


# Each malformed value, by variable. The message must name the variable and
# show a valid value as "e.g. NAME=value"; the test then proves that value is
# accepted, so the example in the message cannot rot.
MALFORMED = [
    ("NCP_ZONE", "private"),
    ("NCP_ZONE", ""),
    ("NCP_API_URL", "certificatemanager.apigw.ntruss.com"),
    ("NCP_API_URL", "file:///etc/passwd"),
    ("NCP_TIMEOUT_SECONDS", "sixty"),
    ("NCP_TIMEOUT_SECONDS", "4"),
    ("NCP_TIMEOUT_SECONDS", "841"),
    ("NCP_TIMEOUT_SECONDS", "nan"),
    ("NCP_TIMEOUT_SECONDS", ""),
    ("THRESHOLD_DAYS", ""),
    ("THRESHOLD_DAYS", "0"),
    ("THRESHOLD_DAYS", "30,,7"),
    ("THRESHOLD_DAYS", "30;14"),
    ("THRESHOLD_DAYS", "-1"),
    ("THRESHOLD_DAYS", "7.5"),
    ("THRESHOLD_DAYS", "3651"),
    ("THRESHOLD_DAYS", "30,²"),
    ("EXPIRED_REMINDER_DAYS", "-1"),
    ("EXPIRED_REMINDER_DAYS", "1.5"),
    ("EXPIRED_REMINDER_DAYS", "3651"),
    ("EXPIRED_REMINDER_DAYS", "week"),
    ("TIMEZONE", "Mars/Olympus_Mons"),
    ("TIMEZONE", ""),
    ("TIMEZONE", "../../etc/passwd"),
    ("TIMEZONE", "Asia"),
    ("SNS_TOPIC_ARN", "cert-expiry"),
    ("SNS_TOPIC_ARN", "arn:aws:sqs:ap-northeast-2:123456789012:cert-expiry"),
    ("SLACK_WEBHOOK_URL", "hooks.slack.com/services/T0/B0/x"),
    ("SLACK_WEBHOOK_URL", "ftp://hooks.example.com/x"),
    ("SLACK_WEBHOOK_SECRET_ARN", "slack-webhook"),
    ("NCP_CREDENTIALS_SECRET_ARN", "ncp-credentials"),
    ("DRY_RUN", "maybe"),
]


def _environment_with(name: str, value: str) -> dict[str, str]:
    base = {} if name == "NCP_CREDENTIALS_SECRET_ARN" else dict(KEYS)
    return {**base, name: value}


@pytest.mark.parametrize(("name", "value"), MALFORMED)
def test_a_malformed_value_names_its_variable_and_shows_a_valid_one(name, value):
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(_environment_with(name, value))

    message = str(caught.value)
    assert name in message
    example = re.search(rf"e\.g\. {name}=([^\s)]+)", message)
    assert example, f"no example value in: {message}"
    Settings.from_env(_environment_with(name, example.group(1)))


@pytest.mark.parametrize("missing", ["NCP_ACCESS_KEY", "NCP_SECRET_KEY"])
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_a_missing_ncp_key_is_named_and_both_ways_to_give_it_are_shown(missing, blank):
    given = {name: value for name, value in KEYS.items() if name != missing}
    if blank is not None:
        given[missing] = blank

    with pytest.raises(ConfigError) as caught:
        Settings.from_env(given)

    message = str(caught.value)
    assert message.startswith(f"{missing} is not set")
    assert "NCP_CREDENTIALS_SECRET_ARN" in message
    example = re.search(r"e\.g\. NCP_CREDENTIALS_SECRET_ARN=([^\s)]+)", message)
    assert example
    Settings.from_env({"NCP_CREDENTIALS_SECRET_ARN": example.group(1)})


def test_no_ncp_key_at_all_is_an_error():
    with pytest.raises(ConfigError, match="NCP_ACCESS_KEY is not set"):
        Settings.from_env({})


def test_a_key_and_a_key_secret_together_are_refused():
    with pytest.raises(ConfigError, match="keep only one") as caught:
        settings(NCP_CREDENTIALS_SECRET_ARN=SECRET_ARN)

    assert "NCP_CREDENTIALS_SECRET_ARN" in str(caught.value)
    assert KEYS["NCP_SECRET_KEY"] not in str(caught.value)


def test_a_webhook_url_and_a_webhook_secret_together_are_refused():
    with pytest.raises(ConfigError, match="keep only one") as caught:
        settings(SLACK_WEBHOOK_URL=WEBHOOK, SLACK_WEBHOOK_SECRET_ARN=SECRET_ARN)

    assert "SLACK_WEBHOOK_URL" in str(caught.value)
    assert WEBHOOK not in str(caught.value)


class TestSecretsStayHidden:
    def test_repr_and_str_of_settings_show_no_secret(self):
        got = settings(SLACK_WEBHOOK_URL=WEBHOOK)

        for text in (repr(got), str(got)):
            assert KEYS["NCP_SECRET_KEY"] not in text
            assert WEBHOOK not in text
            assert "webhook-secret-token" not in text

    @pytest.mark.parametrize(
        "bad_url",
        [
            "hooks.slack.com/services/T0AAA/B0BBB/webhook-secret-token",
            "https://hooks.example.invalid/services/webhook-secret-token with spaces",
        ],
    )
    def test_a_malformed_webhook_url_is_not_echoed(self, bad_url):
        with pytest.raises(ConfigError) as caught:
            settings(SLACK_WEBHOOK_URL=bad_url)

        assert "SLACK_WEBHOOK_URL" in str(caught.value)
        assert "webhook-secret-token" not in str(caught.value)

    def test_an_error_elsewhere_does_not_carry_the_secret_key(self):
        with pytest.raises(ConfigError) as caught:
            settings(TIMEZONE="Nowhere/Special")

        assert KEYS["NCP_SECRET_KEY"] not in str(caught.value)
        assert KEYS["NCP_SECRET_KEY"] not in repr(caught.value)


class TestValuesLibrariesWouldRefuse:
    """What requests, urllib3 or int() would refuse later, with the value in
    their message, is refused here with a message that names the variable."""

    BASE = {"NCP_ACCESS_KEY": "AK", "NCP_SECRET_KEY": "SK"}

    @pytest.mark.parametrize(
        "url",
        [
            "https://hooks.slack.com:44x/services/T0/B0/webhook-secret-token",
            "https://hooks.slack.com:99999/services/T0/B0/webhook-secret-token",
            "http://[::1/services/T0/B0/webhook-secret-token",
        ],
    )
    def test_a_webhook_url_requests_cannot_parse_is_refused_unseen(self, url):
        with pytest.raises(
            ConfigError, match="^SLACK_WEBHOOK_URL is not valid"
        ) as caught:
            Settings.from_env({**self.BASE, "SLACK_WEBHOOK_URL": url})

        assert "webhook-secret-token" not in str(caught.value)

    def test_an_api_url_with_a_password_is_refused_without_showing_it(self):
        url = "https://user:hunter2@certificatemanager.apigw.ntruss.com"

        with pytest.raises(ConfigError, match="user name or password") as caught:
            Settings.from_env({**self.BASE, "NCP_API_URL": url})

        assert "hunter2" not in str(caught.value)

    @pytest.mark.parametrize(
        "name", ["SLACK_WEBHOOK_SECRET_ARN", "NCP_CREDENTIALS_SECRET_ARN"]
    )
    def test_a_url_pasted_where_an_arn_belongs_is_not_echoed(self, name):
        url = "https://hooks.slack.com/services/T0/B0/webhook-secret-token"

        with pytest.raises(ConfigError, match=f"^{name}=.*not shown") as caught:
            Settings.from_env({**self.BASE, name: url})

        assert "webhook-secret-token" not in str(caught.value)

    @pytest.mark.parametrize("key", ["AK\u00e9", "A K", "AK\tX"])
    def test_an_access_key_no_header_can_carry_is_refused(self, key):
        with pytest.raises(ConfigError, match="^NCP_ACCESS_KEY holds"):
            Settings.from_env({**self.BASE, "NCP_ACCESS_KEY": key})

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("EXPIRED_REMINDER_DAYS", "\u0663"),
            ("NCP_TIMEOUT_SECONDS", "1_0"),
            ("HEARTBEAT_DAYS", "7" * 5000),
            ("THRESHOLD_DAYS", "30," + "9" * 4400),
        ],
    )
    def test_digits_int_would_take_or_choke_on_are_refused(self, name, value):
        with pytest.raises(ConfigError, match=f"^{name}"):
            Settings.from_env({**self.BASE, name: value})

    def test_a_folder_of_the_zone_database_is_no_time_zone(self):
        with pytest.raises(ConfigError, match="^TIMEZONE='Asia' is not a known"):
            Settings.from_env({**self.BASE, "TIMEZONE": "Asia"})


@pytest.mark.parametrize("name", ["NCP_ZONE", "TIMEZONE", "LOG_LEVEL", "DRY_RUN"])
def test_an_api_key_pasted_into_the_wrong_variable_is_not_echoed(name):
    key = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"

    with pytest.raises(ConfigError, match=f"^{name}=.*not shown") as caught:
        Settings.from_env({"NCP_ACCESS_KEY": "AK", "NCP_SECRET_KEY": "SK", name: key})

    assert key not in str(caught.value)


def test_an_ses_address_in_error_is_described_not_shown():
    leaked = "ok@example.com;https://hooks.slack.com/services/T/B/tok3n"

    with pytest.raises(ConfigError, match="^SES_TO") as caught:
        Settings.from_env(
            {
                "NCP_ACCESS_KEY": "AK",
                "NCP_SECRET_KEY": "SK",
                "SES_FROM": "a@example.com",
                "SES_TO": leaked,
            }
        )

    assert "tok3n" not in str(caught.value)
