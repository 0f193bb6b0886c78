#!/usr/bin/env bash
# Seed and measure at each size on SQLite and PostgreSQL; results in bench/results/ (gitignored).
#
#   bash bench/run_all.sh                                    # 10k, 100k, 1M on both
#   SIZES="10000 100000" DBS=sqlite bash bench/run_all.sh    # a subset
#
# SQLite runs in a fresh temporary RAPPORT_DATA_DIR; PostgreSQL in a dedicated database
# ($PG_DB, default rapport_bench) created and dropped here, never the one the tests use.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
SIZES=${SIZES:-"10000 100000 1000000"}
DBS=${DBS:-"sqlite postgresql"}
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
PG_DB=${PG_DB:-rapport_bench}
N=${N:-100}
OUT=bench/results

case "$PG_DB" in test | postgres | template*) echo "refusing to use database $PG_DB" >&2; exit 2 ;; esac
mkdir -p "$OUT"
unset DATABASE_URL

data=""
cleanup() {
    [ -n "$data" ] && rm -rf "$data"
    if [ -z "${KEEP_DB:-}" ] && [[ " $DBS " == *" postgresql "* ]]; then
        psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

for db in $DBS; do
    for size in $SIZES; do
        name="$db-$size"
        rm -f "$OUT/$name".*
        [ -n "$data" ] && rm -rf "$data"
        data=$(mktemp -d /tmp/rapport-bench.XXXXXX)
        mkdir -p "$data/static"  # keeps WhiteNoise quiet
        export RAPPORT_DATA_DIR="$data"
        if [ "$db" = postgresql ]; then
            psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" \
                -c "CREATE DATABASE $PG_DB" 2>&1 | grep -v "does not exist, skipping" || true
            export DATABASE_URL="$PG_SERVER/$PG_DB"
        else
            unset DATABASE_URL
        fi
        check=""
        [ "$size" -le 100000 ] && check="--check"
        echo "=== $name: seeding"
        $PY bench/seed.py --tickets "$size" $check | tee "$OUT/$name.seed.log"
        sed -n 's/^SEED_SECONDS=//p' "$OUT/$name.seed.log" > "$OUT/$name.seed"
        [ "$db" = sqlite ] && du -sh "$data"/rapport.sqlite3* | tee -a "$OUT/$name.seed.log"
        [ "$db" = postgresql ] && psql "$DATABASE_URL" -Atc \
            "SELECT 'database size: ' || pg_size_pretty(pg_database_size(current_database()))" \
            | tee -a "$OUT/$name.seed.log"
        echo "=== $name: measuring"
        $PY bench/measure.py --n "$N" --json "$OUT/$name.json" --label "$name" \
            | tee "$OUT/$name.measure.log"
    done
done

$PY bench/report.py "$OUT" | tee "$OUT/summary.md"
