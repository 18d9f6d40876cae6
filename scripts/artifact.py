"""Show what a built Lambda artifact holds and how big it is.

    python scripts/artifact.py .aws-sam/build/NotifierFunction

Prints each top-level entry with its file count and size, then the totals,
unzipped and zipped as Lambda receives it (limits: 250 MB unzipped, 50 MB
zipped for a direct upload).
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path


def inventory(folder: Path) -> list[tuple[str, int, int]]:
    """(entry, files, bytes) for each top-level entry of ``folder``, sorted."""
    rows = []
    for entry in sorted(folder.iterdir()):
        files = (
            [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file()]
        )
        rows.append((entry.name, len(files), sum(p.stat().st_size for p in files)))
    return rows


def zipped_size(folder: Path) -> int:
    """Bytes of the artifact as a deflated zip, as SAM uploads it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder))
    return len(buffer.getvalue())


def report(folder: Path) -> str:
    rows = inventory(folder)
    width = max(len(name) for name, _, _ in rows)
    lines = [
        f"{name:<{width}}  {files:>5} files  {size / 1024:>9.1f} KiB"
        for name, files, size in rows
    ]
    files = sum(row[1] for row in rows)
    size = sum(row[2] for row in rows)
    lines.append(
        f"total: {files} files, {size / 1024 / 1024:.2f} MiB unzipped, "
        f"{zipped_size(folder) / 1024 / 1024:.2f} MiB zipped"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: artifact.py BUILT_FUNCTION_FOLDER", file=sys.stderr)
        return 2
    print(report(Path(argv[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
