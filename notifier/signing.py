"""NCP API Gateway signature v2 (CERTIFICATE-API.md, "Authentication")."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from .secret import Secret


def signature(
    method: str, target: str, timestamp: str, access_key: str, secret_key: Secret
) -> str:
    """Base64 HMAC-SHA256 of ``METHOD target\\ntimestamp\\naccessKey``.

    ``target`` is the request target exactly as sent: path and query string,
    without scheme or host.
    """
    message = f"{method} {target}\n{timestamp}\n{access_key}".encode()
    digest = hmac.new(secret_key.reveal().encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_headers(
    method: str,
    target: str,
    access_key: str,
    secret_key: Secret,
    *,
    now: float | None = None,
) -> dict[str, str]:
    """Headers for one attempt; sign each attempt afresh, since the gateway
    refuses a timestamp more than five minutes from its clock."""
    timestamp = str(int((time.time() if now is None else now) * 1000))
    return {
        "x-ncp-apigw-timestamp": timestamp,
        "x-ncp-iam-access-key": access_key,
        "x-ncp-apigw-signature-v2": signature(
            method, target, timestamp, access_key, secret_key
        ),
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
