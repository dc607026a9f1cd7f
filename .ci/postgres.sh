# Start a throwaway PostgreSQL server on loopback for the store tests; sourced by .ci/run and usable by hand:
#   source .ci/postgres.sh && start_postgres   # exports MLFOOTPRINT_TEST_POSTGRES_URL
PG_PORT="${PG_PORT:-54329}"

start_postgres() {
  local bindir
  bindir=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  PG_DIR=$(mktemp -d /tmp/mlfootprint-pg.XXXXXX)
  local run_as=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PG_DIR"
    run_as=(runuser -u postgres --)
  fi
  "${run_as[@]}" "$bindir/initdb" -D "$PG_DIR/data" -U mlfp --auth=trust -E UTF8 >/dev/null
  "${run_as[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  "$bindir/createdb" -h 127.0.0.1 -p "$PG_PORT" -U mlfp mlfp_test
  export MLFOOTPRINT_TEST_POSTGRES_URL="postgresql://mlfp@127.0.0.1:$PG_PORT/mlfp_test"
  export PG_BINDIR="$bindir" PG_DIR
  echo "ci: PostgreSQL running at $MLFOOTPRINT_TEST_POSTGRES_URL"
}

stop_postgres() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    local run_as=()
    [ "$(id -u)" -eq 0 ] && run_as=(runuser -u postgres --)
    "${run_as[@]}" "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
