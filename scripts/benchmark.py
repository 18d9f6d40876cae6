"""Measure what a run costs against the local NCP stand-in, and check the targets.

Usage: ``python scripts/benchmark.py [--counts 1000,10000] [--repeat 7]``
(``make bench``). This process serves the stand-ins on loopback: NCP with the
given numbers of certificates (pages capped at 100), a Slack-compatible
receiver and SNS (moto's server). Every measured case runs in a fresh Python
process that does what ``handler.lambda_handler`` does (settings from the
environment, one set of clients per process, ``job.run``), so its peak RSS
is its own. The floor is the same pages fetched and parsed with bare
``requests`` and ``json``, in the same run. Nothing leaves this machine.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGE_SIZE = 100
#: The targets of issue 4, checked at the largest count.
RATIO_TARGET = 1.5
RSS_TARGET_MB = 100.0
IMPORT_TARGET_MS = 250.0
IMPORT_REPEAT = 7
#: The measured cases, the floor first.
CASES = ("floor", "scheduled", "report")

#: The only environment a measured process gets: no profile, no real
#: credentials, no metadata lookups; AWS calls go to the local moto server.
_CHILD_BASE_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "PYTHONPATH": str(ROOT),
    "PYTHONDONTWRITEBYTECODE": "1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "ap-northeast-2",
    "AWS_REGION": "ap-northeast-2",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


# -- the measured side: one case per fresh process ---------------------------


def measure(case: str) -> dict:
    """Run one case twice in this fresh process: the first run is a new Lambda
    container's first invocation, the second the invocations after it."""
    if case == "floor":
        import requests  # noqa: F401 - imported before the clock starts

        work, finish = _fetch_bare, dict
    else:
        work, finish = _prepare_run(case)

    # The first run's result is dropped at once, as Lambda drops it once sent.
    first_wall, first_cpu = _timed(work)[1:]
    outcome, wall, cpu = _timed(work)
    if case == "floor" and first_wall < wall:
        # The floor is the best that bare fetching does: the faster run.
        wall, cpu = first_wall, first_cpu
    # After the clock, before the peak: what the Lambda runtime does with the
    # handler's return value.
    details = finish(outcome)
    figures = {"first_wall_s": first_wall, "wall_s": wall, "cpu_s": cpu}
    return {**figures, **details, "rss_mb": _peak_rss_mb(), **_aws_loaded()}


def _timed(work) -> tuple[dict, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = work()
    return outcome, time.perf_counter() - wall, time.process_time() - cpu


def _prepare_run(case: str):
    """What the handler does for the event ``events/<case>.json``, with the AWS
    client factory timed, since making the first client imports boto3. Like
    the handler, it keeps one Clients for every invocation of the process."""
    import handler  # noqa: F401 - the function's own imports, before the clock
    from notifier import aws, invocation, job
    from notifier.clients import Clients
    from notifier.config import Settings

    event = json.loads((ROOT / "events" / f"{case}.json").read_text())
    sdk_seconds = []

    def timed_client(service: str):
        started = time.perf_counter()
        made = aws.client(service)
        sdk_seconds.append(time.perf_counter() - started)
        return made

    clients = Clients(aws_client=timed_client)

    def work() -> dict:
        request = invocation.from_event(event)
        settings = Settings.from_env(os.environ)
        return job.run(request, settings, clients)

    def finish(result: dict) -> dict:
        """The runtime's serialisation of the report, timed on its own."""
        started = time.perf_counter()
        size = len(json.dumps(result).encode())
        return {
            "due": result["due"],
            "report_bytes": size,
            "serialise_s": time.perf_counter() - started,
            "deliveries": {k: v["status"] for k, v in result["deliveries"].items()},
            "sdk_s": sum(sdk_seconds),
        }

    return work, finish


def _peak_rss_mb() -> float:
    """This process's peak resident memory, in MB.

    VmHWM belongs to the running program alone; ru_maxrss would also count
    the parent's memory, which a child inherits across fork and exec.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _fetch_bare() -> dict:
    """The floor: every page, signed, fetched and parsed with nothing else."""
    import base64
    import hashlib
    import hmac

    import requests

    base = os.environ["NCP_API_URL"]
    access, secret = os.environ["NCP_ACCESS_KEY"], os.environ["NCP_SECRET_KEY"]
    certificates: list = []
    with requests.Session() as session:
        page, total = 1, None
        while total is None or len(certificates) < total:
            target = (
                f"/api/v2/certificate/certificates?page={page}&pageSize={PAGE_SIZE}"
            )
            stamp = str(int(time.time() * 1000))
            message = f"GET {target}\n{stamp}\n{access}".encode()
            signature = hmac.new(secret.encode(), message, hashlib.sha256).digest()
            headers = {
                "x-ncp-apigw-timestamp": stamp,
                "x-ncp-iam-access-key": access,
                "x-ncp-apigw-signature-v2": base64.b64encode(signature).decode(),
            }
            body = json.loads(session.get(base + target, headers=headers).content)
            total = body["totalCount"]
            certificates.extend(body["sslCertificateList"])
            page += 1
    return {"pages": page - 1, "certificates": len(certificates)}


def _aws_loaded() -> dict:
    return {"boto3_imported": "boto3" in sys.modules or "botocore" in sys.modules}


# -- the driving side: stand-ins, processes, figures --------------------------


def run_case(case: str, env: dict[str, str]) -> dict:
    completed = subprocess.run(  # noqa: S603 - this script, this interpreter
        [sys.executable, __file__, "--case", case],
        env={**_CHILD_BASE_ENV, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"case {case} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.splitlines()[-1])


def bench_count(count: int, repeat: int, sns_env: dict, topic: str) -> dict:
    from notifier.testing.ncp_server import NcpStandIn
    from notifier.testing.samples import many_certificates
    from notifier.testing.webhook_receiver import WebhookReceiver

    certificates = many_certificates(count, datetime.now(UTC))
    with (
        NcpStandIn(certificates, page_size_cap=PAGE_SIZE) as ncp,
        WebhookReceiver() as slack,
    ):
        function_env = {
            **ncp.environment,
        }
        delivering = {
            **function_env,
            **sns_env,
            "SNS_TOPIC_ARN": topic,
            "SLACK_WEBHOOK_URL": slack.webhook_url,
        }
        results = {}
        # Interleave the cases so that drift in the machine hits each alike.
        for _ in range(repeat):
            for case, env in zip(
                CASES, (function_env, delivering, function_env), strict=True
            ):
                results.setdefault(case, []).append(run_case(case, env))
        # Proof for the boto3 target: a run that posts to Slack only.
        slack_only = run_case(
            "scheduled", {**function_env, "SLACK_WEBHOOK_URL": slack.webhook_url}
        )

    summary = {case: _summarise(runs) for case, runs in results.items()}
    summary["slack_only"] = slack_only
    return summary


def _summarise(runs: list[dict]) -> dict:
    """Median times over the repetitions, and the highest peak of memory."""
    summary = dict(runs[-1])
    for key in ("first_wall_s", "wall_s", "cpu_s", "sdk_s", "serialise_s"):
        if key in summary:
            summary[key] = statistics.median(r[key] for r in runs)
    summary["rss_mb"] = max(r["rss_mb"] for r in runs)
    return summary


def start_sns() -> tuple[object, dict[str, str], str]:
    """moto's server on loopback, with one topic; the measured processes reach
    it through AWS_ENDPOINT_URL, as the function honours that variable."""
    os.environ.update({k: v for k, v in _CHILD_BASE_ENV.items() if k.startswith("AWS")})
    import boto3
    from moto.server import ThreadedMotoServer

    # Its access log would bury the figures.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    topic = boto3.client("sns", endpoint_url=endpoint).create_topic(
        Name="bench-cert-expiry"
    )["TopicArn"]
    return server, {"AWS_ENDPOINT_URL": endpoint}, topic


#: Run in a bare interpreter, so that nothing handler needs is loaded before.
_IMPORT_PROBE = """\
import sys, time
started = time.perf_counter()
import handler
took = time.perf_counter() - started
loaded = "boto3" in sys.modules or "botocore" in sys.modules
print(took * 1000, loaded)
"""


def import_figures() -> dict:
    """Cold import of handler: median of fresh interpreters, and whether boto3
    came with it."""
    runs = []
    for _ in range(IMPORT_REPEAT):
        probe = subprocess.run(  # noqa: S603 - this interpreter, fixed code
            [sys.executable, "-c", _IMPORT_PROBE],
            env=_CHILD_BASE_ENV,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        took, loaded = probe.stdout.split()
        runs.append((float(took), loaded == "True"))
    return {
        "import_ms": statistics.median(took for took, _ in runs),
        "boto3_imported": any(loaded for _, loaded in runs),
    }


def package_figures() -> dict:
    """Build the deployment package into a temporary folder and weigh it."""
    with tempfile.TemporaryDirectory() as temp:
        target = Path(temp) / "package"
        built = subprocess.run(  # noqa: S603 - the repository's own script
            [sys.executable, str(ROOT / "scripts" / "package.py"), str(target)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if built.returncode != 0:
            reason = (built.stderr.strip().splitlines() or ["no output"])[-1]
            return {"error": reason[:200]}
        unzipped = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
        archive = Path(temp) / "package.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for path in sorted(target.rglob("*")):
                zipped.write(path, path.relative_to(target))
        return {
            "unzipped_mb": unzipped / 2**20,
            "zipped_mb": archive.stat().st_size / 2**20,
        }


def report(figures: dict[int, dict], imports: dict, package: dict) -> list[str]:
    """Print every figure and each target as MET or NOT MET; return the misses."""
    counts = sorted(figures)
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs; NCP pages of {PAGE_SIZE}; each case runs twice "
        "in a fresh\nprocess (a new Lambda container's first invocation, then "
        "the next); times are\nmedians, peak RSS the highest of the process\n"
    )
    print(
        f"{'certificates':>12}  {'case':<10} {'1st run s':>9} {'next s':>7} "
        f"{'CPU s':>6} {'RSS MB':>7} {'÷ floor':>8}  notes"
    )
    for count in counts:
        for case in CASES:
            row = figures[count][case]
            ratio = "" if case == "floor" else f"{_ratio(figures[count], case):.2f}"
            print(
                f"{count:>12,}  {case:<10} {row['first_wall_s']:>9.3f} "
                f"{row['wall_s']:>7.3f} {row['cpu_s']:>6.3f} {row['rss_mb']:>7.1f} "
                f"{ratio:>8}  {_notes(case, row)}"
            )
    print(
        "\nnext s and CPU s are the second run (for the floor, the faster of its "
        "two); ÷ floor\ndivides the run's next s by the floor's. The runtime's "
        "JSON encoding of the report\ncomes after the handler returns and is "
        "shown apart (serialise)."
    )

    smallest, largest = counts[0], counts[-1]
    if largest != smallest:
        print(f"\ngrowth from {smallest:,} to {largest:,} certificates:")
        for case in CASES:
            small, large = (figures[n][case] for n in (smallest, largest))
            added = largest - smallest
            marginal = (large["wall_s"] - small["wall_s"]) / added * 1e6
            memory = (large["rss_mb"] - small["rss_mb"]) / added * 1024
            print(
                f"  {case:<10} wall ×{large['wall_s'] / small['wall_s']:.1f}; each "
                f"certificate more adds {marginal:.0f} µs and {memory:.1f} KB"
            )

    top = figures[largest]
    first_extra = {
        case: max(0.0, top[case]["first_wall_s"] - top[case]["wall_s"]) * 1000
        for case in CASES[1:]
    }
    print(
        f"\ncold start: importing handler takes {imports['import_ms']:.0f} ms "
        f"(median of {IMPORT_REPEAT} fresh processes;\nboto3 in sys.modules "
        f"after it: {'yes' if imports['boto3_imported'] else 'no'}); a first run "
        f"takes {first_extra['scheduled']:.0f} ms more\nthan the next when it "
        f"publishes to SNS (making the SNS client: "
        f"{top['scheduled']['sdk_s'] * 1000:.0f} ms), "
        f"{first_extra['report']:.0f} ms more for a report"
    )
    if "error" in package:
        print(f"deployment package: not built ({package['error']})")
    else:
        print(
            f"deployment package: {package['zipped_mb']:.2f} MB zipped, "
            f"{package['unzipped_mb']:.2f} MB unzipped"
        )

    rss = max(top[case]["rss_mb"] for case in CASES[1:])
    boto3_only_for_aws = (
        not imports["boto3_imported"]
        and not top["slack_only"]["boto3_imported"]
        and not top["report"]["boto3_imported"]
        and top["scheduled"]["boto3_imported"]
    )
    checks = [
        (
            f"scheduled run ≤ {RATIO_TARGET} × floor at {largest:,} "
            f"({_ratio(top, 'scheduled'):.2f})",
            _ratio(top, "scheduled") <= RATIO_TARGET,
        ),
        (
            f"report run ≤ {RATIO_TARGET} × floor at {largest:,} "
            f"({_ratio(top, 'report'):.2f})",
            _ratio(top, "report") <= RATIO_TARGET,
        ),
        (
            f"peak RSS < {RSS_TARGET_MB:g} MB at {largest:,} ({rss:.1f} MB)",
            rss < RSS_TARGET_MB,
        ),
        (
            f"cold import of handler < {IMPORT_TARGET_MS:g} ms "
            f"({imports['import_ms']:.0f} ms)",
            imports["import_ms"] < IMPORT_TARGET_MS,
        ),
        (
            "boto3 imported only when an AWS channel or secret is configured\n"
            "         (not by importing handler, nor by a report or a Slack-only "
            "run; by a run with SNS)",
            boto3_only_for_aws,
        ),
    ]
    print()
    for name, met in checks:
        print(f"{'MET    ' if met else 'NOT MET'}  {name}")
    return [name for name, met in checks if not met]


def _ratio(cases: dict, case: str) -> float:
    return cases[case]["wall_s"] / cases["floor"]["wall_s"]


def _notes(case: str, row: dict) -> str:
    if case == "floor":
        return f"{row['pages']} pages, {row['certificates']:,} certificates"
    notes = [
        f"due {row['due']:,}",
        f"report {row['report_bytes'] / 2**20:.1f} MB",
        f"serialise {row['serialise_s'] * 1000:.0f} ms",
    ]
    notes += [f"{name} {status}" for name, status in row["deliveries"].items()]
    notes.append("boto3 loaded" if row["boto3_imported"] else "no boto3")
    return ", ".join(notes)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--counts",
        default="1000,10000",
        help="numbers of certificates to serve (default 1000,10000)",
    )
    parser.add_argument(
        "--repeat", type=int, default=7, help="fresh processes per case (default 7)"
    )
    parser.add_argument(
        "--no-package", action="store_true", help="skip building the deployment package"
    )
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(measure(args.case)))
        return 0

    counts = sorted(int(part) for part in args.counts.split(","))
    server, sns_env, topic = start_sns()
    try:
        figures = {
            count: bench_count(count, args.repeat, sns_env, topic) for count in counts
        }
    finally:
        server.stop()
    imports = import_figures()
    package = {"error": "skipped"} if args.no_package else package_figures()
    missed = report(figures, imports, package)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
