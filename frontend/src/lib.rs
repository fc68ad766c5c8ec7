//! Browser entry point: hydrates the server-rendered page. Nothing else lives here.

// The app's largest views (the SLA calendars page) nest deeper than the default limit.
#![recursion_limit = "256"]

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the generated JS loader once the WASM module is instantiated.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(lossless_app::App);
}
