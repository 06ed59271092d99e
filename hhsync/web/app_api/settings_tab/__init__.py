"""The «Настройки» tab, one module a job: the stage table (:mod:`.stages`), the required fields
hhsync leaves empty (:mod:`.required`), what a save may hold (:mod:`.validation`), the portal's
live choices (:mod:`.choices`), the import's progress (:mod:`.progress`) and the routes
(:mod:`.routes`). :mod:`hhsync.web.app_api.settings` is the tab's entry."""
