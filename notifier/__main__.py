"""``python -m notifier``: the command line (see ``notifier.cli``)."""

import os
import sys

from .cli import main

try:
    status = main()
except BrokenPipeError:
    # The reader (head, less) closed the pipe: nothing is wrong with the run.
    # Point stdout at /dev/null so that the interpreter's final flush is quiet.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    status = 0
raise SystemExit(status)
