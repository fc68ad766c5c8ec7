/*! Lossless site widget loader (issue 7).
 *
 * Embed: <script src="https://HOST/widget.js" data-site="KEY" async></script>
 *
 * Invariants:
 * - Touches the host page only through `window.Lossless` and one element of its own
 *   (`<div data-lossless-widget>`), whose button and iframe live in a closed shadow root so
 *   neither the host's CSS nor ours leaks across.
 * - The visitor token lives in the host page's own localStorage (first-party), so blocking
 *   third-party cookies cannot lose the conversation; it reaches the iframe only by
 *   postMessage to the Lossless origin, never in a URL.
 * - Messages from the iframe are accepted only from the Lossless origin and that iframe.
 */
(function () {
  "use strict";
  if (window.Lossless && window.Lossless.version) return;
  var script = document.currentScript || document.querySelector("script[data-site][src*='widget.js']");
  if (!script) return;
  var site = script.getAttribute("data-site") || "";
  var host;
  try { host = new URL(script.src, location.href).origin; } catch (e) { return; }
  if (!/^[a-z0-9_-]{3,64}$/.test(site)) { warn("bad data-site"); return; }
  var key = "lossless:" + site + ":visitor";
  var box, root, button, badge, frame, ready = false, open = false, lastHref = "", queue = [];

  function warn(m) { if (window.console) console.warn("Lossless widget: " + m); }
  function token() {
    var t = null;
    try { t = localStorage.getItem(key); } catch (e) { /* storage blocked: session only */ }
    if (!t || !/^[0-9a-f]{32,128}$/.test(t)) {
      var b = new Uint8Array(16);
      crypto.getRandomValues(b);
      t = Array.prototype.map.call(b, function (x) { return (x < 16 ? "0" : "") + x.toString(16); }).join("");
      try { localStorage.setItem(key, t); } catch (e) { /* kept in memory for this page */ }
    }
    return t;
  }
  var visitor = token();

  function post(msg) {
    if (ready && frame && frame.contentWindow) frame.contentWindow.postMessage(msg, host);
    else queue.push(msg);
  }
  function page() {
    return { type: "lossless:page", url: location.href, title: document.title, referrer: document.referrer };
  }

  function build(cfg) {
    box = document.createElement("div");
    box.setAttribute("data-lossless-widget", "");
    root = box.attachShadow ? box.attachShadow({ mode: "closed" }) : box;
    var colour = /^#[0-9a-f]{6}$/.test(cfg.colour) ? cfg.colour : "#2563eb";
    var ink = cfg.text_colour === "#000000" ? "#000000" : "#ffffff";
    var style = document.createElement("style");
    style.textContent =
      ":host{all:initial}" +
      ".b{position:fixed;right:20px;bottom:20px;z-index:2147483646;width:56px;height:56px;border:0;border-radius:50%;" +
      "background:" + colour + ";color:" + ink + ";box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer;font:600 24px/56px sans-serif}" +
      ".b:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}" +
      ".n{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;border-radius:10px;background:#dc2626;color:#fff;font:600 12px/20px sans-serif;display:none}" +
      ".f{position:fixed;right:20px;bottom:88px;z-index:2147483647;width:380px;height:600px;max-height:calc(100vh - 108px);border:0;" +
      "border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);background:#fff;display:none}" +
      ".o .f{display:block}" +
      "@media (max-width:480px){.o .f{right:0;bottom:0;width:100vw;height:100vh;max-height:none;border-radius:0}.o .b{display:none}}";
    var wrap = document.createElement("div");
    button = document.createElement("button");
    button.className = "b";
    button.type = "button";
    button.setAttribute("aria-label", cfg.label || "Chat");
    button.setAttribute("aria-expanded", "false");
    button.textContent = "\u2709";
    badge = document.createElement("span");
    badge.className = "n";
    button.appendChild(badge);
    button.addEventListener("click", function () { api.toggle(); });
    frame = document.createElement("iframe");
    frame.className = "f";
    frame.title = cfg.label || "Chat";
    frame.setAttribute("allow", "clipboard-write");
    frame.src = host + "/widget/v1/frame/" + site + (cfg.lang ? "?lang=" + encodeURIComponent(cfg.lang) : "");
    wrap.appendChild(frame);
    wrap.appendChild(button);
    root.appendChild(style);
    root.appendChild(wrap);
    document.body.appendChild(box);
    box._wrap = wrap;
    window.addEventListener("message", onMessage);
    setInterval(function () {
      if (location.href !== lastHref) { lastHref = location.href; post(page()); }
    }, 1000);
  }

  function onMessage(e) {
    if (e.origin !== host || !frame || e.source !== frame.contentWindow) return;
    var m = e.data || {};
    if (m.type === "lossless:ready") {
      ready = true;
      frame.contentWindow.postMessage({ type: "lossless:init", site: site, token: visitor, open: open }, host);
      lastHref = location.href;
      frame.contentWindow.postMessage(page(), host);
      while (queue.length) frame.contentWindow.postMessage(queue.shift(), host);
    } else if (m.type === "lossless:unread") {
      var n = Math.max(0, Math.min(99, m.count | 0));
      badge.textContent = String(n);
      badge.style.display = n && !open ? "block" : "none";
    } else if (m.type === "lossless:close") {
      api.close();
    } else if (m.type === "lossless:token" && /^[0-9a-f]{32,128}$/.test(m.token || "")) {
      visitor = m.token;
      try { localStorage.setItem(key, visitor); } catch (err) { /* memory only */ }
    }
  }

  function setOpen(v) {
    open = v;
    if (!box) return;
    box._wrap.className = v ? "o" : "";
    button.setAttribute("aria-expanded", v ? "true" : "false");
    if (v) badge.style.display = "none";
    post({ type: "lossless:visibility", open: v });
    // Focus follows the widget: into the frame when it opens, back to the button when it closes.
    if (v) frame.focus();
    else if (document.activeElement === box || document.activeElement === frame) button.focus();
  }

  var api = {
    version: 1,
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    toggle: function () { setOpen(!open); }
  };
  window.Lossless = api;

  function start() {
    var x = new XMLHttpRequest();
    x.open("GET", host + "/widget/v1/site/" + site + "?lang=" + encodeURIComponent((navigator.language || "").slice(0, 2)));
    x.onload = function () {
      if (x.status !== 200) { warn("site not available here (" + x.status + ")"); return; }
      var cfg;
      try { cfg = JSON.parse(x.responseText); } catch (e) { warn("bad answer"); return; }
      build(cfg);
    };
    x.onerror = function () { warn("Lossless unreachable"); };
    x.send();
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
