"""`sam build` with the SAM CLI from PyPI, no container: the artifact holds the
runtime code and its packages, nothing else, and runs on its own.

The SAM CLI is installed into .venv-sam (`make sam-cli`), apart from the test
requirements whose boto3 pins clash with its own. The build itself needs the
network only for the arm64 wheels scripts/package.py fetches from PyPI.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import _package_rule as package_rule
import pytest

from notifier.testing.ncp_server import NcpStandIn
from notifier.testing.samples import demo_certificates

ROOT = Path(__file__).resolve().parent.parent
SAM = ROOT / ".venv-sam" / "bin" / "sam"


LEFT_OUT = package_rule.DEVELOPMENT_ONLY
#: What only development uses; none of it may be deployed.
DEVELOPMENT_ONLY = tuple(
    f"notifier/templates/{name}" if name.endswith(".j2") else f"notifier/{name}"
    for name in LEFT_OUT
)


def sam_environment(home: Path) -> dict[str, str]:
    """No telemetry, and SAM's settings in ``home``, where the weekly version
    check is marked done so that `sam build` asks no server anything."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "metadata.json").write_text(
        json.dumps({"telemetryEnabled": False, "lastVersionCheck": time.time()})
    )
    return {
        **os.environ,
        "SAM_CLI_TELEMETRY": "0",
        "__SAM_CLI_APP_DIR": str(home),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The function's folder after `sam build` into a fresh directory."""
    make = shutil.which("make") or "make"
    subprocess.run([make, "-s", "sam-cli"], cwd=ROOT, check=True, timeout=900)  # noqa: S603
    work = tmp_path_factory.mktemp("sam")
    started = time.monotonic()

    done = subprocess.run(  # noqa: S603 - our own venv's sam, fixed arguments
        [str(SAM), "build", "--build-dir", str(work / "build")],
        cwd=ROOT,
        env=sam_environment(work / "sam-home"),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Build Succeeded" in done.stdout
    print(f"\nsam build took {time.monotonic() - started:.1f} s", file=sys.stderr)
    return work / "build" / "NotifierFunction"


def files_in(folder: Path) -> set[str]:
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file()
    }


def runtime_modules() -> set[str]:
    """The files of notifier/ that handler.py imports, directly or not."""
    wanted: set[str] = set()
    todo = [ROOT / "handler.py"]
    while todo:
        path = todo.pop()
        package = path.relative_to(ROOT).with_suffix("").parts[:-1]
        if path.name == "__init__.py":
            package = path.relative_to(ROOT).parts[:-1]
        for node in ast.walk(ast.parse(path.read_text())):
            for name in _imported_names(node, package):
                for module in _module_and_parents(name):
                    if module not in wanted:
                        wanted.add(module)
                        todo.append(ROOT / module)
    return wanted


def _imported_names(node: ast.AST, package: tuple[str, ...]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = list(package[: len(package) - node.level + 1]) if node.level else []
    if node.module:
        base += node.module.split(".")
    names = [".".join(base)]
    names += [".".join([*base, alias.name]) for alias in node.names]
    return names


def _module_and_parents(name: str) -> list[str]:
    """The source files that importing ``name`` runs, if it is ours."""
    parts = name.split(".")
    if parts[0] != "notifier":
        return []
    found = []
    for end in range(1, len(parts) + 1):
        stem = "/".join(parts[:end])
        for candidate in (f"{stem}/__init__.py", f"{stem}.py"):
            if (ROOT / candidate).is_file():
                found.append(candidate)
    return found


def pinned_requirements() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "_", name).lower()] = version
    return pins


def test_the_artifact_holds_the_handler_and_the_runtime_modules_only(built):
    shipped = {f for f in files_in(built) if f.startswith("notifier/")}
    code = {f for f in shipped if f.endswith(".py")}
    templates = {f for f in shipped if f.startswith("notifier/templates/")}

    assert (built / "handler.py").read_bytes() == (ROOT / "handler.py").read_bytes()
    assert code == runtime_modules()
    assert templates == {
        f"notifier/templates/{name}"
        for name in files_in(ROOT / "notifier/templates")
        if name not in LEFT_OUT
    }
    assert "notifier/templates/digest.html.j2" in templates
    assert shipped == code | templates, "nothing else of notifier/ is shipped"


@pytest.mark.parametrize("path", DEVELOPMENT_ONLY)
def test_nothing_only_development_uses_is_deployed(built, path):
    assert (ROOT / path).exists(), "the list above must name real files"
    assert not (built / path).exists()


def test_the_runtime_packages_are_the_pinned_ones_and_no_others(built):
    installed = {}
    for info in built.glob("*.dist-info"):
        name, version = info.name.removesuffix(".dist-info").rsplit("-", 1)
        installed[re.sub(r"[-_.]+", "_", name).lower()] = version

    assert installed == pinned_requirements()
    for package in ("requests", "urllib3", "jinja2", "markupsafe", "tzdata"):
        assert (built / package / "__init__.py").is_file(), package
    assert not list(built.glob("boto*")), "the Lambda runtime provides boto3"
    assert not (built / "bin").exists()


def test_compiled_extensions_are_built_for_the_lambda_runtime(built):
    extensions = [path.name for path in built.rglob("*.so")]

    assert extensions, "markupsafe and charset_normalizer ship extensions"
    for name in extensions:
        assert name.endswith(".cpython-312-aarch64-linux-gnu.so"), name


def test_the_artifact_alone_runs_a_dry_run_against_the_stand_in(built):
    """The built handler, with no site-packages, lists and renders the demo."""
    now = datetime.now(UTC)
    event = ROOT / "events" / "dry-run.json"
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(built)!r})\n"
        "import handler\n"
        f"event = json.load(open({str(event)!r}))\n"
        "print(json.dumps(handler.lambda_handler(event, None)))\n"
    )

    with NcpStandIn(demo_certificates(now)) as ncp:
        done = subprocess.run(  # noqa: S603 - this interpreter, our own script
            # -B: write no bytecode into the artifact, -I -S: nothing but it
            # and the standard library on the path.
            [sys.executable, "-B", "-I", "-S", "-c", script],
            env={
                "PATH": os.environ["PATH"],
                **ncp.environment,
                "AWS_EC2_METADATA_DISABLED": "true",
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert done.returncode == 0, done.stderr[-3000:]
    # Log and metric lines come first, as in Lambda; the result comes last.
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["counts"]["total"] == 14
    assert report["digest"]["html"].startswith("<!DOCTYPE html>")
    assert "api.example.com" in report["digest"]["text"]


def test_the_artifact_is_small_and_its_contents_are_shown(built, capsys):
    shown = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, str(ROOT / "scripts" / "artifact.py"), str(built)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    total = re.search(r"total: (\d+) files, ([\d.]+) MiB unzipped, ([\d.]+)", shown)

    with capsys.disabled():
        print(f"\nsam build artifact ({built}):\n{shown}")
    assert total, shown
    assert "handler.py" in shown and "notifier" in shown
    assert float(total.group(2)) < 20, "far below Lambda's 250 MB"
    assert float(total.group(3)) < 5, "far below Lambda's 50 MB zipped"
