"""AWS set-ups for tests on moto: the state table, an SNS inbox, faulty clients.

Use these inside ``moto.mock_aws()``; nothing here reaches AWS.
"""

from __future__ import annotations

import json
import threading
from typing import Any

#: The table's shape, as template.yaml declares it (a test keeps them equal).
STATE_KEY = "pk"
STATE_TTL = "expiresAt"


def create_state_table(dynamodb: Any, name: str = "ncp-cert-expiry-state") -> str:
    """Create the delivery state table as the template does; return its name."""
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": STATE_KEY, "AttributeType": "S"}],
        KeySchema=[{"AttributeName": STATE_KEY, "KeyType": "HASH"}],
    )
    dynamodb.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"AttributeName": STATE_TTL, "Enabled": True},
    )
    return name


def table_items(dynamodb: Any, name: str) -> list[dict]:
    """Every item of a table, sorted by key, to compare before and after."""
    items: list[dict] = []
    arguments: dict[str, Any] = {"TableName": name, "ConsistentRead": True}
    while True:
        page = dynamodb.scan(**arguments)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda item: item[STATE_KEY]["S"])
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class SnsInbox:
    """An SNS topic with an SQS queue subscribed, so tests read what was sent."""

    def __init__(self, sns: Any, sqs: Any, name: str = "ncp-cert-expiry-test"):
        self._sqs = sqs
        self.topic_arn = sns.create_topic(Name=name)["TopicArn"]
        self._queue = sqs.create_queue(QueueName=f"{name}-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(
            QueueUrl=self._queue, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=queue_arn)

    def take(self) -> list[dict]:
        """The envelopes published since the last call (``Subject``, ``Message``)."""
        envelopes = []
        while True:
            answer = self._sqs.receive_message(
                QueueUrl=self._queue, MaxNumberOfMessages=10
            )
            messages = answer.get("Messages", [])
            if not messages:
                return envelopes
            for message in messages:
                envelopes.append(json.loads(message["Body"]))
                self._sqs.delete_message(
                    QueueUrl=self._queue, ReceiptHandle=message["ReceiptHandle"]
                )


class Serialised:
    """A boto3 client whose calls run one at a time.

    DynamoDB applies each conditional write atomically; moto checks and
    writes without a lock, so threads racing through it could both win.
    Serialising the calls restores the service's guarantee, nothing more.
    """

    def __init__(self, client: Any):
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if not callable(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return method(*args, **kwargs)

        return call


class Faulty:
    """A boto3 client that answers chosen operations with a service error.

    ``failures`` maps an operation's Python name (``update_item``) to the
    error code to raise, e.g. ``ProvisionedThroughputExceededException``;
    every other call goes through to the wrapped client.
    """

    def __init__(self, client: Any, failures: dict[str, str]):
        self._client = client
        self.failures = dict(failures)
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if not callable(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            code = self.failures.get(name)
            if code is not None:
                from botocore.exceptions import ClientError

                raise ClientError(
                    {"Error": {"Code": code, "Message": f"simulated {code}"}},
                    _operation(name),
                )
            return method(*args, **kwargs)

        return call


def _operation(python_name: str) -> str:
    return "".join(part.capitalize() for part in python_name.split("_"))
