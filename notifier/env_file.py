"""Reading the function's configuration from a file, for the command line.

The format is the common ``.env`` one, kept strict: ``KEY=VALUE`` lines,
blank lines and ``#`` comments (in an unquoted value, a ``#`` after a space
starts one), an optional ``export`` before the key, and a value optionally
wrapped in one pair of matching quotes. Nothing is expanded or unescaped.
Only the variables the function reads (``config.VARIABLES``) may appear,
each once: a misspelt name is an error, not a silent default.
Messages name the file, the line and the key, never the value, which may be
the secret key.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from .config import VARIABLES
from .errors import ConfigError

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$")
_QUOTED = re.compile(r"""^(["'])(.*?)\1\s*(?:#.*)?$""")


def read(path: str | Path) -> dict[str, str]:
    """The ``KEY=VALUE`` pairs of the file at ``path``; ConfigError if malformed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"--env-file {path}: cannot read it ({reason})") from exc

    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"--env-file {path}, line {number}"
        match = _LINE.match(line)
        if match is None:
            raise ConfigError(f"{where}: not a KEY=VALUE line (e.g. NCP_ZONE=public)")
        key, value = match.group(1), _unquote(match.group(2).strip(), where)
        if key not in VARIABLES:
            raise ConfigError(
                f"{where}: {key} is not a setting of the notifier" + _suggestion(key)
            )
        if key in values:
            raise ConfigError(f"{where}: {key} is set a second time; keep one")
        values[key] = value
    return values


def _unquote(value: str, where: str) -> str:
    quoted = _QUOTED.match(value)
    if quoted:
        return quoted.group(2)
    if value[:1] in ("'", '"'):
        # Never read as a value that starts with a quote: a key would fail
        # later at NCP, far from the line that is wrong.
        raise ConfigError(f"{where}: the value opens a quote it does not close")
    return re.split(r"\s#", value, maxsplit=1)[0].rstrip()


def _suggestion(key: str) -> str:
    close = difflib.get_close_matches(key.upper(), VARIABLES, n=1)
    if close:
        return f" (did you mean {close[0]}?)"
    return " (the README's Configuration table lists every setting)"
