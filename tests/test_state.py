"""The state table on moto: notices move forward only, claims go to one run."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from notifier.certificate import Certificate
from notifier.errors import StateError
from notifier.notices import EXPIRED, EXPIRING, UNKNOWN, Notice, Stage
from notifier.policy import judge
from notifier.state import CLAIM_LEASE, StateTable
from notifier.testing.aws import Faulty, create_state_table, table_items

NOW = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)
THRESHOLDS = (30, 14, 7, 3, 1)


class Clock:
    """A settable instant, so leases can run out without waiting."""

    def __init__(self, now: datetime = NOW):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def verdict(not_after: str | None = "2027-03-06T06:00:00Z", number: int = 1234):
    item = {"certificateNo": number, "statusCode": "1", "notAfter": not_after}
    return judge(Certificate.from_ncp(item), NOW, THRESHOLDS)


@pytest.fixture
def dynamodb() -> Iterator[object]:
    with mock_aws():
        client = boto3.client("dynamodb")
        create_state_table(client, "state")
        yield client


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def table(dynamodb, clock) -> StateTable:
    return StateTable(dynamodb, "state", clock)


def item(dynamodb, pk: str) -> dict:
    return dynamodb.get_item(TableName="state", Key={"pk": {"S": pk}})["Item"]


class TestNotices:
    def test_an_empty_table_remembers_nothing(self, table):
        memory = table.read(["sns", "slack"], ["1234/x"])

        assert memory.notices == {} and memory.last_sent == {}

    def test_a_recorded_notice_is_read_back_per_channel(self, table):
        table.remember("sns", "1234/x", Stage(EXPIRING, threshold=7), verdict(), 7)

        memory = table.read(["sns", "slack"], ["1234/x"])

        assert memory.notice("sns", "1234/x") == Notice(
            threshold=7, sent_at=NOW, state="expiring", days_left=5
        )
        assert memory.notice("slack", "1234/x") is None

    def test_a_notice_never_moves_back(self, table):
        table.remember("sns", "k", Stage(EXPIRING, threshold=7), verdict(), 7)
        table.remember("sns", "k", Stage(EXPIRING, threshold=14), verdict(), 7)
        table.remember("sns", "k", Stage(EXPIRED, threshold=1, slot=2), verdict(), 7)
        table.remember("sns", "k", Stage(EXPIRED, threshold=1, slot=1), verdict(), 7)
        table.remember("sns", "k", Stage(EXPIRING, threshold=3), verdict(), 7)

        notice = table.read(["sns"], ["k"]).notice("sns", "k")

        assert (notice.threshold, notice.expired_slot) == (1, 2)

    def test_an_unknown_expiry_is_recorded_once(self, table):
        table.remember("sns", "k", Stage(UNKNOWN), verdict("not-a-date"), 7)
        first = table.read(["sns"], ["k"]).notice("sns", "k")

        table.remember("sns", "k", Stage(UNKNOWN), verdict("not-a-date"), 7)

        assert first.unknown and table.read(["sns"], ["k"]).notice("sns", "k") == first

    def test_notices_expire_after_the_certificate_stops_mattering(
        self, table, dynamodb
    ):
        table.remember("sns", "k", Stage(EXPIRING, threshold=7), verdict(), 7)
        table.remember("sns", "u", Stage(UNKNOWN), verdict(None), 7)

        expiry = datetime(2027, 3, 6, 6, 0, tzinfo=UTC) + timedelta(days=7 + 30)
        assert item(dynamodb, "notice#sns#k")["expiresAt"] == {
            "N": str(int(expiry.timestamp()))
        }
        unknown_until = int((NOW + timedelta(days=400)).timestamp())
        assert item(dynamodb, "notice#sns#u")["expiresAt"] == {"N": str(unknown_until)}

    def test_reads_more_keys_than_one_batch_holds(self, table):
        keys = [f"{n}/x" for n in range(250)]
        for key in keys[::50]:
            table.remember("slack", key, Stage(EXPIRING, threshold=30), verdict(), 7)

        memory = table.read(["sns", "slack"], keys)

        assert sorted(memory.notices) == [("slack", key) for key in sorted(keys[::50])]

    def test_remembers_when_each_channel_last_heard_anything(self, table, clock):
        table.mark_sent("sns", "digest")
        clock.now = NOW + timedelta(days=1)
        table.mark_sent("sns", "heartbeat")
        clock.now = NOW
        table.mark_sent("sns", "digest")

        memory = table.read(["sns", "slack"], [])

        assert memory.last_sent == {"sns": NOW + timedelta(days=1)}


class TestClaims:
    def test_one_run_gets_a_claim_and_the_next_does_not(self, table):
        first = table.claim("sns", "digest-abc")
        second = table.claim("sns", "digest-abc")

        assert first is not None and second is None
        assert table.claim("slack", "digest-abc") is not None

    def test_a_sent_message_is_never_claimed_again(self, table, clock):
        claim = table.claim("sns", "digest-abc")
        table.complete(claim)
        clock.now = NOW + timedelta(days=3)

        assert table.claim("sns", "digest-abc") is None

    def test_a_released_claim_can_be_taken_at_once(self, table):
        table.release(table.claim("sns", "digest-abc"))

        assert table.claim("sns", "digest-abc") is not None

    def test_a_crashed_claim_frees_itself_when_its_lease_runs_out(
        self, table, clock, caplog
    ):
        stale = table.claim("sns", "digest-abc")
        clock.now = NOW + CLAIM_LEASE - timedelta(seconds=1)
        assert table.claim("sns", "digest-abc") is None

        clock.now = NOW + CLAIM_LEASE + timedelta(seconds=1)
        fresh = table.claim("sns", "digest-abc")
        with caplog.at_level(logging.WARNING, logger="notifier.state"):
            table.complete(stale)

        assert fresh is not None and "outlived its lease" in caplog.text
        table.complete(fresh)
        assert table.claim("sns", "digest-abc") is None

    def test_a_claim_records_its_scheduled_time_and_expires(self, table, dynamodb):
        table.claim("sns", "digest-abc", scheduled=NOW)

        stored = item(dynamodb, "claim#sns#digest-abc")
        assert stored["scheduledTime"] == {"S": "2027-03-01T00:00:00+00:00"}
        assert stored["expiresAt"] == {
            "N": str(int((NOW + timedelta(days=7)).timestamp()))
        }


class TestFailures:
    def test_a_missing_table_says_so_and_how_to_fix_it(self, dynamodb, clock):
        missing = StateTable(dynamodb, "gone", clock)

        with pytest.raises(StateError) as failed:
            missing.read(["sns"], ["k"])

        assert str(failed.value).startswith("the state table gone does not exist")
        assert "STATE_TABLE" in str(failed.value)

    @pytest.mark.parametrize(
        ("code", "says"),
        [
            ("AccessDeniedException", "allow dynamodb:BatchGetItem"),
            ("ProvisionedThroughputExceededException", "is throttled"),
            ("ThrottlingException", "is throttled"),
            (
                "InternalServerError",
                r"refused to claim a delivery \(InternalServerError",
            ),
        ],
    )
    def test_each_service_error_is_named(self, dynamodb, clock, code, says):
        faulty = Faulty(dynamodb, {"update_item": code})
        table = StateTable(faulty, "state", clock)

        with pytest.raises(StateError, match=says):
            table.claim("sns", "digest-abc")

    def test_keys_left_unprocessed_are_retried_then_reported(self, dynamodb, clock):
        pauses: list[float] = []
        table = StateTable(_Unprocessed(dynamodb), "state", clock, sleep=pauses.append)

        with pytest.raises(StateError, match="throttled: some records could not"):
            table.read(["sns"], ["k"])

        assert pauses == [0.05, 0.1, 0.2, 0.4, 0.8]

    def test_an_unreachable_endpoint_is_named_without_a_crash(self, clock):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        client = boto3.client(
            "dynamodb",
            endpoint_url=f"http://127.0.0.1:{port}",
            config=Config(retries={"max_attempts": 1}, connect_timeout=1),
        )

        with pytest.raises(StateError, match="could not be reached to read"):
            StateTable(client, "state", clock).read(["sns"], ["k"])

    def test_nothing_is_written_by_reading(self, table, dynamodb):
        table.read(["sns", "slack"], ["a", "b"])

        assert table_items(dynamodb, "state") == []


class _Unprocessed:
    """A DynamoDB client that is always too busy to read any key."""

    def __init__(self, client):
        self._client = client

    def batch_get_item(self, RequestItems):  # noqa: N803 - boto3's name
        return {"Responses": {}, "UnprocessedKeys": RequestItems}
