#!/usr/bin/env bash
# Build the static site the server serves from target/site (repo root, not
# $CARGO_TARGET_DIR):
#   target/site/pkg/lossless.js, lossless_bg.wasm, lossless.css + everything in public/
#
#   scripts/build-site.sh [profile]   # default: wasm-release
#
# Any profile but `dev` is run through wasm-opt (npm binaryen, never Debian's).
# A failing wasm-opt fails the build.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

PROFILE=${1:-wasm-release}
case "$PROFILE" in
dev | debug) PROFILE=dev PROFILE_DIR=debug ;;
*) PROFILE_DIR=$PROFILE ;;
esac

# leptos_axum looks for <output-name>_bg.wasm unless LEPTOS_OUTPUT_NAME was set
# when the server was compiled; we produce the _bg name, so keep it unset.
unset LEPTOS_OUTPUT_NAME

# Features rustc 1.95 enables for wasm32-unknown-unknown (`rustc --print cfg
# --target wasm32-unknown-unknown`): bulk-memory, multivalue, mutable-globals,
# nontrapping-fptoint, reference-types, sign-ext. LLVM's bulk-memory implies
# bulk-memory-opt and reference-types implies call-indirect-overlong. wasm-opt
# must allow exactly these: too few and validation fails, more and it may emit
# instructions rustc never asked for.
WASM_OPT_FEATURES=(
    --enable-bulk-memory
    --enable-bulk-memory-opt
    --enable-call-indirect-overlong
    --enable-multivalue
    --enable-mutable-globals
    --enable-nontrapping-float-to-int
    --enable-reference-types
    --enable-sign-ext
)

TARGET_DIR=$(cargo_target_dir)
WASM_IN="$TARGET_DIR/wasm32-unknown-unknown/$PROFILE_DIR/lossless_frontend.wasm"
STAGE="$ROOT/target/site.new"

ensure_tools() {
    local want have=""
    want=$(wasm_bindgen_wanted_version)
    have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}') || have=""
    if [[ "$have" != "$want" ]]; then
        "$ROOT/scripts/setup.sh" rust wasm-bindgen
    fi
    if [[ "$PROFILE" != dev && ! -x "$WASM_OPT" ]]; then
        "$ROOT/scripts/setup.sh" npm
    fi
}

build_wasm() {
    log "cargo build -p lossless-frontend --target wasm32-unknown-unknown --profile $PROFILE"
    cargo build -p lossless-frontend --target wasm32-unknown-unknown --profile "$PROFILE"
    [[ -f "$WASM_IN" ]] || die "cargo finished but $WASM_IN does not exist"
}

bindgen() {
    rm -rf "$STAGE"
    mkdir -p "$STAGE/pkg"
    wasm-bindgen --target web --no-typescript --out-dir "$STAGE/pkg" --out-name lossless "$WASM_IN"
    [[ -f "$STAGE/pkg/lossless.js" && -f "$STAGE/pkg/lossless_bg.wasm" ]] ||
        die "wasm-bindgen did not produce pkg/lossless.js and pkg/lossless_bg.wasm"
}

optimize() {
    local wasm="$STAGE/pkg/lossless_bg.wasm" before after
    before=$(stat -c %s "$wasm")
    "$WASM_OPT" -Oz "${WASM_OPT_FEATURES[@]}" "$wasm" -o "$wasm.opt"
    mv "$wasm.opt" "$wasm"
    after=$(stat -c %s "$wasm")
    log "wasm-opt -Oz: $before -> $after bytes"
}

assets() {
    # CSS: style/main.css first (if present), then the other style/*.css in name order.
    local css="$STAGE/pkg/lossless.css" f
    : >"$css"
    shopt -s nullglob
    [[ -f style/main.css ]] && cat style/main.css >>"$css"
    for f in style/*.css; do
        [[ "$f" == style/main.css ]] && continue
        printf '\n/* ---- %s ---- */\n' "$f" >>"$css"
        cat "$f" >>"$css"
    done
    shopt -u nullglob
    if [[ -d public ]]; then
        cp -a public/. "$STAGE/"
    fi
    # Precompressed copies: the server sends .br or .gz when the browser accepts them.
    # The widget's loader, frame script and style too (served by server/src/http/widget_frame.rs).
    local pkg
    shopt -s nullglob
    for pkg in "$STAGE"/pkg/*.wasm "$STAGE"/pkg/*.js "$STAGE"/pkg/*.css "$STAGE"/widget*.js "$STAGE"/widget*.css; do
        gzip -9 -k -f "$pkg"
        node -e 'const z=require("zlib"),fs=require("fs");const f=process.argv[1];fs.writeFileSync(f+".br",z.brotliCompressSync(fs.readFileSync(f),{params:{[z.constants.BROTLI_PARAM_QUALITY]:11,[z.constants.BROTLI_PARAM_SIZE_HINT]:fs.statSync(f).size}}))' "$pkg"
    done
    shopt -u nullglob
    # Swap in the new site in one go so no stale file from an older build survives.
    rm -rf "$SITE_DIR"
    mv "$STAGE" "$SITE_DIR"
}

report() {
    local f size gz br
    for f in lossless_bg.wasm lossless.js lossless.css; do
        size=$(stat -c %s "$SITE_DIR/pkg/$f")
        gz=$(stat -c %s "$SITE_DIR/pkg/$f.gz")
        br=$(stat -c %s "$SITE_DIR/pkg/$f.br")
        printf 'site: pkg/%-18s %9s bytes raw %9s gzip -9 %9s brotli (%s / %s / %s KiB)\n' \
            "$f" "$size" "$gz" "$br" "$((size / 1024))" "$((gz / 1024))" "$((br / 1024))" >&2
    done
}

step "site: tools" ensure_tools
step "site: cargo build frontend ($PROFILE)" build_wasm
step "site: wasm-bindgen" bindgen
if [[ "$PROFILE" != dev ]]; then
    step "site: wasm-opt -Oz" optimize
else
    log "profile dev: skipping wasm-opt"
fi
step "site: css + public/" assets
report
