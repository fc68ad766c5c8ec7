#!/usr/bin/env bash
# `make bench`: load numbers for the release server, on loopback only.
#
# Starts the release server (demo data, fresh SQLite database in a temp dir) on
# 127.0.0.1:$LOSSLESS_BENCH_PORT, then runs, each bounded in time:
#   1. HTTP: wrk (Debian) against BENCH_PATHS
#   2. every end2end/bench/*.mjs with node (e.g. the websocket latency bench),
#      given BENCH_URL=http://127.0.0.1:PORT
# and prints the server's RSS before and after.
#
# It does not build anything: build the release server first
# (cargo build --release -p lossless-server, or make run / make release).
#
# Env: LOSSLESS_BIN (default <cargo target dir>/release/lossless)
#      LOSSLESS_BENCH_PORT (3312)  BENCH_SECONDS (10)  BENCH_CONNECTIONS (32)
#      BENCH_PATHS ("/healthz /request")
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

BIN=${LOSSLESS_BIN:-"$(cargo_target_dir)/release/lossless"}
if [[ ! -x "$BIN" ]]; then
    die "bench binary not found: $BIN
       build it first: cargo build --release -p lossless-server   (or set LOSSLESS_BIN)"
fi
[[ -f "$SITE_DIR/pkg/lossless_bg.wasm" ]] || die "site not built: run make site first"

PORT=${LOSSLESS_BENCH_PORT:-3312}
BASE="http://127.0.0.1:$PORT"
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-32}
read -r -a PATHS <<<"${BENCH_PATHS:-/healthz /request}"
((SECS <= 120)) || die "BENCH_SECONDS must be at most 120"

TMP=$(mktemp -d /tmp/lossless-bench.XXXXXX)
SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
on_exit stop_server

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status"; }

start_server() {
    if curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null; then
        die "something already answers on $BASE; set LOSSLESS_BENCH_PORT"
    fi
    (cd "$TMP" && exec env LOSSLESS_ADDR="127.0.0.1:$PORT" \
        LOSSLESS_DATABASE_URL="sqlite://$TMP/bench.db?mode=rwc" \
        LOSSLESS_SITE_ROOT="$SITE_DIR" LOSSLESS_DEMO=1 \
        "$BIN" >"$TMP/server.log" 2>&1 </dev/null) &
    SERVER_PID=$!
    local i
    for ((i = 0; i < 120; i++)); do
        if curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null; then
            log "server up (pid $SERVER_PID), RSS $(rss_kib) KiB"
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; die "server exited"; }
        sleep 0.5
    done
    cat "$TMP/server.log" >&2
    die "server did not answer $BASE/healthz within 60 s"
}

http_bench() {
    command -v wrk >/dev/null 2>&1 || apt_install wrk
    local p
    for p in "${PATHS[@]}"; do
        log "wrk -t2 -c$CONNS -d${SECS}s --latency $BASE$p"
        wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$BASE$p"
    done
}

node_benches() {
    shopt -s nullglob
    local scripts=("$E2E_DIR"/bench/*.mjs) s
    shopt -u nullglob
    if ((${#scripts[@]} == 0)); then
        log "no node benches in end2end/bench/*.mjs"
        return 0
    fi
    [[ -d "$E2E_DIR/node_modules/ws" ]] || "$ROOT/scripts/setup.sh" npm
    for s in "${scripts[@]}"; do
        log "node $s"
        BENCH_URL="$BASE" BENCH_SECONDS="$SECS" timeout "$((SECS + 60))" node "$s"
    done
}

step "bench: start $BIN on $BASE" start_server
step "bench: http" http_bench
step "bench: node scripts" node_benches
log "server RSS after the benches: $(rss_kib) KiB"
