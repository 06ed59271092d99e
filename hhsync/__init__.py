"""hhsync: hh.ru job responses into Bitrix24 CRM, exactly once."""

__version__ = "0.1.0"

__all__ = ["__version__"]
