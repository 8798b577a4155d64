"""The errors of connecting to and calling Salesforce, as one tree::

    SalesforceAuthError
    ├── EnvironmentChoiceError      a person chose or typed a login host we cannot use
    │   ├── UnknownEnvironment
    │   └── InvalidDomain
    ├── OAuthFlowError              Salesforce refused an OAuth step (.error, .description)
    ├── SalesforceUnavailable       Salesforce could not be reached or answered 5xx
    └── ReconnectNeeded             the refresh token is dead: a person must connect again

Messages are safe to show and log: they never carry a token, code or secret.
"""

from __future__ import annotations


class SalesforceAuthError(Exception):
    """Base of every error raised by ``flask_sfsync.salesforce``'s OAuth and client code."""


class EnvironmentChoiceError(SalesforceAuthError, ValueError):
    """A person can fix this by choosing or typing something else."""


class OAuthFlowError(SalesforceAuthError):
    """Salesforce answered an OAuth request with an error (``access_denied``, ...)."""

    def __init__(self, error: str, description: str | None = None) -> None:
        self.error = error
        self.description = description or ""
        super().__init__(f"{error}: {self.description}" if description else error)


class SalesforceUnavailable(SalesforceAuthError):
    """Network error, timeout or a 5xx from Salesforce: worth retrying later."""


class ReconnectNeeded(SalesforceAuthError):
    """Salesforce refused the refresh token (``invalid_grant``) or no tokens are stored."""
