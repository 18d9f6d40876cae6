"""Shared fixtures: safe AWS settings, the loopback stand-ins, moto, events.

Every network peer a test talks to is set up here on 127.0.0.1 (the NCP
stand-in, the webhook receiver) or is moto in-process; nothing reaches a
real NCP, AWS or Slack address.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from moto import mock_aws

from notifier.testing.ncp_server import NcpStandIn
from notifier.testing.samples import demo_certificates
from notifier.testing.webhook_receiver import WebhookReceiver

# Set before any test imports boto3: dummy credentials and a fixed region, so
# that boto3 never looks for real ones or probes the instance metadata address.
_SAFE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-northeast-2",
    "AWS_REGION": "ap-northeast-2",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
_UNSAFE_AWS = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SNS")
os.environ.update(_SAFE_AWS)
for _name in _UNSAFE_AWS:
    os.environ.pop(_name, None)

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"

#: The instant most tests judge at: 2027-01-15 12:00 in Seoul.
NOW = datetime(2027, 1, 15, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True, scope="session")
def safe_aws_environment() -> None:
    """Fail loudly should anything have put real AWS settings back."""
    for name, value in _SAFE_AWS.items():
        assert os.environ.get(name) == value, name
    for name in _UNSAFE_AWS:
        assert name not in os.environ, name


@pytest.fixture
def load_event() -> Callable[[str], dict]:
    """The one way tests read a sample event from ``events/``."""

    def load(name: str) -> dict:
        filename = name if name.endswith(".json") else f"{name}.json"
        return json.loads((EVENTS / filename).read_text(encoding="utf-8"))

    return load


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A session that ignores proxy settings: every peer is on loopback."""
    with requests.Session() as session:
        session.trust_env = False
        yield session


@pytest.fixture
def ncp() -> Iterator[NcpStandIn]:
    """The NCP stand-in serving the fourteen demo certificates as of NOW."""
    with NcpStandIn(demo_certificates(NOW)) as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server


@pytest.fixture
def ncp_env(ncp: NcpStandIn) -> dict[str, str]:
    """The variables that point a run at the stand-in with its key."""
    return {
        **ncp.environment,
        "NCP_TIMEOUT_SECONDS": "10",
    }


@dataclass
class Inbox:
    """An SNS topic in moto with an SQS queue subscribed, to read back."""

    sns: Any
    sqs: Any
    topic_arn: str
    queue_url: str

    def messages(self) -> list[dict]:
        """Every notification published so far, as SNS envelopes."""
        found: list[dict] = []
        while True:
            answer = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10
            )
            batch = answer.get("Messages", [])
            if not batch:
                return found
            found.extend(json.loads(message["Body"]) for message in batch)


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def inbox(aws: None) -> Inbox:
    import boto3

    sns = boto3.client("sns")
    sqs = boto3.client("sqs")
    topic_arn = sns.create_topic(Name="cert-expiry")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="mailbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return Inbox(sns, sqs, topic_arn, queue_url)


@pytest.fixture(autouse=True)
def restore_notifier_logging() -> Iterator[None]:
    """Undo what logs.configure() does, so each test starts from the default."""
    logger = logging.getLogger("notifier")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:] = saved[0]
    logger.setLevel(saved[1])
    logger.propagate = saved[2]


@dataclass(frozen=True)
class LambdaContext:
    """The two attributes of Lambda's context object that the handler reads."""

    function_name: str = "ncp-cert-expiry-NotifierFunction-Test"
    aws_request_id: str = "9f1c2d3e-4b5a-6789-abcd-ef0123456789"


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()
