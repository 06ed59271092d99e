"""Persistence: tables, sessions, migrations and the tenant-scoped functions that use them."""
