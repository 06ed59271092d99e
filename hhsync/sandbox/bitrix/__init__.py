"""The Bitrix24 portal sandbox: many portals on one server, their CRM, REST envelope, batch, OAuth
and rate limits (``create_app`` in :mod:`.app`)."""
