"""AWS Lambda entry point: event in, report out; the work is in ``notifier``."""

from __future__ import annotations

import logging
import os
from typing import Any

from notifier import invocation, job
from notifier.clients import Clients
from notifier.config import Settings

logging.getLogger().setLevel(logging.INFO)

# Made once per container, so warm invocations reuse connections and secrets.
_clients: Clients | None = None


def lambda_handler(event: Any, context: Any) -> dict:
    """Run the scheduled job or a report, as the event asks."""
    global _clients
    request = invocation.from_event(event)
    settings = Settings.from_env(os.environ)
    if _clients is None:
        _clients = Clients()

    name = getattr(context, "function_name", None) or "the function"
    hint = (
        f'Invoke {name} with {{"mode": "report"}} (events/report.json) '
        "for the full list."
    )
    return job.run(request, settings, _clients, report_hint=hint)
