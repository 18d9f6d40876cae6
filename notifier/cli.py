"""The command line: ``python -m notifier demo`` and ``python -m notifier report``.

``report`` reads the same environment variables as the function and prints
the report; ``demo`` runs the whole job against local stand-ins.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from .errors import NotifierError


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from . import demo

        return demo.main()
    return _report(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m notifier",
        description="Warns before NCP Certificate Manager certificates expire.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "demo", help="run the whole job against a local NCP stand-in (no account)"
    )
    report = commands.add_parser(
        "report", help="list every certificate with its state, as the function does"
    )
    report.add_argument(
        "--format", choices=("table", "json"), default="table",
        help="table for people (default), json as the function returns it",
    )
    return parser


def _report(args: argparse.Namespace) -> int:
    from . import job, terminal
    from .clients import Clients
    from .config import Settings
    from .invocation import RunRequest

    try:
        settings = Settings.from_env(os.environ)
        with Clients() as clients:
            report = job.run(
                RunRequest("report", notify=False, dry_run=False), settings, clients
            )
    except NotifierError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(terminal.report_table(report))
    return 0
