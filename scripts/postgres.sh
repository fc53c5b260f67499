#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on loopback for the tests (shared tuning studies), run by a non-root user.
# Usage: source scripts/postgres.sh   -> exports NOTEBOOKKIT_POSTGRES_URL and stops the cluster when the shell exits.
# Uses Debian's PostgreSQL (installed on fresh machines of this kind); prints a warning and does nothing without it.

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "warning: PostgreSQL server binaries not found; PostgreSQL storage tests will fail" >&2
  return 0 2>/dev/null || exit 0
fi

pg_dir=$(mktemp -d /tmp/nbkit-pg.XXXXXX)
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# initdb refuses to run as root: the cluster belongs to the postgres user (or nobody), in a folder of its own.
pg_user=$(id -un)
as_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  pg_user=$(getent passwd postgres >/dev/null && echo postgres || echo nobody)
  chown "$pg_user" "$pg_dir"
  as_pg() { runuser -u "$pg_user" -- "$@"; }
fi
as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U nbkit --auth=trust -E UTF8 >"$pg_dir/initdb.log" 2>&1 \
  || { echo "error: initdb failed, see $pg_dir/initdb.log" >&2; return 1 2>/dev/null || exit 1; }
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c max_connections=200" start >/dev/null \
  || { echo "error: PostgreSQL did not start, see $pg_dir/server.log" >&2; return 1 2>/dev/null || exit 1; }
"$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U nbkit nbkit_tests
export NOTEBOOKKIT_POSTGRES_URL="postgresql://nbkit@127.0.0.1:$pg_port/nbkit_tests"
nbkit_pg_stop() { as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1; rm -rf "$pg_dir"; }
trap nbkit_pg_stop EXIT
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port (cluster in $pg_dir)"
