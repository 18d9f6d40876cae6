"""The HTTP session and AWS clients a run uses, made once and reused.

The handler keeps one :class:`Clients` per Lambda container, so warm
invocations reuse connections; tests build their own and hand them in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from . import aws
from .credentials import SecretStore


class Clients:
    """Holds the HTTP session and makes each AWS client on first use."""

    def __init__(
        self,
        http: requests.Session | None = None,
        aws_client: Callable[[str], Any] = aws.client,
    ):
        self.http = http or _session()
        self._aws_client = aws_client
        self._made: dict[str, Any] = {}
        self.secrets = SecretStore(lambda: self.aws("secretsmanager"))

    def __enter__(self) -> Clients:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def aws(self, service: str) -> Any:
        if service not in self._made:
            self._made[service] = self._aws_client(service)
        return self._made[service]


def _session() -> requests.Session:
    session = requests.Session()
    # Proxies and .netrc from the environment have no place in a function
    # that signs its own requests; the endpoint comes from the configuration.
    session.trust_env = False
    session.headers["User-Agent"] = "ncp-cert-expiry-notifier/0.1"
    return session
