"""Sending the digest as an HTML e-mail, with its plain-text alternative, by SES.

One SES v2 ``SendEmail`` with simple content: the subject, the HTML digest
and the plain-text digest, which SES sends as one multipart/alternative
message to every address of ``SES_TO``. SES's refusals are turned into
errors that say what to fix: an unverified sender, the sandbox, a policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..digest import Digest
from ..errors import ChannelError

#: What an operator can do about the SES errors they are likely to meet.
_HINTS = {
    "MessageRejected": (
        "verify SES_FROM's address or domain in SES in this region; while the "
        "account is in the SES sandbox, verify every SES_TO address too, or "
        "request production access"
    ),
    "AccessDeniedException": (
        "the function's role may not send as this identity: check the "
        "SesIdentity parameter, or the identity the message names"
    ),
    "MailFromDomainNotVerifiedException": (
        "the custom MAIL FROM domain of SES_FROM's identity is not verified"
    ),
    "AccountSuspendedException": "SES has suspended sending for this account",
    "SendingPausedException": "sending is paused for this account or region",
    "TooManyRequestsException": "SES still throttled the request after retries",
    "LimitExceededException": "the account's SES sending quota is used up",
}


class SesChannel:
    """Sends one message from ``sender`` to ``recipients`` through SES v2."""

    name = "ses"

    def __init__(self, client: Any, sender: str, recipients: Sequence[str]):
        self._client = client
        self._sender = sender
        self._recipients = list(recipients)

    def send(self, digest: Digest) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        body = {"Text": {"Data": digest.text, "Charset": "UTF-8"}}
        if digest.html:
            body["Html"] = {"Data": digest.html, "Charset": "UTF-8"}
        try:
            answer = self._client.send_email(
                FromEmailAddress=self._sender,
                Destination={"ToAddresses": self._recipients},
                Content={
                    "Simple": {
                        "Subject": {"Data": digest.subject, "Charset": "UTF-8"},
                        "Body": body,
                    }
                },
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code", "error")
            message = f"{code}: {error.get('Message', '')}".rstrip(": ")
            hint = _HINTS.get(code)
            raise ChannelError(
                f"SES refused to send from {self._sender}: {message}"
                + (f" ({hint})" if hint else "")
            ) from exc
        except BotoCoreError as exc:
            raise ChannelError(
                f"SES could not be reached to send from {self._sender}: "
                f"{type(exc).__name__}"
            ) from exc
        return str(answer.get("MessageId", ""))
