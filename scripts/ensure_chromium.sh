#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser tests (Playwright drives it through
# executable_path; no browser is ever downloaded by a test tool). Used by `make test` and .ci/run.
set -euo pipefail

BROWSER=${HHSYNC_CHROMIUM:-/usr/bin/chromium}

if [ -x "$BROWSER" ]; then
  exit 0
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "ensure_chromium: need root to run: $*" >&2; exit 1
  fi
}

echo "ensure_chromium: $BROWSER is missing; installing Debian's chromium package" >&2
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
if [ ! -x "$BROWSER" ]; then
  echo "ensure_chromium: chromium installed but $BROWSER is not executable" >&2
  exit 1
fi
