"""The variables of the delivery state: STATE_TABLE, EXPIRED_REPEAT_HOURS,
HEARTBEAT_DAYS (the rest of the configuration is tested with config.py)."""

from __future__ import annotations

import pytest

from notifier.config import Settings
from notifier.errors import ConfigError

BASE = {"NCP_ACCESS_KEY": "access", "NCP_SECRET_KEY": "secret"}


def settings(**env: str) -> Settings:
    return Settings.from_env({**BASE, **env})


def test_defaults_run_without_a_table():
    plain = settings()

    assert plain.state_table is None
    assert (plain.expired_repeat_hours, plain.heartbeat_days) == (24, 7)


@pytest.mark.parametrize(
    "name",
    [
        "ncp-cert-expiry-state",
        "My_Table.v2",
        "arn:aws:dynamodb:ap-northeast-2:123456789012:table/ncp-state",
    ],
)
def test_a_table_is_given_by_name_or_arn(name):
    assert settings(STATE_TABLE=f"  {name} ").state_table == name


@pytest.mark.parametrize("name", ["ab", "has space", "x" * 256, "tab/le"])
def test_a_bad_table_name_is_refused_with_an_example(name):
    with pytest.raises(ConfigError) as refused:
        settings(STATE_TABLE=name)

    message = str(refused.value)
    assert message.startswith("STATE_TABLE=") and "e.g. STATE_TABLE=" in message
    assert "leave it empty" in message


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("EXPIRED_REPEAT_HOURS", "0", "from 1 to 8760"),
        ("EXPIRED_REPEAT_HOURS", "1.5", "a whole number"),
        ("HEARTBEAT_DAYS", "-1", "from 0 to 365"),
        ("HEARTBEAT_DAYS", "weekly", "e.g. HEARTBEAT_DAYS=7"),
    ],
)
def test_bad_numbers_are_refused_naming_the_variable(name, value, shown):
    with pytest.raises(ConfigError, match=name) as refused:
        settings(**{name: value})

    assert shown in str(refused.value)


def test_numbers_are_read():
    read = settings(EXPIRED_REPEAT_HOURS="12", HEARTBEAT_DAYS="0")

    assert (read.expired_repeat_hours, read.heartbeat_days) == (12, 0)
