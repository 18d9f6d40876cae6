"""A loopback receiver that answers like a Slack incoming webhook.

Slack answers in plain text: `ok` on success, a short error token otherwise.
The receiver keeps every accepted message so tests can read what was sent.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from notifier.testing._server import LoopbackServer, Recorded, Reply


def rate_limited(retry_after: str | None = "1") -> Reply:
    """429 with Retry-After when given, as Slack throttles a busy webhook."""
    headers = {} if retry_after is None else {"Retry-After": retry_after}

    return Reply(status=429, body="rate_limited", headers=headers)


def gone() -> Reply:
    """410: the webhook's channel was archived."""
    return Reply(status=410, body="channel_is_archived")


def server_error() -> Reply:
    """500 from the receiving service."""
    return Reply(status=500, body="internal_error")


def ok_with_error_body() -> Reply:
    """200 whose body is an error token, as some Slack-compatible servers send."""
    return Reply(status=200, body="invalid_token")


def redirect(location: str) -> Reply:
    """302 to `location`; point it only at a server of your own on loopback."""
    return Reply(status=302, headers={"Location": location})


class WebhookReceiver(LoopbackServer):
    """Accepts JSON messages POSTed on `path`; every other path is unknown."""

    # A real webhook URL is a secret: tests check it never reaches a log.
    path = "/services/T0DEMO/B0DEMO/demo-webhook-secret-token"

    def __init__(self) -> None:
        super().__init__()
        self._messages: list[dict] = []

    @property
    def webhook_url(self) -> str:
        """Full URL to configure as the webhook."""
        return self.url + self.path

    @property
    def messages(self) -> list[dict]:
        """Parsed bodies of the messages accepted so far, oldest first."""
        with self._lock:
            return list(self._messages)

    def respond(self, request: Recorded) -> Reply:
        """Accept a JSON object on `path`, refusing anything else as Slack does."""
        if urlsplit(request.target).path != self.path:
            return Reply(status=404, body="no_service")
        if request.method != "POST":
            return Reply(status=405, body="invalid_method", headers={"Allow": "POST"})

        try:
            message = json.loads(request.body)
        except ValueError:  # Also covers bytes that are not UTF-8.
            return Reply(status=400, body="invalid_payload")
        if not isinstance(message, dict):
            return Reply(status=400, body="invalid_payload")

        with self._lock:
            self._messages.append(message)

        return Reply(status=200, body="ok")
