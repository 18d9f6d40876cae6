"""Shared test set-up: AWS can only ever be moto, and events come from events/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

EVENTS = Path(__file__).resolve().parent.parent / "events"


@pytest.fixture(autouse=True)
def no_real_aws(monkeypatch):
    """Dummy credentials and no metadata probe: boto3 must never reach AWS."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "ap-northeast-2",
        "AWS_REGION": "ap-northeast-2",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def load_event():
    """Loads one sample event from events/, by file name without .json."""

    def load(name: str) -> dict:
        return json.loads((EVENTS / f"{name}.json").read_text())

    return load
