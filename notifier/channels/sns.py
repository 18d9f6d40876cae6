"""Publishing the plain-text digest to an SNS topic (e-mail subscribers)."""

from __future__ import annotations

from typing import Any

from ..digest import Digest
from ..errors import ChannelError


class SnsChannel:
    """Publishes to one topic; SNS mails it to each confirmed subscriber."""

    name = "sns"

    def __init__(self, client: Any, topic_arn: str):
        self._client = client
        self._topic_arn = topic_arn

    def send(self, digest: Digest) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._client.publish(
                TopicArn=self._topic_arn, Subject=digest.subject, Message=digest.text
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise ChannelError(
                f"SNS refused to publish to {self._topic_arn}: "
                f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
            ) from exc
        except BotoCoreError as exc:
            raise ChannelError(
                f"SNS could not be reached to publish to {self._topic_arn}: "
                f"{type(exc).__name__}"
            ) from exc
        return str(answer.get("MessageId", ""))
