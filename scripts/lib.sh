# shellcheck shell=bash
# Shared helpers for the build/test scripts. Source it; do not run it.
#   ROOT            absolute path of the repository root
#   step NAME CMD…  run CMD under a timed header (summary printed on exit)
#   as_root CMD…    run as root (directly when root, else through sudo)
#   apt_install P…  apt-get install --no-install-recommends (apt-get update once per script)
#   cargo_target_dir  the directory cargo builds into (honours CARGO_TARGET_DIR)
#   on_exit CMD…    run CMD when the script exits (after the timing summary)
#   step_summary    print the timing summary now (e.g. before exec)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

# Never let the caller's RUSTFLAGS leak in: every script must build with the
# same flags or cargo rebuilds the whole tree (see TOOLCHAIN.md).
if [[ -n "${RUSTFLAGS:-}" ]]; then
    echo "warning: RUSTFLAGS is set in the environment ('${RUSTFLAGS}'); unsetting it so builds stay cache-compatible" >&2
    unset RUSTFLAGS
fi

log() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ---- timed steps ---------------------------------------------------------
_STEP_NAMES=()
_STEP_SECS=()
_STEP_CURRENT=""
_STEP_START=0
_SCRIPT_START=$SECONDS
_EXIT_HOOKS=()
# Scripts called from other scripts print their step headers but leave the
# timing summary to the outermost one.
_STEP_DEPTH=${LOSSLESS_STEP_DEPTH:-0}
export LOSSLESS_STEP_DEPTH=$((_STEP_DEPTH + 1))

on_exit() { _EXIT_HOOKS+=("$*"); }

step() {
    local name=$1
    shift
    _STEP_CURRENT=$name
    _STEP_START=$SECONDS
    printf '\n==> [%s] %s\n' "$(date +%H:%M:%S)" "$name" >&2
    "$@"
    local secs=$((SECONDS - _STEP_START))
    _STEP_NAMES+=("$name")
    _STEP_SECS+=("$secs")
    _STEP_CURRENT=""
    printf '<== %s: done in %ss\n' "$name" "$secs" >&2
}

_SUMMARY_DONE=0
step_summary() {
    ((_STEP_DEPTH == 0 && _SUMMARY_DONE == 0)) || return 0
    _SUMMARY_DONE=1
    if ((${#_STEP_NAMES[@]} > 1)) || [[ -n "$_STEP_CURRENT" && ${#_STEP_NAMES[@]} -gt 0 ]]; then
        printf '\n---- step timings (%s) ----\n' "$(basename "$0")" >&2
        local i
        for i in "${!_STEP_NAMES[@]}"; do
            printf '%6ss  %s\n' "${_STEP_SECS[$i]}" "${_STEP_NAMES[$i]}" >&2
        done
        [[ -n "$_STEP_CURRENT" ]] && printf '%6ss  %s (failed)\n' "$((SECONDS - _STEP_START))" "$_STEP_CURRENT" >&2
        printf '%6ss  total\n' "$((SECONDS - _SCRIPT_START))" >&2
    fi
}

_on_exit() {
    local rc=$? hook
    if [[ -n "$_STEP_CURRENT" ]]; then
        printf '\n!!! step "%s" FAILED (exit %s) after %ss\n' "$_STEP_CURRENT" "$rc" "$((SECONDS - _STEP_START))" >&2
    fi
    step_summary
    for hook in "${_EXIT_HOOKS[@]}"; do
        eval "$hook" || true
    done
    return "$rc"
}
trap _on_exit EXIT

# ---- root / apt ----------------------------------------------------------
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run: $* (not root and no sudo)"
    fi
}

_APT_UPDATED=0
apt_install() {
    if [[ $_APT_UPDATED -eq 0 ]]; then
        log "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >&2
        _APT_UPDATED=1
    fi
    log "apt-get install $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" </dev/null >&2
}

# ---- cargo ---------------------------------------------------------------
cargo_target_dir() {
    local dir
    # cargo metadata knows about CARGO_TARGET_DIR and .cargo/config.toml's build.target-dir.
    dir=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps 2>/dev/null |
        grep -o '"target_directory":"[^"]*"' | head -n1 | cut -d'"' -f4) || true
    if [[ -z "$dir" ]]; then
        dir=${CARGO_TARGET_DIR:-target}
        [[ "$dir" = /* ]] || dir="$ROOT/$dir"
    fi
    printf '%s\n' "$dir"
}

# The wasm-bindgen CLI must match the wasm-bindgen crate exactly.
wasm_bindgen_wanted_version() {
    local v=""
    if [[ -n "${WASM_BINDGEN_VERSION:-}" ]]; then
        v=$WASM_BINDGEN_VERSION
    elif [[ -f "$ROOT/Cargo.lock" ]]; then
        v=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")
    fi
    printf '%s\n' "${v:-0.2.130}"
}

SITE_DIR="$ROOT/target/site"
E2E_DIR="$ROOT/end2end"
WASM_OPT="$E2E_DIR/node_modules/.bin/wasm-opt"
PLAYWRIGHT="$E2E_DIR/node_modules/.bin/playwright"
CHROMIUM=/usr/bin/chromium
export SITE_DIR E2E_DIR WASM_OPT PLAYWRIGHT CHROMIUM
