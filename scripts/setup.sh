#!/usr/bin/env bash
# Idempotent setup: installs only what is missing.
#
#   scripts/setup.sh            # = rust wasm-bindgen npm (what `make run` needs)
#   scripts/setup.sh e2e        # Debian's chromium for the Playwright tests
#   scripts/setup.sh rust npm   # any subset of: rust wasm-bindgen npm e2e all
#
# Deliberately NOT installed: Debian's `binaryen` (v108 silently breaks the
# release WASM; wasm-opt comes from npm `binaryen` in end2end/), cargo-leptos
# (optional developer convenience, a 30+ minute install), mold (no RUSTFLAGS games).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

setup_rust() {
    command -v rustup >/dev/null 2>&1 || die "rustup not found; install Rust via rustup first"
    # Run inside the repo so rust-toolchain.toml selects the pinned toolchain
    # (rustup installs it on first use).
    local targets components
    targets=$(rustup target list --installed)
    if ! grep -qx 'wasm32-unknown-unknown' <<<"$targets"; then
        log "rustup target add wasm32-unknown-unknown"
        rustup target add wasm32-unknown-unknown
    else
        log "ok: rust target wasm32-unknown-unknown"
    fi
    local comp
    components=$(rustup component list --installed)
    for comp in clippy rustfmt; do
        if ! grep -q "^${comp}" <<<"$components"; then
            log "rustup component add $comp"
            rustup component add "$comp"
        fi
    done
}

setup_wasm_bindgen() {
    local want have=""
    want=$(wasm_bindgen_wanted_version)
    if command -v wasm-bindgen >/dev/null 2>&1; then
        have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}') || have=""
    fi
    if [[ "$have" == "$want" ]]; then
        log "ok: wasm-bindgen $have"
        return 0
    fi
    log "wasm-bindgen CLI is '${have:-missing}', need $want: cargo install (about 10 minutes on 2 cores)"
    # Without --locked: its lockfile names a webpki-roots version the registry here lacks.
    cargo install wasm-bindgen-cli --version "=$want"
    have=$(wasm-bindgen --version | awk '{print $2}')
    [[ "$have" == "$want" ]] || die "installed wasm-bindgen reports '$have', expected $want (is ~/.cargo/bin first on PATH?)"
}

NPM_STAMP="$E2E_DIR/node_modules/.lossless-install-stamp"

_npm_inputs_hash() {
    cat "$E2E_DIR/package.json" "$E2E_DIR/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1
}

_npm_up_to_date() {
    [[ -x "$WASM_OPT" && -x "$PLAYWRIGHT" && -d "$E2E_DIR/node_modules/ws" && -f "$NPM_STAMP" ]] || return 1
    [[ "$(cat "$NPM_STAMP")" == "$(_npm_inputs_hash)" ]]
}

setup_npm() {
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm
    local node_major
    node_major=$(node -p 'process.versions.node.split(".")[0]')
    ((node_major >= 20)) || die "node $(node --version) is too old: @playwright/test needs node >= 20"
    if _npm_up_to_date; then
        log "ok: end2end/node_modules up to date ($("$WASM_OPT" --version))"
        return 0
    fi
    # Playwright must never download its own browsers here: we use Debian's chromium.
    export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
    if [[ -f "$E2E_DIR/package-lock.json" ]]; then
        log "npm ci (end2end)"
        (cd "$E2E_DIR" && npm ci --no-audit --no-fund)
    else
        log "npm install (end2end)"
        (cd "$E2E_DIR" && npm install --no-audit --no-fund)
    fi
    [[ -x "$WASM_OPT" ]] || die "npm install did not provide $WASM_OPT"
    _npm_inputs_hash >"$NPM_STAMP"
    log "wasm-opt: $("$WASM_OPT" --version)"
}

setup_e2e() {
    if [[ -x "$CHROMIUM" ]]; then
        log "ok: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
        return 0
    fi
    log "installing Debian's chromium (about 2 minutes)"
    apt_install chromium
    [[ -x "$CHROMIUM" ]] || die "chromium installed but $CHROMIUM is missing"
}

main() {
    local what=("$@")
    ((${#what[@]})) || what=(rust wasm-bindgen npm)
    local w
    for w in "${what[@]}"; do
        case "$w" in
        rust) step "setup: rust targets" setup_rust ;;
        wasm-bindgen) step "setup: wasm-bindgen-cli" setup_wasm_bindgen ;;
        npm) step "setup: npm deps (end2end)" setup_npm ;;
        e2e) step "setup: chromium" setup_e2e ;;
        all)
            step "setup: rust targets" setup_rust
            step "setup: wasm-bindgen-cli" setup_wasm_bindgen
            step "setup: npm deps (end2end)" setup_npm
            step "setup: chromium" setup_e2e
            ;;
        *) die "unknown setup part '$w' (use: rust wasm-bindgen npm e2e all)" ;;
        esac
    done
}

main "$@"
