"""Everything that talks to hh.ru: the typed client, OAuth, paging, payload models, errors, budget.

Nothing here imports ``hhsync.db`` or ``hhsync.sync``: callers pass base URLs, the User-Agent,
limits and the token-store callback explicitly.
"""
