"""Whether an SNS topic will deliver to anyone: its subscriptions, checked.

SNS accepts a publish to a topic nobody has confirmed and reports success,
so a digest can vanish without an error. SNS lists a subscription that
waits for its confirmation mail with ``SubscriptionArn`` set to
``PendingConfirmation`` instead of an ARN; only subscriptions with an ARN
receive messages.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from ..text import clean

log = logging.getLogger(__name__)

PENDING = "PendingConfirmation"
#: Subscriptions read at most (10 pages of 100): enough for any alert topic.
MAX_SUBSCRIPTIONS = 1000


def warnings(client: Any, topic_arn: str) -> list[str]:
    """What an operator should know about ``topic_arn``'s subscriptions.

    A topic that cannot be checked gets a warning too, never an error: the
    check must not stop the run it advises on.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        pages = client.get_paginator("list_subscriptions_by_topic").paginate(
            TopicArn=topic_arn, PaginationConfig={"MaxItems": MAX_SUBSCRIPTIONS}
        )
        subscriptions = [item for page in pages for item in page["Subscriptions"]]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        if code == "NotFound":
            hint = "the topic does not exist: check SNS_TOPIC_ARN"
        elif code in ("AuthorizationError", "AccessDenied", "AccessDeniedException"):
            hint = (
                "allow sns:ListSubscriptionsByTopic to see whether anyone "
                "receives the digest"
            )
        else:
            hint = "nobody can tell whether anyone receives the digest"
        return [
            f"could not check the subscriptions of SNS topic {topic_arn} ({code}): "
            f"{hint}"
        ]
    except BotoCoreError as exc:
        return [
            f"could not check the subscriptions of SNS topic {topic_arn} "
            f"({type(exc).__name__})"
        ]
    log.debug("SNS topic %s has %d subscriptions", topic_arn, len(subscriptions))
    return judge(topic_arn, subscriptions)


def judge(topic_arn: str, subscriptions: Iterable[dict]) -> list[str]:
    """Warnings for a topic's listing, as ``ListSubscriptionsByTopic`` gives it."""
    subscriptions = list(subscriptions)
    confirmed = [s for s in subscriptions if _is_confirmed(s)]
    pending = [s for s in subscriptions if s.get("SubscriptionArn") == PENDING]
    confirm = "open the confirmation mail from AWS Notifications and follow its link"

    if not subscriptions:
        return [
            f"SNS topic {topic_arn} has no subscription, so the digest reaches "
            "nobody: subscribe an address (the AlertEmail parameter) and "
            "confirm the mail AWS sends"
        ]
    if not confirmed and pending:
        return [
            f"SNS topic {topic_arn} has no confirmed subscription, so the digest "
            f"reaches nobody: {len(pending)} still pending confirmation "
            f"({_endpoints(pending)}); {confirm}"
        ]
    if not confirmed:
        return [
            f"SNS topic {topic_arn} has no confirmed subscription, so the digest "
            "reaches nobody: subscribe an address and confirm the mail AWS sends"
        ]
    if pending:
        return [
            f"SNS topic {topic_arn} has {len(pending)} subscription(s) still "
            f"pending confirmation ({_endpoints(pending)}), which receive "
            f"nothing until confirmed; {confirm}"
        ]
    return []


def _is_confirmed(subscription: dict) -> bool:
    return str(subscription.get("SubscriptionArn", "")).startswith("arn:")


def _endpoints(subscriptions: list[dict]) -> str:
    """E-mail addresses, so the operator knows whose inbox to check; for
    other protocols only the protocol (an HTTP endpoint may hold a token)."""
    shown = []
    for subscription in subscriptions[:5]:
        protocol = clean(subscription.get("Protocol"), 20) or "unknown protocol"
        if protocol in ("email", "email-json"):
            shown.append(clean(subscription.get("Endpoint"), 100))
        else:
            shown.append(protocol)
    if len(subscriptions) > 5:
        shown.append(f"and {len(subscriptions) - 5} more")
    return ", ".join(shown)
