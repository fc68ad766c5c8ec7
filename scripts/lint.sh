#!/usr/bin/env bash
# `make lint`: formatting, clippy on the host workspace and on the wasm
# frontend, and a shell linter over the scripts.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

shell_lint() {
    if ! command -v shellcheck >/dev/null 2>&1; then
        log "shellcheck not installed (apt-get install shellcheck): skipping"
        return 0
    fi
    shellcheck -x scripts/*.sh .ci/run
}

step "cargo fmt --check" cargo fmt --all -- --check
# lossless-frontend is wasm32-only (see scripts/test.sh): host lint without it.
step "cargo clippy --workspace --exclude lossless-frontend --all-targets -- -D warnings" \
    cargo clippy --workspace --exclude lossless-frontend --all-targets -- -D warnings
step "cargo clippy -p lossless-frontend --target wasm32-unknown-unknown -- -D warnings" \
    cargo clippy -p lossless-frontend --target wasm32-unknown-unknown -- -D warnings
step "shellcheck" shell_lint
