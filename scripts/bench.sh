#!/usr/bin/env bash
# `make bench`: measured figures (never timed tests), written into BENCHMARKS.md.
#
#   1. builds the site (wasm-release) and the release server + bench client;
#   2. durable intake through the HTTP API on SQLite and PostgreSQL at concurrency 1 and 32,
#      and request → hint latency on 500 agent websockets (server/examples/bench.rs);
#   2b. IMAP intake: 10,000 mails (BENCH_MAILS) APPENDed to bench@lossless.test on the test
#      mail servers (scripts/mail.sh), fetched by a release node into tickets, on SQLite and
#      PostgreSQL (bench --only-imap);
#   2c. rule evaluation per ticket with 200 rules (pure CPU, bench --only-rules);
#   2d. SLA: per-ticket recompute (pure CPU), then the sweep over 100,000 open tickets and the
#      catch-up of the due ones on SQLite and PostgreSQL (bench --only-sla);
#   2e. agent console at scale: the data generator fills SQLite and PostgreSQL with 1,000,000
#      tickets and ~5 M ru/en messages (BENCH_CONSOLE_TICKETS), then the queue page is timed
#      per view (bench --only-console);
#   2f. widget chat: 1,000 visitor websockets sending chat messages, messages/s and send → ack
#      latency on SQLite and PostgreSQL (bench --only-widget);
#   3. idle RSS of the release server (SQLite, demo data, 5 s after start), then the widget
#      iframe's time to interactive from a host page on another origin (node
#      end2end/bench-widget.mjs against that server) and the widget files' sizes;
#   4. WASM size raw and gzip.
# Everything runs on loopback and stops by itself.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

TARGET_DIR=$(cargo_target_dir)
BIN="$TARGET_DIR/release/lossless"
BENCH="$TARGET_DIR/release/examples/bench"
PORT=${LOSSLESS_BENCH_PORT:-3312}
BASE="http://127.0.0.1:$PORT"
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

build() {
    "$ROOT/scripts/setup.sh" rust wasm-bindgen npm
    "$ROOT/scripts/build-site.sh" wasm-release
    cargo build --release -p lossless-server --bin lossless --example bench
}

load() {
    local pg base_url db
    pg=$("$ROOT/scripts/pg.sh" | tail -n1)
    base_url=${pg%/*}
    db="bench_$(date +%s)"
    psql "$pg" -qc "CREATE DATABASE $db" >/dev/null
    timeout 900 "$BENCH" --pg "$base_url/$db" --out "$TMP/rows.md"
    psql "$pg" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
}

imap_load() {
    local pg base_url db
    "$ROOT/scripts/mail.sh" start >/dev/null
    pg=$("$ROOT/scripts/pg.sh" | tail -n1)
    base_url=${pg%/*}
    db="bench_imap_$(date +%s)"
    psql "$pg" -qc "CREATE DATABASE $db" >/dev/null
    timeout 1800 "$BENCH" --only-imap --pg "$base_url/$db" --out "$TMP/imap-rows.md"
    psql "$pg" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
}

rules_eval() {
    "$BENCH" --only-rules --out "$TMP/rules-rows.md"
}

sla_bench() {
    local pg base_url db
    pg=$("$ROOT/scripts/pg.sh" | tail -n1)
    base_url=${pg%/*}
    db="bench_sla_$(date +%s)"
    psql "$pg" -qc "CREATE DATABASE $db" >/dev/null
    timeout 1800 "$BENCH" --only-sla --pg "$base_url/$db" --out "$TMP/sla-rows.md"
    psql "$pg" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
}

console_bench() {
    local pg base_url db
    pg=$("$ROOT/scripts/pg.sh" | tail -n1)
    base_url=${pg%/*}
    db="bench_console_$(date +%s)"
    psql "$pg" -qc "CREATE DATABASE $db" >/dev/null
    timeout 5400 "$BENCH" --only-console --pg "$base_url/$db" --out "$TMP/console-rows.md"
    psql "$pg" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
}

widget_bench() {
    local pg base_url db
    pg=$("$ROOT/scripts/pg.sh" | tail -n1)
    base_url=${pg%/*}
    db="bench_widget_$(date +%s)"
    psql "$pg" -qc "CREATE DATABASE $db" >/dev/null
    timeout 1800 "$BENCH" --only-widget --pg "$base_url/$db" --out "$TMP/widget-rows.md"
    psql "$pg" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
}

idle_rss() {
    (cd "$TMP" && exec env LOSSLESS_ADDR="127.0.0.1:$PORT" \
        LOSSLESS_DATABASE_URL="sqlite://$TMP/idle.db" LOSSLESS_ADMIN_PASSWORD=bench-password \
        LOSSLESS_SITE_ROOT="$SITE_DIR" LOSSLESS_DEMO=1 "$BIN" >"$TMP/server.log" 2>&1 </dev/null) &
    SERVER_PID=$!
    local i
    for ((i = 0; i < 120; i++)); do
        curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; die "server exited"; }
        sleep 0.5
    done
    curl -fsS -o /dev/null "$BASE/agent/login"
    curl -fsS -o /dev/null "$BASE/request"
    sleep 5
    RSS_KIB=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")
    log "idle RSS: $RSS_KIB KiB"
}

# The widget as a visitor meets it: cold loads of a host page on 127.0.0.2 embedding the
# snippet, against the release server started by idle_rss (end2end/bench-widget.mjs).
widget_frame() {
    "$ROOT/scripts/setup.sh" e2e
    (cd "$ROOT/end2end" && LOSSLESS_URL="$BASE" LOSSLESS_ADMIN_EMAIL=admin@lossless.local \
        LOSSLESS_ADMIN_PASSWORD=bench-password BENCH_WIDGET_OUT="$TMP/widget-frame-rows.md" \
        node bench-widget.mjs)
}

wasm_size() {
    local w="$SITE_DIR/pkg/lossless_bg.wasm"
    WASM_RAW=$(stat -c %s "$w")
    WASM_GZ=$(gzip -9 -c "$w" | wc -c)
    WASM_BR=$(stat -c %s "$w.br")
    JS_GZ=$(gzip -9 -c "$SITE_DIR/pkg/lossless.js" | wc -c)
    log "wasm: $WASM_RAW bytes raw, $WASM_GZ gzip, $WASM_BR brotli (as served); js loader $JS_GZ gzip"
}

step "bench: build (site + release server + bench client)" build
step "bench: intake and live latency" load
step "bench: IMAP intake (10,000 mails)" imap_load
step "bench: rule evaluation (200 rules)" rules_eval
step "bench: SLA (recompute, sweep over 100,000 tickets)" sla_bench
step "bench: agent console at 1,000,000 tickets (generator, queue page)" console_bench
step "bench: widget chat (1,000 visitor websockets)" widget_bench
step "bench: idle RSS" idle_rss
step "bench: widget iframe (loader, time to interactive)" widget_frame
step "bench: wasm size" wasm_size

CPU=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
{
    sed -n '1,/^<!-- results -->$/p' BENCHMARKS.md
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($CPU), $(free -g | awk '/Mem:/ { print $2 }') GiB, release build."
    echo
    echo "| figure | throughput | latency / size |"
    echo "|---|---|---|"
    cat "$TMP/rows.md"
    cat "$TMP/imap-rows.md"
    cat "$TMP/rules-rows.md"
    cat "$TMP/sla-rows.md"
    cat "$TMP/console-rows.md"
    cat "$TMP/widget-rows.md"
    cat "$TMP/widget-frame-rows.md"
    echo "| idle RSS of the server (SQLite, demo data, after serving two pages) | — | $((RSS_KIB / 1024)) MiB ($RSS_KIB KiB) |"
    echo "| agent app WASM (wasm-release + wasm-opt -Oz) | — | $((WASM_RAW / 1024)) KiB raw, $((WASM_GZ / 1024)) KiB gzip, $((WASM_BR / 1024)) KiB brotli as served to browsers (+ $((JS_GZ / 1024)) KiB JS loader gzip) |"
} >"$TMP/BENCHMARKS.md"
mv "$TMP/BENCHMARKS.md" BENCHMARKS.md
log "BENCHMARKS.md updated"
cat BENCHMARKS.md
