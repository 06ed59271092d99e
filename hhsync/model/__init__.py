"""The pure vocabulary and rules every layer shares: no I/O, no clock, the standard library only.

The database tables, the planner and the engine all speak of a negotiation's kind and status, its
lifecycle, its retry timing and how long a write can run at a portal. These live here, below all of
them, so that the database layer never imports the sync engine and the planner never imports the
tables (both are import contracts in ``pyproject.toml``).
"""
