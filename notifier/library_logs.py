"""What the libraries under the notifier may log: nothing below INFO.

At DEBUG, urllib3 logs every request line (the webhook URL's secret path)
and botocore logs every response body (a secret's value, as Secrets Manager
returns it). Lambda's log level setting lowers the root logger, so these
loggers get a level of their own unless someone set one on purpose.
"""

from __future__ import annotations

import logging

#: Loggers of libraries that print what they send and receive.
NOISY = ("urllib3", "botocore", "boto3", "s3transfer")


def keep_quiet() -> None:
    """Hold each library logger at INFO unless its level was set explicitly."""
    for name in NOISY:
        library = logging.getLogger(name)
        if library.level == logging.NOTSET:
            library.setLevel(logging.INFO)
