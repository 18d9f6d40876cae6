"""Posting the Block Kit digest to a Slack-compatible incoming webhook.

Slack, Mattermost and Rocket.Chat take the same payload. The webhook URL is
a credential (anyone holding it can post), so it never appears in a message:
errors name the channel and the HTTP status only.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import requests
from urllib3.util.retry import Retry

from .. import transport
from ..digest import Digest
from ..errors import ChannelError
from ..secret import Secret
from ..text import clean

MAX_REPLY_BYTES = 64 * 1024
_ERROR_CODE = re.compile(r"^[a-z]+(?:_[a-z]+)+$")


def default_retry() -> Retry:
    """Retry only what cannot have posted twice: 429 (Slack's rate limit asks
    for Retry-After) and a connection that never opened."""
    return Retry(
        total=3,
        connect=2,
        read=0,
        backoff_factor=1,
        backoff_max=10,
        backoff_jitter=0.5,
        status_forcelist=(429,),
        allowed_methods=("POST",),
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class SlackChannel:
    """Posts to one incoming-webhook URL."""

    name = "slack"

    def __init__(
        self,
        session: requests.Session,
        webhook_url: Secret,
        *,
        timeout_seconds: float = 30.0,
        retry: Retry | None = None,
    ):
        self._session = session
        self._url = webhook_url
        self._timeout = timeout_seconds
        self._retry = retry or default_retry()

    def send(self, digest: Digest) -> str:
        body = json.dumps(digest.slack, ensure_ascii=False).encode()

        def build() -> requests.PreparedRequest:
            return self._session.prepare_request(
                requests.Request(
                    "POST",
                    self._url.reveal(),
                    data=body,
                    headers={"Content-Type": "application/json; charset=utf-8"},
                )
            )

        try:
            reply = transport.exchange(
                self._session,
                build,
                retry=self._retry,
                deadline=transport.Deadline(self._timeout),
                max_bytes=MAX_REPLY_BYTES,
                retry_on_error=_never_posted,
                what="the Slack webhook",
            )
        except transport.TransportError as exc:
            # from None: the cause's text holds the webhook URL.
            raise ChannelError(str(exc)) from None
        return _receipt(reply, self._url)


def _never_posted(error: Exception) -> bool:
    return isinstance(error, requests.ConnectTimeout)


def _receipt(reply: transport.Reply, url: Secret) -> str:
    text = clean(_redact(reply.body[:2000].decode("utf-8", "replace"), url), 100)
    if 300 <= reply.status < 400:
        raise ChannelError(
            f"the Slack webhook answered HTTP {reply.status} (a redirect): set "
            "the webhook's final address; a redirected post is not delivered"
        )
    if not 200 <= reply.status < 300:
        hint = {
            404: " (the webhook does not exist: create a new one)",
            410: " (the channel was archived or the webhook revoked)",
            403: " (the webhook is not allowed to post)",
        }.get(reply.status, "")
        raise ChannelError(
            f"the Slack webhook answered HTTP {reply.status} {text!r}{hint}".rstrip()
        )
    if _reports_failure(reply.body):
        raise ChannelError(f"the Slack webhook answered HTTP {reply.status} {text!r}")
    return f"HTTP {reply.status}"


def _redact(text: str, url: Secret) -> str:
    """``text`` without the webhook URL or any token-like part of it: an error
    page may quote the address it was posted to."""
    address = url.reveal()
    parts = urlsplit(address)
    pieces = [address, parts.path, parts.query]
    pieces += re.split(r"[/?&=]", f"{parts.path}?{parts.query}")
    # Longest first, so the whole URL goes before its parts; pieces this short
    # are no secret (Slack's are longer) and would only mangle the text.
    for piece in sorted(pieces, key=len, reverse=True):
        if len(piece) >= 8:
            # Any case: a server may echo the address upper-cased.
            text = re.sub(re.escape(piece), "[webhook]", text, flags=re.IGNORECASE)
    return text


def _reports_failure(body: bytes) -> bool:
    """Whether a 2xx answer still says the post was refused.

    Some Slack-compatible servers answer 200 with ``{"ok": false}``,
    ``{"success": false}`` (Rocket.Chat), ``{"result": "error"}`` (Zulip) or
    an ``error`` field, or with one of Slack's snake_case error codes
    (``invalid_token``) as the whole body; a proxy or a login page answers
    200 with HTML, and no webhook does.
    """
    text = body.decode("utf-8", "replace").strip()
    if _ERROR_CODE.match(text) or text.startswith("<") or text.lower() == "error":
        return True
    try:
        answer = json.loads(text)
    except (ValueError, RecursionError):
        return False
    return isinstance(answer, dict) and (
        answer.get("ok") is False
        or answer.get("success") is False
        or answer.get("result") == "error"
        or bool(answer.get("error"))
    )
