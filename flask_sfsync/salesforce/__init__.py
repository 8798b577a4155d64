"""Talking to Salesforce: OAuth, identity, the client, the API with its one retry loop, SOQL,
describe, Collections and Bulk API 2.0 writes. Transport only: no Flask, no product rules.

Every error this package raises is in the one tree of :mod:`flask_sfsync.salesforce.errors`
(drawn there), re-exported here with the public API.
"""

from .api import POOL_SIZE, CacheKey, ClientSource, RetryPolicy, SalesforceApi
from .budget import DAY, ApiBudget, MemoryLedger, SpendLedger
from .client import ConnectionTokens, SalesforceClient, TokenStore
from .describe import DescribeCache, DescribeStore, FieldInfo, ObjectInfo, default_cache
from .environments import ENVIRONMENT_KINDS, Environment, resolve_environment
from .errors import (
    BudgetExhausted,
    ConnectionPaused,
    Disposition,
    EnvironmentChoiceError,
    InvalidDomain,
    OAuthFlowError,
    PermanentFailure,
    ReconnectNeeded,
    RecordError,
    RequestLimitExceeded,
    SalesforceError,
    SalesforceFailure,
    SessionExpired,
    TransientFailure,
    UnknownEnvironment,
    classify,
)
from .identity import Identity, fetch_identity
from .lanes import Lane
from .limits import ApiUsage
from .oauth import (
    AuthorizationRequest,
    OAuthSettings,
    TokenResponse,
    exchange_code,
    refresh_access_token,
    revoke_token,
    start_authorization,
)
from .writers import RecordWrite, WriteResult

__all__ = [
    "DAY",
    "ENVIRONMENT_KINDS",
    "POOL_SIZE",
    "ApiBudget",
    "ApiUsage",
    "AuthorizationRequest",
    "BudgetExhausted",
    "CacheKey",
    "ClientSource",
    "ConnectionPaused",
    "ConnectionTokens",
    "DescribeCache",
    "DescribeStore",
    "Disposition",
    "Environment",
    "EnvironmentChoiceError",
    "FieldInfo",
    "Identity",
    "InvalidDomain",
    "Lane",
    "MemoryLedger",
    "OAuthFlowError",
    "OAuthSettings",
    "ObjectInfo",
    "PermanentFailure",
    "ReconnectNeeded",
    "RecordError",
    "RecordWrite",
    "RequestLimitExceeded",
    "RetryPolicy",
    "SalesforceApi",
    "SalesforceClient",
    "SalesforceError",
    "SalesforceFailure",
    "SessionExpired",
    "SpendLedger",
    "TokenResponse",
    "TokenStore",
    "TransientFailure",
    "UnknownEnvironment",
    "WriteResult",
    "classify",
    "default_cache",
    "exchange_code",
    "fetch_identity",
    "refresh_access_token",
    "resolve_environment",
    "revoke_token",
    "start_authorization",
]
