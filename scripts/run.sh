#!/usr/bin/env bash
# `make run`: setup, build the site and the release server, then run it with
# demo data on the default address (LOSSLESS_ADDR, default 127.0.0.1:3000).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

step "setup" "$ROOT/scripts/setup.sh"
step "site (wasm-release)" "$ROOT/scripts/build-site.sh" wasm-release
step "cargo build --release -p lossless-server" cargo build --release -p lossless-server

BIN="$(cargo_target_dir)/release/lossless"
[[ -x "$BIN" ]] || die "server binary not found: $BIN"
mkdir -p "$ROOT/data"

export LOSSLESS_DEMO=1
export LOSSLESS_SITE_ROOT=${LOSSLESS_SITE_ROOT:-$SITE_DIR}
step_summary
unset LOSSLESS_STEP_DEPTH
log ""
log "starting $BIN with demo data on http://${LOSSLESS_ADDR:-127.0.0.1:3000}/  (Ctrl-C stops it)"
exec "$BIN"
