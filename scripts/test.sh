#!/usr/bin/env bash
# Lint, then the whole suite on SQLite, then on PostgreSQL when reachable (required under CI=true).
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
export LVZHI_TESTING=1 DJANGO_ALLOW_ASYNC_UNSAFE=true
PG_URL=${DATABASE_URL:-postgres://root@127.0.0.1:5432/test}
case "$PG_URL" in postgres*) ;; *) PG_URL=postgres://root@127.0.0.1:5432/test ;; esac

$VENV/bin/ruff check . || exit 1

echo "== SQLite =="
DATABASE_URL="sqlite:///$(pwd)/test-db.sqlite3" $VENV/bin/pytest -q "$@"
status=$?
[ $status -eq 0 ] || exit $status

if $VENV/bin/python - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL 不可达：{exc}")
    sys.exit(1)
PY
then
  echo "== PostgreSQL =="
  DATABASE_URL="$PG_URL" $VENV/bin/pytest -q --create-db "$@"
  exit $?
elif [ "${CI:-}" = "true" ]; then
  echo "CI 要求 PostgreSQL，但 $PG_URL 不可达。" >&2
  exit 1
else
  echo "跳过 PostgreSQL（不可达）。"
fi
