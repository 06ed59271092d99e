#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 with trust auth for user postgres,
# installing and starting Debian's package if needed. Used by `make test` and .ci/run.
set -euo pipefail

HOST=${PGHOST_CHECK:-127.0.0.1}
PORT=${PGPORT_CHECK:-5432}

ready() { pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "ensure_postgres: need root to run: $*" >&2; exit 1
  fi
}

if command -v pg_isready >/dev/null 2>&1 && ready; then
  exit 0
fi

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  echo "ensure_postgres: PostgreSQL is not installed; installing Debian's postgresql package" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

version=$(ls /etc/postgresql | sort -V | tail -n 1)
if [ -z "$version" ]; then
  echo "ensure_postgres: no PostgreSQL cluster found under /etc/postgresql" >&2
  exit 1
fi
if ! pg_lsclusters -h | awk '{print $2}' | grep -qx main; then
  as_root pg_createcluster "$version" main
fi

# Local tests connect over TCP as postgres without a password (a throwaway, loopback-only server).
hba="/etc/postgresql/$version/main/pg_hba.conf"
if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
  as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
fi

as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
  || as_root pg_ctlcluster --skip-systemctl-redirect "$version" main restart

for _ in $(seq 1 60); do
  if ready; then exit 0; fi
  sleep 0.5
done
echo "ensure_postgres: PostgreSQL did not come up on $HOST:$PORT" >&2
exit 1
