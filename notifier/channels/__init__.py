"""Delivery channels: each sends a rendered digest one way.

A channel has a ``name`` (used in reports and errors) and a ``send(digest)``
that returns a short receipt or raises :class:`notifier.errors.ChannelError`.
"""

from __future__ import annotations

from typing import Protocol

from ..digest import Digest


class Channel(Protocol):
    name: str

    def send(self, digest: Digest) -> str:
        """Deliver ``digest``; return a receipt (a message id, a status)."""
        ...
