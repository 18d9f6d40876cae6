"""The command line: ``python -m notifier demo`` and ``python -m notifier report``.

``report`` reads the same configuration as the function (environment
variables, or a file given with ``--env-file``) and prints every certificate
with its state; its exit status lets cron and CI act on the result. ``demo``
runs the whole job against local stand-ins.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from typing import TextIO

from .errors import NotifierError
from .report_selection import STATES, Selection

#: Exit statuses of ``report``.
EXIT_CLEAR = 0
EXIT_ACTION = 1
EXIT_ERROR = 2

FORMATS = ("table", "json", "csv", "html")

_REPORT_EPILOG = """\
configuration:
  The same environment variables as the function (see the README's
  Configuration table). With --env-file, the file's values take precedence
  over the environment; variables it does not set still come from the
  environment. AWS credentials and region come from the usual AWS settings
  (AWS_PROFILE, AWS_REGION, ...), used only when SNS_TOPIC_ARN, STATE_TABLE
  or a secret ARN is set. Log lines go to stderr as text, only when LOG_LEVEL is set.

exit status:
  0  nothing shown has expired, has an unreadable expiry, or expires within
     the limit (--within DAYS, else the smallest of THRESHOLD_DAYS)
  1  something shown has, or does (inactive certificates never count)
  2  an error: bad option or configuration, or NCP could not be read

examples:
  python -m notifier report
  python -m notifier report --env-file prod.env --state expired,expiring
  python -m notifier report --within 30 --format csv > soon.csv
  python -m notifier report --format html > report.html
"""


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run one command and return its exit status."""
    environ = os.environ if environ is None else environ
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    args = parser().parse_args(argv)
    if args.command == "demo":
        from . import demo

        return demo.main(out=stdout)

    try:
        return _report(args, environ, stdout, stderr)
    except NotifierError as exc:
        print(f"error: {exc}", file=stderr)
        return EXIT_ERROR
    except Exception:  # noqa: BLE001
        # A bug, shown in full; exit 1 would read as "expiring" to cron.
        traceback.print_exc(file=stderr)
        print("error: unexpected failure (see above)", file=stderr)
        return EXIT_ERROR


def parser() -> argparse.ArgumentParser:
    """The parser of every command and option (the README documents each)."""
    root = argparse.ArgumentParser(
        prog="python -m notifier",
        description="Warns before NCP Certificate Manager certificates expire.",
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "demo",
        help="run the whole job against a local NCP stand-in (no account needed)",
        description="Run the whole job against a local NCP stand-in with sample "
        "certificates and print what each channel received.",
    )
    report = commands.add_parser(
        "report",
        help="list every certificate with its state, as the function does",
        description="List every certificate in NCP Certificate Manager with its "
        "state and days left, fewest days left first. Sends nothing.",
        epilog=_REPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument(
        "--env-file",
        metavar="PATH",
        help="read the configuration from PATH: KEY=VALUE lines, # comments; "
        "its values take precedence over the environment",
    )
    report.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table for people (default); json as the function returns it; csv "
        "for spreadsheets; html, a self-contained page",
    )
    report.add_argument(
        "--state",
        action="extend",
        type=_states,
        metavar="STATE",
        help=f"show only certificates in STATE ({', '.join(STATES)}); repeat "
        "the option or give a comma-separated list",
    )
    report.add_argument(
        "--within",
        type=_days,
        metavar="DAYS",
        help="show only certificates that expire within DAYS days or have "
        "expired (and those whose expiry cannot be read); also the limit for "
        "the exit status",
    )
    report.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="color the state column: auto (default) when stdout is a terminal "
        "and NO_COLOR is not set",
    )
    return root


def _report(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    from . import env_file, job, logs, report_formats, report_selection, terminal
    from .clients import Clients
    from .config import Settings
    from .invocation import REPORT, RunRequest

    config = dict(environ)
    if args.env_file:
        config.update(env_file.read(args.env_file))
    settings = Settings.from_env(config)
    if "LOG_LEVEL" in config:
        logs.configure(settings.log_level, stream=stderr, json_lines=False)
    else:
        logs.silence()

    progress = terminal.PageProgress(stderr) if terminal.is_terminal(stderr) else None
    request = RunRequest(REPORT, notify=False, dry_run=False)
    with Clients() as clients:
        try:
            report = job.run(request, settings, clients, on_page=progress)
        finally:
            if progress is not None:
                progress.clear()

    selection = Selection(
        states=frozenset(args.state) if args.state else None, within=args.within
    )
    shown = report_selection.select(report["certificates"], selection)
    note = ""
    if len(shown) != len(report["certificates"]):
        note = (
            f"{len(shown)} of {len(report['certificates'])} certificates shown "
            f"({selection.describe()})"
        )
    for warning in report["warnings"]:
        print(f"warning: {warning}", file=stderr)
    if report.get("stateProblem"):
        print(f"warning: {report['stateProblem']}", file=stderr)

    view = {**report, "certificates": shown}
    if args.format == "json":
        stdout.write(report_formats.as_json(view))
    elif args.format == "csv":
        stdout.write(report_formats.as_csv(view))
    elif args.format == "html":
        stdout.write(report_formats.as_html(view, shown_note=note))
    else:
        color = terminal.wants_color(stdout, environ, args.color)
        stdout.write(terminal.report_table(view, color=color) + "\n")
        if note:
            stdout.write(note + "\n")
    stdout.flush()

    limit = args.within if args.within is not None else min(settings.threshold_days)
    return EXIT_ACTION if report_selection.needs_action(shown, limit) else EXIT_CLEAR


def _states(value: str) -> list[str]:
    states = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [state for state in states if state not in STATES]
    if unknown or not states:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a state: use one or more of {', '.join(STATES)}, "
            "e.g. --state expired,expiring"
        )
    return states


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        days = -1
    if days < 0:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a number of days: give a whole number from 0, "
            "e.g. --within 30"
        )
    return days
