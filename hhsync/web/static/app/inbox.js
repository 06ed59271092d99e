// The inbox tab's script (hhsync.web.app_api.inbox is its API).
