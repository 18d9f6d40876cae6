"""Every error the notifier raises on purpose, in one tree.

    NotifierError                 anything the notifier itself detected
    ├── ConfigError               a variable is missing or malformed: fix the
    │                             function's configuration and run again
    ├── EventError                the invocation event is not one the
    │                             function understands
    ├── NcpError                  NCP could not be read: nothing was judged
    │   ├── NcpAuthError          NCP refused the key (401, 403)
    │   └── NcpResponseError      NCP answered, but not with a usable list
    ├── ChannelError              one delivery channel refused the digest
    ├── StateError                the delivery state table could not be read or
    │                             written: the run sent what it could without
    │                             it, then raised this so that Lambda records it
    └── DeliveryError             the run finished, but some channels failed;
                                  raised last so that Lambda records a failure
                                  (and names a state problem too, if any)

Messages name what went wrong and how to fix it, and never carry a secret:
library errors whose text can hold one (requests puts URLs into its
messages) are summarised rather than chained.
"""

from __future__ import annotations


class NotifierError(Exception):
    """Base of every error the notifier raises on purpose."""


class ConfigError(NotifierError):
    """A configuration value is missing or malformed."""


class EventError(NotifierError):
    """The invocation event is neither a schedule nor a known request."""


class NcpError(NotifierError):
    """The certificate list could not be read from NCP."""


class NcpAuthError(NcpError):
    """NCP refused the credentials or their signature."""


class NcpResponseError(NcpError):
    """NCP answered with something other than a complete certificate list."""


class ChannelError(NotifierError):
    """A delivery channel did not accept the digest."""


class StateError(NotifierError):
    """The delivery state table could not be read or written.

    ``report`` holds the run's report once the run has finished, so a caller
    still sees what was sent without the table.
    """

    def __init__(self, message: str, report: dict | None = None):
        super().__init__(message)
        self.report = report


class DeliveryError(NotifierError):
    """One or more channels failed after every channel was tried.

    ``failures`` maps each failed channel's name to its error message, and
    ``report`` holds the run's report, so a caller still sees what was done.
    ``state_problem`` says what went wrong with the state table as well, if
    anything did, so that one error tells the whole story.
    """

    def __init__(
        self,
        failures: dict[str, str],
        report: dict | None = None,
        state_problem: str | None = None,
    ):
        self.failures = dict(failures)
        self.report = report
        self.state_problem = state_problem
        names = ", ".join(sorted(self.failures))
        details = "; ".join(f"{name}: {why}" for name, why in self.failures.items())
        message = f"delivery failed for {names} ({details})"
        if state_problem:
            message += f"; also, {state_problem}"
        super().__init__(message)
