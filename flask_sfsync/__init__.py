"""flask-sfsync: a Salesforce integration for Flask contacts and CRM apps."""

from .config import ConfigurationError
from .ext import SFSync
from .salesforce import ReconnectNeeded
from .state import SFSyncState, get_state

__version__ = "0.1.0.dev0"

__all__ = ["ConfigurationError", "ReconnectNeeded", "SFSync", "SFSyncState", "get_state"]
