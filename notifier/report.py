"""The JSON an invocation returns: every certificate, the counts, the deliveries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from .dates import in_zone
from .digest import Digest
from .policy import URGENCY, Verdict
from .text import whole_number


def certificate_entry(verdict: Verdict, zone: ZoneInfo, due: bool) -> dict:
    """One certificate as the report lists it; NCP's values pass unchanged."""
    cert = verdict.certificate
    return {
        "certificateNo": _number(cert.number),
        "certificateName": cert.name,
        "commonName": cert.common_name,
        "notAfter": in_zone(cert.not_after, zone).isoformat()
        if cert.not_after
        else None,
        "notAfterRaw": cert.not_after_raw,
        "daysLeft": verdict.days_left,
        "state": verdict.state.value,
        "threshold": verdict.threshold,
        "due": due,
        "statusCode": cert.status_code,
        "inUse": cert.in_use,
    }


def counts(verdicts: Sequence[Verdict]) -> dict[str, int]:
    tally = Counter(v.state for v in verdicts)
    result = {state.value: tally[state] for state in URGENCY}
    result["total"] = len(verdicts)
    return result


def build(
    *,
    mode: str,
    dry_run: bool,
    now: datetime,
    zone: ZoneInfo,
    verdicts: Sequence[Verdict],
    due_ids: set[int],
    deliveries: dict[str, dict],
    digest: Digest | None,
    warnings: Sequence[str] = (),
    notified: Mapping[int, dict] | None = None,
    state_problem: str | None = None,
) -> dict:
    """The report; the digest itself is included only for a dry run.

    ``warnings`` says what may keep a digest from arriving though nothing
    failed (an SNS topic nobody has confirmed). ``notified`` (by ``id()`` of
    a verdict) adds what each channel was last told about each certificate,
    when a state table is configured.
    """
    # TODO: a report of more than about 20,000 certificates passes Lambda's
    # 6 MB limit for a returned value; such accounts need it paged or stored.
    entries = []
    for verdict in sorted(verdicts, key=_soonest_first):
        entry = certificate_entry(verdict, zone, id(verdict) in due_ids)
        if notified is not None:
            entry["notified"] = notified.get(id(verdict), {})
        entries.append(entry)
    report = {
        "mode": mode,
        "dryRun": dry_run,
        "checkedAt": now.astimezone(zone).isoformat(),
        "counts": counts(verdicts),
        "due": len(due_ids),
        "deliveries": deliveries,
        "warnings": list(warnings),
        "certificates": entries,
    }
    if state_problem:
        report["stateProblem"] = state_problem
    if digest is not None and dry_run:
        report["digest"] = {
            "subject": digest.subject,
            "text": digest.text,
            "slack": digest.slack,
            "html": digest.html,
        }
    return report


def _number(text: str) -> int | str | None:
    """NCP's certificateNo as the integer it documents, else as sent."""
    number = whole_number(text, 18)
    if number is not None:
        return number
    return text or None


_RANK = {state: rank for rank, state in enumerate(URGENCY)}


def _soonest_first(verdict: Verdict) -> tuple:
    """Most urgent state first, then the soonest expiry."""
    days = verdict.days_left
    return (
        _RANK[verdict.state],
        days if days is not None else 0,
        verdict.certificate.name,
    )
