#!/usr/bin/env bash
# Run a command with DATABASE_URL pointing at a fresh throw-away PostgreSQL database, dropped after.
set -euo pipefail
PGHOST=${PGHOST:-127.0.0.1}; PGPORT=${PGPORT:-5432}; PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER
if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
  # On our CI machines the server is installed but may have stopped.
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    sleep 2
  fi
fi
pg_isready -h "$PGHOST" -p "$PGPORT"
DB="civicgrid_tmp_$$_$(date +%s)"
psql -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$DB\""
cleanup() {
  psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" || true
  psql -q -d postgres -c "DROP DATABASE IF EXISTS \"test_$DB\" WITH (FORCE)" || true
  # pytest-xdist workers each get their own test database: test_<db>_gw0, test_<db>_gw1, …
  for extra in $(psql -Atq -d postgres -c "SELECT datname FROM pg_database WHERE datname LIKE 'test_${DB}_gw%'"); do
    psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$extra\" WITH (FORCE)" || true
  done
}
trap cleanup EXIT
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
echo "DATABASE_URL=$DATABASE_URL"
"$@"
