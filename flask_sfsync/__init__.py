"""flask-sfsync: a Salesforce integration for Flask contacts and CRM apps."""

__version__ = "0.1.0.dev0"
