"""Tests of the loopback Slack-compatible webhook receiver."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests

from notifier.testing import webhook_receiver
from notifier.testing._server import Reply
from notifier.testing.webhook_receiver import WebhookReceiver

TIMEOUT = 2.0


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server


def post(url: str, **kwargs: object) -> requests.Response:
    with requests.Session() as session:
        return session.post(url, timeout=TIMEOUT, **kwargs)  # type: ignore[arg-type]


def test_webhook_url_is_on_loopback_and_ends_with_the_path(
    receiver: WebhookReceiver,
) -> None:
    assert receiver.webhook_url.startswith("http://127.0.0.1:")
    assert receiver.webhook_url.endswith(WebhookReceiver.path)


def test_json_message_is_accepted_and_recorded(receiver: WebhookReceiver) -> None:
    response = post(receiver.webhook_url, json={"text": "expires soon"})

    assert response.status_code == 200
    assert response.text == "ok"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert receiver.messages == [{"text": "expires soon"}]


def test_other_path_is_no_service(receiver: WebhookReceiver) -> None:
    response = post(receiver.url + "/services/T0/B0/wrong", json={"text": "x"})

    assert response.status_code == 404
    assert response.text == "no_service"
    assert receiver.messages == []
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[1, 2]"])
def test_invalid_payload_is_refused(receiver: WebhookReceiver, body: bytes) -> None:
    response = post(receiver.webhook_url, data=body)

    assert response.status_code == 400
    assert response.text == "invalid_payload"
    assert receiver.messages == []


def test_get_on_the_webhook_is_not_allowed(receiver: WebhookReceiver) -> None:
    with requests.Session() as session:
        response = session.get(receiver.webhook_url, timeout=TIMEOUT)

    assert response.status_code == 405


@pytest.mark.parametrize(
    ("make", "status", "text"),
    [
        (webhook_receiver.rate_limited, 429, "rate_limited"),
        (webhook_receiver.gone, 410, "channel_is_archived"),
        (webhook_receiver.server_error, 500, "internal_error"),
        (webhook_receiver.ok_with_error_body, 200, "invalid_token"),
    ],
)
def test_fault_helpers(
    receiver: WebhookReceiver, make: Callable[[], Reply], status: int, text: str
) -> None:
    receiver.script(make())

    response = post(receiver.webhook_url, json={"text": "x"})

    assert response.status_code == status
    assert response.text == text
    assert receiver.messages == []


def test_rate_limited_carries_retry_after(receiver: WebhookReceiver) -> None:
    receiver.script(webhook_receiver.rate_limited("3"))

    response = post(receiver.webhook_url, json={"text": "x"})

    assert response.headers["Retry-After"] == "3"


def test_redirect_points_at_the_location(receiver: WebhookReceiver) -> None:
    target = receiver.url + "/elsewhere"
    receiver.script(webhook_receiver.redirect(target))

    response = post(receiver.webhook_url, json={"text": "x"}, allow_redirects=False)

    assert response.status_code == 302
    assert response.headers["Location"] == target


def test_scripted_replies_come_first_then_messages_are_accepted(
    receiver: WebhookReceiver,
) -> None:
    receiver.script(webhook_receiver.server_error(), webhook_receiver.gone())

    statuses = [post(receiver.webhook_url, json={"n": n}).status_code for n in range(3)]

    assert statuses == [500, 410, 200]
    assert receiver.messages == [{"n": 2}]
    assert [r.method for r in receiver.requests] == ["POST"] * 3
