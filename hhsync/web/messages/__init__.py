"""The settings page's message catalogue, one module per area (see :mod:`hhsync.web.i18n`)."""
