"""Delivery state in DynamoDB: what each channel was told, and who is sending.

One table, keyed by the string ``pk``, holds three kinds of item:

    notice#<channel>#<certificate key>  what the channel was last told about
                                        one certificate's current expiry
    claim#<channel>#<message key>       a run's claim to send one message to
                                        one channel, with a lease
    channel#<channel>                   when the channel last accepted anything

Every item carries ``expiresAt`` (epoch seconds), the table's TTL attribute,
so records of certificates long gone clean themselves up. Writes are
conditional: a notice only ever moves forward, and a claim goes to one run.
Every failure becomes :class:`~notifier.errors.StateError`, naming the table.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .errors import StateError
from .notices import EXPIRED, EXPIRING, Notice, Stage
from .policy import Verdict

log = logging.getLogger(__name__)

#: How long a claim keeps other runs off a channel. A run that crashed
#: mid-send frees its claim after this; it is the longest a Lambda can run.
CLAIM_LEASE = timedelta(minutes=15)
#: Claims only fence runs that overlap; a week is ample.
CLAIM_RETENTION = timedelta(days=7)
#: A notice outlives its certificate's expiry by the reminder window and this.
NOTICE_MARGIN = timedelta(days=30)
#: An unreadable expiry is told once; its notice is kept this long.
UNKNOWN_RETENTION = timedelta(days=400)
#: The heartbeat looks back at most a year (HEARTBEAT_DAYS ≤ 365).
CHANNEL_RETENTION = timedelta(days=400)

#: BatchGetItem reads at most 100 keys a call; unprocessed ones are retried.
_BATCH = 100
_BATCH_TRIES = 5

_CLAIMED, _SENT, _RELEASED = "claimed", "sent", "released"
_THROTTLED = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
}


@dataclass(frozen=True)
class Claim:
    """A run's hold on sending one message to one channel."""

    pk: str
    token: str


@dataclass
class Memory:
    """What the table said at the start of a run."""

    notices: dict[tuple[str, str], Notice] = field(default_factory=dict)
    last_sent: dict[str, datetime] = field(default_factory=dict)

    def notice(self, channel: str, key: str) -> Notice | None:
        return self.notices.get((channel, key))


class StateTable:
    """Reads and writes one table through a boto3 DynamoDB client.

    ``clock`` gives the current instant; runs pass one that follows their own
    ``now``, so a simulated run leases and stamps in simulated time.
    """

    def __init__(
        self,
        client: Any,
        table_name: str,
        clock: Callable[[], datetime],
        *,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._client = client
        self.name = table_name
        self._clock = clock
        self._sleep = sleep

    def read(self, channels: Sequence[str], keys: Iterable[str]) -> Memory:
        """The notices of ``keys`` on each channel, and when each last heard."""
        wanted = [_notice_pk(channel, key) for channel in channels for key in keys]
        wanted += [_channel_pk(channel) for channel in channels]
        memory = Memory()
        for item in self._get_all(list(dict.fromkeys(wanted))):
            pk = _s(item, "pk")
            if pk.startswith("notice#"):
                memory.notices[(_s(item, "channel"), _s(item, "key"))] = _notice(item)
            elif pk.startswith("channel#") and (sent := _time(item, "lastSentAt")):
                memory.last_sent[_s(item, "channel")] = sent
        return memory

    def claim(
        self, channel: str, message_key: str, scheduled: datetime | None = None
    ) -> Claim | None:
        """Claim ``message_key`` on ``channel``; None when another run has it.

        Another run has it when it sent that message already, or holds a
        lease that has not run out.
        """
        now = self._clock()
        claim = Claim(f"claim#{channel}#{message_key}", uuid.uuid4().hex)
        taken = self._update(
            claim.pk,
            {
                "status": _str(_CLAIMED),
                "leaseUntil": _num(_epoch(now + CLAIM_LEASE)),
                "claimedBy": _str(claim.token),
                "channel": _str(channel),
                "scheduledTime": _str(scheduled.isoformat() if scheduled else "-"),
                "expiresAt": _num(_epoch(now + CLAIM_RETENTION)),
            },
            condition="attribute_not_exists(#pk) OR #status = :released "
            "OR (#status = :status AND #leaseUntil < :now)",
            condition_values={
                ":released": _str(_RELEASED),
                ":now": _num(_epoch(now)),
            },
            doing="claim a delivery",
        )
        return claim if taken else None

    def release(self, claim: Claim) -> None:
        """Give a claim back after the channel refused: the next run may retry."""
        self._update(
            claim.pk,
            {"status": _str(_RELEASED)},
            condition="#claimedBy = :token",
            condition_values={":token": _str(claim.token)},
            doing="release a claim",
        )

    def complete(self, claim: Claim) -> None:
        """Mark a claimed message as sent, so no overlapping run sends it too."""
        kept = self._update(
            claim.pk,
            {"status": _str(_SENT), "sentAt": _str(self._clock().isoformat())},
            condition="#claimedBy = :token",
            condition_values={":token": _str(claim.token)},
            doing="complete a claim",
        )
        if not kept:
            log.warning("a claim on %s outlived its lease before it was sent", claim.pk)

    def remember(
        self,
        channel: str,
        key: str,
        stage: Stage,
        verdict: Verdict,
        expired_reminder_days: int,
    ) -> None:
        """Record that ``channel`` accepted a message telling ``stage``.

        The condition moves a notice forward only: a slower run that told an
        older stage never overwrites a newer one.
        """
        now = self._clock()
        certificate = verdict.certificate
        fields = {
            "channel": _str(channel),
            "key": _str(key),
            "certificateNo": _str(certificate.number or "-"),
            "notAfterRaw": _str((certificate.not_after_raw or "-")[:200]),
            "sentAt": _str(now.isoformat()),
            "lastState": _str(verdict.state.value),
            "expiresAt": _num(
                _epoch(_notice_expiry(verdict, now, expired_reminder_days))
            ),
        }
        if verdict.days_left is not None:
            fields["daysLeft"] = _num(verdict.days_left)
        if stage.kind == EXPIRING:
            fields["threshold"] = _num(stage.threshold)
            condition = (
                "attribute_not_exists(#expiredSlot) AND "
                "(attribute_not_exists(#threshold) OR #threshold > :threshold)"
            )
        elif stage.kind == EXPIRED:
            fields["threshold"] = _num(stage.threshold)
            fields["expiredSlot"] = _num(stage.slot)
            condition = (
                "attribute_not_exists(#expiredSlot) OR #expiredSlot < :expiredSlot"
            )
        else:
            fields["unknown"] = {"BOOL": True}
            condition = "attribute_not_exists(#unknown)"
        self._update(
            _notice_pk(channel, key),
            fields,
            condition=condition,
            doing="record a notice",
        )

    def mark_sent(self, channel: str, message: str) -> None:
        """Record when ``channel`` last accepted a message (for the heartbeat)."""
        now = self._clock()
        self._update(
            _channel_pk(channel),
            {
                "channel": _str(channel),
                "lastSentAt": _str(now.isoformat()),
                "lastEpoch": _num(_epoch(now)),
                "lastMessage": _str(message),
                "expiresAt": _num(_epoch(now + CHANNEL_RETENTION)),
            },
            condition="attribute_not_exists(#lastEpoch) OR #lastEpoch < :lastEpoch",
            doing="record a delivery time",
        )

    def _get_all(self, pks: list[str]) -> list[dict]:
        items: list[dict] = []
        for start in range(0, len(pks), _BATCH):
            request = {
                self.name: {
                    "Keys": [{"pk": _str(pk)} for pk in pks[start : start + _BATCH]],
                    "ConsistentRead": True,
                }
            }
            for attempt in range(_BATCH_TRIES):
                answer = self._call(
                    "read", self._client.batch_get_item, RequestItems=request
                )
                items.extend(answer.get("Responses", {}).get(self.name, []))
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                self._sleep(0.05 * 2**attempt)
            if request:
                raise StateError(
                    f"the state table {self.name} is throttled: some records could "
                    f"not be read after {_BATCH_TRIES} tries"
                )
        return items

    def _update(
        self,
        pk: str,
        fields: dict[str, dict],
        *,
        condition: str,
        doing: str,
        condition_values: dict[str, dict] | None = None,
    ) -> bool:
        """SET ``fields`` if ``condition`` holds; False when it did not.

        Every attribute goes through a ``#name`` placeholder (``key``,
        ``status`` and ``unknown`` are reserved words in DynamoDB), and
        ``:name`` is the new value of field ``name``.
        """
        names = {f"#{name}": name for name in fields}
        names.update({ref: ref[1:] for ref in re.findall(r"#\w+", condition)})
        values = {f":{name}": value for name, value in fields.items()}
        values.update(condition_values or {})
        try:
            self._call(
                doing,
                self._client.update_item,
                TableName=self.name,
                Key={"pk": _str(pk)},
                UpdateExpression="SET "
                + ", ".join(f"#{name} = :{name}" for name in fields),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except _ConditionFailed:
            return False
        return True

    def _call(self, doing: str, method: Callable[..., dict], **arguments: Any) -> dict:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return method(**arguments)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "error"))
            if code == "ConditionalCheckFailedException":
                raise _ConditionFailed from exc
            raise StateError(
                _explain(self.name, doing, code, str(error.get("Message", "")))
            ) from exc
        except BotoCoreError as exc:
            raise StateError(
                f"the state table {self.name} could not be reached to {doing} "
                f"({type(exc).__name__})"
            ) from exc


class _ConditionFailed(Exception):
    """A conditional write found the item already further along."""


def _explain(table: str, doing: str, code: str, message: str) -> str:
    if code == "ResourceNotFoundException":
        return (
            f"the state table {table} does not exist (could not {doing}): create "
            "it with the stack, set STATE_TABLE to an existing table, or leave "
            "STATE_TABLE empty to run without delivery state"
        )
    if code in ("AccessDeniedException", "UnrecognizedClientException"):
        return (
            f"the function may not use the state table {table} (could not "
            f"{doing}: {code}); allow dynamodb:BatchGetItem and "
            "dynamodb:UpdateItem on it"
        )
    if code in _THROTTLED:
        return f"the state table {table} is throttled (could not {doing}: {code})"
    detail = f"{code}: {message}".rstrip(": ")
    return f"the state table {table} refused to {doing} ({detail})"


def _notice_expiry(verdict: Verdict, now: datetime, reminder_days: int) -> datetime:
    not_after = verdict.certificate.not_after
    if not_after is None:
        return now + UNKNOWN_RETENTION
    return max(now, not_after + timedelta(days=reminder_days)) + NOTICE_MARGIN


def _notice(item: dict) -> Notice:
    return Notice(
        threshold=_int(item, "threshold"),
        expired_slot=_int(item, "expiredSlot"),
        unknown=bool(item.get("unknown", {}).get("BOOL", False)),
        sent_at=_time(item, "sentAt"),
        state=_s(item, "lastState") or None,
        days_left=_int(item, "daysLeft"),
    )


def _notice_pk(channel: str, key: str) -> str:
    return f"notice#{channel}#{key}"


def _channel_pk(channel: str) -> str:
    return f"channel#{channel}"


def _str(value: str) -> dict:
    return {"S": value}


def _num(value: int) -> dict:
    return {"N": str(value)}


def _s(item: dict, name: str) -> str:
    return str(item.get(name, {}).get("S", ""))


def _int(item: dict, name: str) -> int | None:
    value = item.get(name, {}).get("N")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _time(item: dict, name: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(_s(item, name))
    except ValueError:
        return None
    return value if value.tzinfo else None


def _epoch(instant: datetime) -> int:
    return int(instant.timestamp())
