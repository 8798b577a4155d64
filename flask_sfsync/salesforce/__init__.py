"""Talking to Salesforce: OAuth, identity, the API client factory. No Flask imports here.

See :mod:`flask_sfsync.salesforce.exceptions` for the error tree.
"""

from .client import ConnectionTokens, SalesforceClient, TokenStore
from .environments import Environment, InvalidDomain, UnknownEnvironment, resolve_environment
from .exceptions import (
    EnvironmentChoiceError,
    OAuthFlowError,
    ReconnectNeeded,
    SalesforceAuthError,
    SalesforceUnavailable,
)
from .identity import Identity, fetch_identity
from .oauth import AuthorizationRequest, OAuthSettings, TokenResponse

__all__ = [
    "AuthorizationRequest",
    "ConnectionTokens",
    "Environment",
    "EnvironmentChoiceError",
    "Identity",
    "InvalidDomain",
    "OAuthFlowError",
    "OAuthSettings",
    "ReconnectNeeded",
    "SalesforceAuthError",
    "SalesforceClient",
    "SalesforceUnavailable",
    "TokenResponse",
    "TokenStore",
    "UnknownEnvironment",
    "fetch_identity",
    "resolve_environment",
]
