"""SES_FROM and SES_TO: both or neither, every address checked."""

from __future__ import annotations

import pytest

from notifier.config import SES_MAX_RECIPIENTS, Settings
from notifier.errors import ConfigError

NCP_KEY = {"NCP_ACCESS_KEY": "access", "NCP_SECRET_KEY": "secret"}


def settings(**env: str) -> Settings:
    return Settings.from_env({**NCP_KEY, **env})


def test_sender_and_recipients_are_read():
    read = settings(
        SES_FROM="cert-alerts@example.com",
        SES_TO=" ops@example.com , oncall+certs@example.co.kr",
    )

    assert read.ses_from == "cert-alerts@example.com"
    assert read.ses_to == ("ops@example.com", "oncall+certs@example.co.kr")
    assert read.has_channel


def test_without_either_there_is_no_mail_channel():
    read = settings()

    assert read.ses_from is None
    assert read.ses_to == ()
    assert not read.has_channel


def test_a_recipient_named_twice_gets_one_copy_and_stray_commas_name_nobody():
    read = settings(
        SES_FROM="a@example.com", SES_TO="ops@example.com,,OPS@example.com,"
    )

    assert read.ses_to == ("ops@example.com",)


def test_a_sender_without_recipients_says_to_give_ses_to():
    with pytest.raises(ConfigError) as error:
        settings(SES_FROM="cert-alerts@example.com")

    assert str(error.value).startswith("SES_FROM is set but SES_TO is not")
    assert "SES_TO=ops@example.com" in str(error.value)


def test_recipients_without_a_sender_say_to_give_ses_from():
    with pytest.raises(ConfigError) as error:
        settings(SES_TO="ops@example.com")

    assert str(error.value).startswith("SES_TO is set but SES_FROM is not")
    assert "SES_FROM=cert-alerts@example.com" in str(error.value)


@pytest.mark.parametrize(
    ("variable", "value", "why"),
    [
        ("SES_FROM", "Certificates <a@example.com>", "without a display name"),
        ("SES_FROM", "a@localhost", "not an e-mail address"),
        ("SES_FROM", "a.example.com", "not an e-mail address"),
        ("SES_FROM", "a@@example.com", "not an e-mail address"),
        ("SES_FROM", ".a@example.com", "not an e-mail address"),
        ("SES_FROM", "a@-example.com", "not an e-mail address"),
        ("SES_FROM", "a@example.com,b@example.com", "not an e-mail address"),
        ("SES_FROM", "인증서@example.com", "Punycode"),
        ("SES_FROM", "a@예시.kr", "Punycode"),
        ("SES_FROM", "x" * 65 + "@example.com", "not an e-mail address"),
        ("SES_TO", "ops@example.com; dev@example.com", "separate addresses with"),
        ("SES_TO", "ops@example.com dev@example.com", "separate addresses with"),
        ("SES_TO", "ops", "not an e-mail address"),
    ],
)
def test_each_malformed_address_is_named_with_why_and_an_example(variable, value, why):
    env = {"SES_FROM": "a@example.com", "SES_TO": "ops@example.com", variable: value}

    with pytest.raises(ConfigError) as error:
        settings(**env)

    message = str(error.value)
    assert message.startswith(f"{variable}: ")
    assert why in message
    assert f"(e.g. {variable}=" in message


def test_recipients_that_name_no_address_are_refused():
    with pytest.raises(ConfigError, match=r"^SES_TO=',' names no address"):
        settings(SES_FROM="a@example.com", SES_TO=" , ")


def test_more_recipients_than_ses_takes_in_one_message_are_refused():
    many = ",".join(f"ops{n}@example.com" for n in range(SES_MAX_RECIPIENTS + 1))

    with pytest.raises(ConfigError, match="SES_TO names 51 addresses"):
        settings(SES_FROM="a@example.com", SES_TO=many)


def test_as_many_recipients_as_ses_takes_are_accepted():
    many = ",".join(f"ops{n}@example.com" for n in range(SES_MAX_RECIPIENTS))

    assert len(settings(SES_FROM="a@example.com", SES_TO=many).ses_to) == 50
