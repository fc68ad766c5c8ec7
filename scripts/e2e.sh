#!/usr/bin/env bash
# Playwright end-to-end tests against the debug server and the wasm-release site.
#
#   scripts/e2e.sh [playwright args…]     e.g. scripts/e2e.sh tests/smoke.spec.ts
#
# Env: E2E_SKIP_BUILD=1  use the already built site and server (make test does)
#      LOSSLESS_BIN      server binary (default: <cargo target dir>/debug/lossless)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

if [[ -z "${LOSSLESS_BIN:-}" ]]; then
    LOSSLESS_BIN="$(cargo_target_dir)/debug/lossless"
fi
export LOSSLESS_BIN

if [[ "${E2E_SKIP_BUILD:-0}" != 1 ]]; then
    step "e2e: setup" "$ROOT/scripts/setup.sh" rust wasm-bindgen npm e2e
    step "e2e: site (wasm-release)" "$ROOT/scripts/build-site.sh" wasm-release
    step "e2e: cargo build -p lossless-server (debug)" cargo build -p lossless-server
else
    step "e2e: setup" "$ROOT/scripts/setup.sh" npm e2e
fi

[[ -x "$LOSSLESS_BIN" ]] || die "server binary not found: $LOSSLESS_BIN (cargo build -p lossless-server)"
[[ -f "$SITE_DIR/pkg/lossless_bg.wasm" ]] || die "site not built: $SITE_DIR/pkg/lossless_bg.wasm missing (make site)"

# Fresh database dir for the server under test; removed after a pass, kept
# for a look after a failure.
LOSSLESS_E2E_TMP=$(mktemp -d /tmp/lossless-e2e.XXXXXX)
export LOSSLESS_E2E_TMP

run_playwright() {
    mkdir -p "$E2E_DIR/artifacts"
    cd "$E2E_DIR"
    if PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$PLAYWRIGHT" test "$@"; then
        rm -rf "$LOSSLESS_E2E_TMP"
    else
        local rc=$?
        log "e2e failed: server database kept in $LOSSLESS_E2E_TMP; traces in end2end/test-results/"
        return "$rc"
    fi
}
step "e2e: playwright ($LOSSLESS_BIN)" run_playwright "$@"
