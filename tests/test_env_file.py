"""The command line's --env-file: KEY=VALUE lines, read strictly."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifier import env_file
from notifier.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "notifier.env"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_pairs_comments_export_and_quotes(tmp_path):
    path = write(
        tmp_path,
        "# NCP account\n"
        "\n"
        "NCP_ACCESS_KEY=AKIDEXAMPLE\n"
        "export NCP_SECRET_KEY='with spaces and # hash'\n"
        'TIMEZONE = "UTC"  # shown in UTC\n'
        "THRESHOLD_DAYS=30,7 # fewer warnings\n"
        "DRY_RUN=\n",
    )

    assert env_file.read(path) == {
        "NCP_ACCESS_KEY": "AKIDEXAMPLE",
        "NCP_SECRET_KEY": "with spaces and # hash",
        "TIMEZONE": "UTC",
        "THRESHOLD_DAYS": "30,7",
        "DRY_RUN": "",
    }


def test_a_value_keeps_a_hash_without_a_space_before_it(tmp_path):
    path = write(tmp_path, "SLACK_WEBHOOK_URL=https://chat.example.com/hooks/a#b\n")

    assert env_file.read(path)["SLACK_WEBHOOK_URL"].endswith("/hooks/a#b")


def test_a_misspelt_name_is_an_error_that_suggests_the_right_one(tmp_path):
    path = write(tmp_path, "NCP_ACESS_KEY=AKIDEXAMPLE\n")

    with pytest.raises(ConfigError, match=r"line 1: NCP_ACESS_KEY .*NCP_ACCESS_KEY"):
        env_file.read(path)


def test_a_line_without_equals_is_named_but_not_shown(tmp_path):
    path = write(tmp_path, "NCP_ZONE=public\nNCP_SECRET_KEY super-secret-value\n")

    with pytest.raises(ConfigError, match="line 2: not a KEY=VALUE line") as caught:
        env_file.read(path)
    assert "super-secret-value" not in str(caught.value)


def test_a_key_given_twice_is_an_error(tmp_path):
    path = write(tmp_path, "NCP_ZONE=public\nNCP_ZONE=gov\n")

    with pytest.raises(ConfigError, match="line 2: NCP_ZONE is set a second time"):
        env_file.read(path)


def test_a_missing_file_is_a_config_error_naming_it(tmp_path):
    with pytest.raises(ConfigError, match=r"--env-file .*missing\.env: cannot read"):
        env_file.read(tmp_path / "missing.env")


def test_a_byte_order_mark_is_ignored(tmp_path):
    path = tmp_path / "bom.env"
    path.write_bytes("\ufeffNCP_ZONE=gov\n".encode())

    assert env_file.read(path) == {"NCP_ZONE": "gov"}


@pytest.mark.parametrize("line", ['NCP_SECRET_KEY="s3cret-value', "NCP_ZONE='public"])
def test_a_quote_that_is_never_closed_is_an_error_that_hides_the_value(tmp_path, line):
    path = write(tmp_path, f"{line}\n")

    with pytest.raises(ConfigError, match="does not close") as caught:
        env_file.read(path)

    assert "s3cret-value" not in str(caught.value)
