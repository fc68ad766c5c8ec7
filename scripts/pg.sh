#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432 and a database for the tests exists.
#
# Prints the connection URL as the LAST line of stdout (everything else goes to
# stderr) and also writes it to target/pg-url:
#   LOSSLESS_TEST_PG_URL=$(scripts/pg.sh | tail -n1)
#
# Works with what is there: a running server (used as is), an installed but
# stopped cluster (started with pg_ctlcluster, no systemd), or nothing (apt
# installs Debian's postgresql). Login over TCP as postgres: trust when the
# cluster allows it (this machine), else password 'postgres' (set through the
# local peer login when needed, as on a fresh Debian install with scram).
#
# Env: LOSSLESS_PG_DB (default: test), LOSSLESS_PG_PORT (default: 5432). No variables named PGPORT/PGCLUSTER here:
# Debian's wrappers read those.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

DB_HOST=127.0.0.1
DB_PORT=${LOSSLESS_PG_PORT:-5432}
DB_NAME=${LOSSLESS_PG_DB:-test}
DB_PASSWORD=postgres
[[ "$DB_NAME" =~ ^[a-z_][a-z0-9_]*$ ]] || die "LOSSLESS_PG_DB must be a plain lower-case identifier, got '$DB_NAME'"

# libpq reads these; never let the caller's environment redirect us.
unset PGHOST PGHOSTADDR PGUSER PGDATABASE PGPASSWORD PGSERVICE PGSSLMODE PGOPTIONS

pg_ready() { pg_isready -q -h "$DB_HOST" -p "$DB_PORT" -t 2 >/dev/null 2>&1; }

wait_ready() {
    local i
    for ((i = 0; i < 60; i++)); do
        pg_ready && return 0
        sleep 0.5
    done
    return 1
}

install_postgres() {
    log "PostgreSQL is not installed: installing Debian's postgresql (about 40 s)"
    apt_install postgresql
}

start_cluster() {
    command -v pg_lsclusters >/dev/null 2>&1 || install_postgres
    # pg_lsclusters -h: "ver name port status owner datadir logfile"
    local ver name port status started=0
    if [[ -z "$(pg_lsclusters -h 2>/dev/null)" ]]; then
        ver=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | tail -n1)
        [[ -n "$ver" ]] || die "no PostgreSQL server version under /usr/lib/postgresql"
        log "no PostgreSQL cluster: pg_createcluster $ver main --port $DB_PORT"
        as_root pg_createcluster "$ver" main --port "$DB_PORT" >&2
    fi
    while read -r ver name port status _; do
        [[ "$port" == "$DB_PORT" ]] || continue
        if [[ "$status" == online* ]]; then
            log "cluster $ver/$name is online but not answering yet"
        else
            log "starting cluster $ver/$name (pg_ctlcluster --skip-systemctl-redirect $ver $name start)"
            as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >&2
        fi
        started=1
        break
    done < <(pg_lsclusters -h)
    ((started)) || die "no PostgreSQL cluster is configured for port $DB_PORT (see pg_lsclusters)"
}

# psql over TCP as postgres; $1 = password or empty. -w: never prompt.
psql_tcp() {
    local password=$1
    shift
    PGPASSWORD=$password PGCONNECT_TIMEOUT=5 psql -X -w -q -v ON_ERROR_STOP=1 \
        -h "$DB_HOST" -p "$DB_PORT" -U postgres -d postgres "$@"
}

# SQL on stdin, run over the local socket with peer authentication as the postgres OS user.
psql_peer() {
    if [[ $(id -u) -eq 0 ]]; then
        su postgres -c "cd / && psql -X -q -v ON_ERROR_STOP=1 -p $DB_PORT"
    elif command -v sudo >/dev/null 2>&1; then
        (cd / && sudo -u postgres psql -X -q -v ON_ERROR_STOP=1 -p "$DB_PORT")
    else
        die "need root or sudo to set the postgres password"
    fi
}

main() {
    if ! command -v pg_isready >/dev/null 2>&1; then
        install_postgres
    fi
    if pg_ready; then
        log "PostgreSQL answers on $DB_HOST:$DB_PORT"
    else
        start_cluster
        wait_ready || die "PostgreSQL did not come up on $DB_HOST:$DB_PORT (see /var/log/postgresql/)"
        log "PostgreSQL answers on $DB_HOST:$DB_PORT"
    fi

    local password
    if psql_tcp "" -Atc 'select 1' >/dev/null 2>&1; then
        password=""
        log "TCP login as postgres: trust"
    elif psql_tcp "$DB_PASSWORD" -Atc 'select 1' >/dev/null 2>&1; then
        password=$DB_PASSWORD
        log "TCP login as postgres: password"
    else
        log "TCP login as postgres failed: setting its password through the local peer login"
        psql_peer <<<"ALTER USER postgres PASSWORD '$DB_PASSWORD';" >&2
        psql_tcp "$DB_PASSWORD" -Atc 'select 1' >/dev/null ||
            die "still cannot log in as postgres over TCP; check pg_hba.conf for host 127.0.0.1/32"
        password=$DB_PASSWORD
        log "TCP login as postgres: password (just set)"
    fi

    if [[ "$(psql_tcp "$password" -Atc "select 1 from pg_database where datname = '$DB_NAME'")" != 1 ]]; then
        log "creating database $DB_NAME"
        psql_tcp "$password" -c "create database $DB_NAME" >&2
    else
        log "database $DB_NAME exists"
    fi

    local url
    if [[ -n "$password" ]]; then
        url="postgres://postgres:$password@$DB_HOST:$DB_PORT/$DB_NAME"
    else
        url="postgres://postgres@$DB_HOST:$DB_PORT/$DB_NAME"
    fi
    mkdir -p "$ROOT/target"
    printf '%s\n' "$url" >"$ROOT/target/pg-url"
    printf '%s\n' "$url"
}

main "$@"
