"""AWS Lambda entry point: event in, report out; the work is in ``notifier``."""

from __future__ import annotations

import os
from typing import Any

from notifier import invocation, job, logs
from notifier.clients import Clients
from notifier.config import Settings
from notifier.metrics import MetricsWriter

# Made once per container, so warm invocations reuse connections and secrets.
_clients: Clients | None = None


def lambda_handler(event: Any, context: Any) -> dict:
    """Run the scheduled job or a report, as the event asks."""
    global _clients
    request = invocation.from_event(event)
    settings = Settings.from_env(os.environ)
    logs.configure(settings.log_level)
    if _clients is None:
        _clients = Clients()

    function_name = getattr(context, "function_name", None)
    hint = (
        f'Invoke {function_name or "the function"} with {{"mode": "report"}} '
        "(events/report.json) for the full list."
    )
    with logs.request_context(getattr(context, "aws_request_id", None)):
        return job.run(
            request,
            settings,
            _clients,
            report_hint=hint,
            on_report=MetricsWriter(function_name or "unnamed"),
        )
