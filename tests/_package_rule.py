"""What scripts/package.py leaves out of the deployment: one rule, read by
the tests that check the artifact and the documentation against it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load() -> tuple[str, ...]:
    spec = importlib.util.spec_from_file_location(
        "package", ROOT / "scripts" / "package.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.DEVELOPMENT_ONLY


#: File and folder names under notifier/ that are never deployed.
DEVELOPMENT_ONLY: tuple[str, ...] = _load()
