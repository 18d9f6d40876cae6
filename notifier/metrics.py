"""CloudWatch metrics for each run, written as embedded metric format (EMF).

A log line that is a JSON object with an ``_aws`` key is turned into metrics
by CloudWatch Logs itself: no API call, no permission, no extra latency
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
Each run writes one such line, so operators can graph and alarm on the
certificates per state, what was due, the fewest days left and failed
deliveries without parsing the logs.
"""

from __future__ import annotations

import json
import sys
import time
from typing import TextIO

from .policy import URGENCY, State

NAMESPACE = "NcpCertExpiry"
DIMENSION = "FunctionName"

#: Metric name for the count of certificates in each state.
STATE_METRICS = {
    state.value: f"{state.value.capitalize()}Certificates" for state in URGENCY
}


def document(report: dict, *, function_name: str, timestamp_ms: int) -> dict:
    """The EMF object for one run's report.

    ``SmallestDaysLeft`` is the fewest whole days left among certificates that
    are not inactive (negative once one has expired); it is left out when no
    such certificate has a readable expiry, since EMF has no "no value".
    """
    counts = report["counts"]
    values: dict[str, tuple[float, str]] = {
        name: (counts[state], "Count") for state, name in STATE_METRICS.items()
    }
    values["Certificates"] = (counts["total"], "Count")
    values["DueCertificates"] = (report["due"], "Count")
    values["FailedDeliveries"] = (_failed(report["deliveries"]), "Count")
    smallest = _smallest_days_left(report["certificates"])
    if smallest is not None:
        # CloudWatch has no unit for days: "None", and the name says it.
        values["SmallestDaysLeft"] = (smallest, "None")

    line: dict = {
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [[DIMENSION]],
                    "Metrics": [
                        {"Name": name, "Unit": unit}
                        for name, (_, unit) in values.items()
                    ],
                }
            ],
        },
        DIMENSION: function_name,
        # Not a dimension: searchable in Logs Insights, no extra metric series.
        "mode": report["mode"],
    }
    line.update({name: value for name, (value, _) in values.items()})
    return line


class MetricsWriter:
    """Writes one EMF line per report to stdout (where Lambda's logs go)."""

    def __init__(self, function_name: str, stream: TextIO | None = None):
        self._function_name = function_name
        self._stream = stream

    def __call__(self, report: dict) -> None:
        stream = self._stream or sys.stdout
        line = document(
            report,
            function_name=self._function_name,
            timestamp_ms=int(time.time() * 1000),
        )
        stream.write(json.dumps(line, separators=(",", ":")) + "\n")
        stream.flush()


def _failed(deliveries: dict[str, dict]) -> int:
    return sum(1 for outcome in deliveries.values() if outcome["status"] == "failed")


def _smallest_days_left(certificates: list[dict]) -> int | None:
    days = [
        entry["daysLeft"]
        for entry in certificates
        if entry["state"] != State.INACTIVE.value and entry["daysLeft"] is not None
    ]
    return min(days, default=None)
