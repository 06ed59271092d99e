// The settings tab's script (hhsync.web.app_api.settings is its API).
