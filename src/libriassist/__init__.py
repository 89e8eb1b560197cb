"""LibriAssist: a self-hosted, multi-tenant customer-support assistant."""

__version__ = "0.1.0"
