"""Shared fixtures: a safe AWS environment, sample events, the Lambda context."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

EVENTS = Path(__file__).resolve().parent.parent / "events"

#: boto3 must never find real credentials or probe the instance metadata
#: address while the tests run; moto answers every AWS call.
SAFE_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-northeast-2",
    "AWS_REGION": "ap-northeast-2",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.fixture(autouse=True)
def safe_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in SAFE_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(autouse=True)
def restore_notifier_logging() -> Iterator[None]:
    """Undo what logs.configure() does, so each test starts from the default."""
    logger = logging.getLogger("notifier")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:] = saved[0]
    logger.setLevel(saved[1])
    logger.propagate = saved[2]


@pytest.fixture
def load_event() -> Callable[[str], dict]:
    """Reads ``events/<name>.json``, the events an operator would send."""

    def load(name: str) -> dict:
        return json.loads((EVENTS / f"{name}.json").read_text())

    return load


@dataclass(frozen=True)
class LambdaContext:
    """The two attributes of Lambda's context object that the handler reads."""

    function_name: str = "ncp-cert-expiry-NotifierFunction-Test"
    aws_request_id: str = "9f1c2d3e-4b5a-6789-abcd-ef0123456789"


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()
