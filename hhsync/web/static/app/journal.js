// The journal tab's script (hhsync.web.app_api.journal is its API).
