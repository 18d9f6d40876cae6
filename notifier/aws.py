"""AWS clients, made only when a run needs one.

boto3 takes a noticeable share of a cold start, so it is imported here, on
first use, and only by runs that publish to SNS or read a secret. Clients
honour the standard ``AWS_ENDPOINT_URL`` and ``AWS_REGION`` variables.
"""

from __future__ import annotations

from typing import Any

from . import library_logs


def client(service: str) -> Any:
    """A boto3 client for ``service`` with the default session's settings."""
    import boto3
    from botocore.config import Config

    # botocore would log each response body, secret values included.
    library_logs.keep_quiet()
    config = Config(
        connect_timeout=5,
        read_timeout=20,
        retries={"max_attempts": 3, "mode": "standard"},
    )
    return boto3.client(service, config=config)
