"""flask-sfsync: a Salesforce integration for Flask contacts and CRM apps."""

from .config import ConfigurationError, Settings
from .db.tracking import queue_contacts
from .ext import SFSync
from .host import ContactAdapter
from .salesforce import ReconnectNeeded
from .state import SFSyncState, get_state

__version__ = "0.1.0.dev0"

__all__ = [
    "ConfigurationError",
    "ContactAdapter",
    "ReconnectNeeded",
    "SFSync",
    "SFSyncState",
    "Settings",
    "get_state",
    "queue_contacts",
]
