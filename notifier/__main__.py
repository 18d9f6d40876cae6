"""``python -m notifier``: the command line (see ``notifier.cli``)."""

from .cli import main

raise SystemExit(main())
