"""Build the Lambda deployment artifact: runtime code and its packages only.

``sam build`` calls this through the Makefile with the artifact folder; it
can also be run by hand (``make package``). The development-only parts of
``notifier`` (the local stand-ins, the demo and the command line) stay out.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: What of notifier/ is not runtime code, relative to notifier/.
DEVELOPMENT_ONLY = (
    "testing",
    "demo.py",
    "cli.py",
    "__main__.py",
    "terminal.py",
    # The command line's report: its file, filters and formats.
    "env_file.py",
    "report_selection.py",
    "report_formats.py",
    "report.html.j2",
)

#: The Lambda runtime the template declares (python3.12 on arm64).
PLATFORM = (
    "--platform",
    "manylinux2014_aarch64",
    "--implementation",
    "cp",
    "--python-version",
    "3.12",
    "--only-binary=:all:",
)


def copy_runtime_code(target: Path) -> None:
    """handler.py and notifier/, less what only development uses."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "handler.py", target / "handler.py")
    shutil.copytree(
        ROOT / "notifier",
        target / "notifier",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", *DEVELOPMENT_ONLY),
        dirs_exist_ok=True,
    )


def install_requirements(target: Path) -> None:
    subprocess.run(  # noqa: S603 - this interpreter's pip, fixed arguments
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--target",
            str(target),
            *PLATFORM,
            "-r",
            str(ROOT / "requirements.txt"),
        ],
        check=True,
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: package.py ARTIFACTS_DIR", file=sys.stderr)
        return 2
    target = Path(argv[0]).resolve()
    copy_runtime_code(target)
    install_requirements(target)
    # Console scripts of the packages are of no use inside Lambda.
    shutil.rmtree(target / "bin", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
