#!/usr/bin/env bash
# Everything CI runs (`make test`, `.ci/run`):
#   setup → PostgreSQL → Postfix + Dovecot (selftest) → core builds for wasm32 → clippy -D warnings (host and
#   wasm frontend) → cargo test
#   (with LOSSLESS_TEST_PG_URL) → site (wasm-release) + debug server → Playwright.
# Debian's chromium is installed in the background while cargo works, if missing.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
mkdir -p "$ROOT/target/logs"

CHROMIUM_LOG="$ROOT/target/logs/setup-chromium.log"
CHROMIUM_PID=""

start_pg() {
    if [[ -n "${LOSSLESS_TEST_PG_URL:-}" ]]; then
        log "using LOSSLESS_TEST_PG_URL from the environment: $LOSSLESS_TEST_PG_URL"
    else
        LOSSLESS_TEST_PG_URL=$("$ROOT/scripts/pg.sh" | tail -n1)
        [[ "$LOSSLESS_TEST_PG_URL" == postgres://* ]] || die "scripts/pg.sh printed no URL"
        log "LOSSLESS_TEST_PG_URL=$LOSSLESS_TEST_PG_URL"
    fi
    export LOSSLESS_TEST_PG_URL
}

start_chromium_setup() {
    if [[ -x "$CHROMIUM" ]]; then
        log "ok: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
        return 0
    fi
    log "chromium missing: installing it in the background (log: $CHROMIUM_LOG)"
    "$ROOT/scripts/setup.sh" e2e >"$CHROMIUM_LOG" 2>&1 </dev/null &
    CHROMIUM_PID=$!
}

wait_chromium_setup() {
    [[ -n "$CHROMIUM_PID" ]] || return 0
    log "waiting for the background chromium install (pid $CHROMIUM_PID)"
    if ! wait "$CHROMIUM_PID"; then
        cat "$CHROMIUM_LOG" >&2
        die "installing chromium failed"
    fi
    tail -n 3 "$CHROMIUM_LOG" >&2
}

TARGET_DIR=$(cargo_target_dir)
log "cargo target dir: $TARGET_DIR; site dir: $SITE_DIR"

step "setup (rust targets, wasm-bindgen, npm)" "$ROOT/scripts/setup.sh" rust wasm-bindgen npm
step "postgresql" start_pg
step "mail servers (Postfix + Dovecot on 127.0.0.1) and their selftest" \
    bash -c '"$ROOT/scripts/mail.sh" start && python3 "$ROOT/scripts/mail-selftest.py"'
step "chromium (background install if missing)" start_chromium_setup
step "cargo check -p lossless --target wasm32-unknown-unknown" \
    cargo check -p lossless --target wasm32-unknown-unknown
# lossless-frontend is wasm32-only and turns on lossless-app/hydrate and
# leptos/hydrate: in a host build with --workspace, Cargo would unify those
# features into the ssr build of app and server. So the host steps leave it out
# and it is linted for wasm32, where it belongs.
step "cargo clippy --workspace --exclude lossless-frontend --all-targets -- -D warnings" \
    cargo clippy --workspace --exclude lossless-frontend --all-targets -- -D warnings
step "cargo clippy -p lossless-frontend --target wasm32-unknown-unknown -- -D warnings" \
    cargo clippy -p lossless-frontend --target wasm32-unknown-unknown -- -D warnings
cargo_test() {
    cargo test --workspace --exclude lossless-frontend 2>&1 | tee "$ROOT/target/logs/cargo-test.log"
}
step "cargo test --workspace --exclude lossless-frontend" cargo_test
step "site (wasm-release)" "$ROOT/scripts/build-site.sh" wasm-release
step "cargo build -p lossless-server (debug)" cargo build -p lossless-server
step "wait for chromium" wait_chromium_setup
e2e() {
    E2E_SKIP_BUILD=1 LOSSLESS_BIN="$TARGET_DIR/debug/lossless" "$ROOT/scripts/e2e.sh" 2>&1 |
        tee "$ROOT/target/logs/e2e.log"
}
step "e2e (Playwright)" e2e

# One closing line over both runners: cargo's "test result:" lines and
# Playwright's "N passed" / "N failed" / "N skipped" summary.
summary_line() {
    local c_passed c_failed c_skipped e2e_passed e2e_failed e2e_skipped
    read -r c_passed c_failed c_skipped < <(awk '/^test result: / {
            for (i = 1; i <= NF; i++) {
                if ($(i + 1) ~ /^passed;?$/) p += $i
                if ($(i + 1) ~ /^failed;?$/) f += $i
                if ($(i + 1) ~ /^ignored;?$/) s += $i
            } }
        END { printf "%d %d %d\n", p, f, s }' "$ROOT/target/logs/cargo-test.log")
    read -r e2e_passed e2e_failed e2e_skipped < <(awk '
        /^ +[0-9]+ passed/ { p += $1 }
        /^ +[0-9]+ (failed|flaky)/ { f += $1 }
        /^ +[0-9]+ (skipped|did not run)/ { s += $1 }
        END { printf "%d %d %d\n", p, f, s }' "$ROOT/target/logs/e2e.log")
    log ""
    log "make test: all steps passed (cargo test: $c_passed passed, e2e: $e2e_passed passed)"
    printf 'tests: %d passed, %d failed, %d skipped\n' \
        "$((c_passed + e2e_passed))" "$((c_failed + e2e_failed))" "$((c_skipped + e2e_skipped))"
}
step_summary
summary_line
