/*! Lossless widget frame (issue 7): the page inside the loader's iframe.
 *
 * Served by server/src/http/widget_frame.rs, which puts the site key, the language, the
 * origins allowed to embed the frame and the texts (JSON) on <body>. Plain JS, no
 * dependencies; it talks to the JSON API under /widget/v1/<key>/ and its websocket.
 *
 * Invariants:
 * - postMessage: accepted only from the parent window whose origin is one of the site's
 *   origins; answered only to that origin. `lossless:ready` (no data) is the one message sent
 *   before the parent is known. Outside an iframe the frame keeps its own token.
 * - The visitor token is never put in a URL the browser shows or in storage of ours while
 *   embedded: it arrives by `lossless:init`, travels as `Authorization: Bearer` (and as the
 *   websocket's `?token=`), and a freshly minted one goes back by `lossless:token`.
 * - Every text from the server or the visitor is inserted as text (textContent), never as HTML.
 * - A message is sent once: it carries a client id, the server is idempotent on it, and the
 *   HTTP fallback after a lost websocket reuses the same id.
 * - Live traffic is a convenience: after a reconnect the frame resyncs with /session.
 */
(function () {
  "use strict";
  var body = document.body;
  var key = body.getAttribute("data-key") || "";
  var lang = body.getAttribute("data-lang") || "ru";
  var origins = (body.getAttribute("data-origins") || "").split(" ").filter(Boolean);
  var T = {};
  try { T = JSON.parse(body.getAttribute("data-t") || "{}"); } catch (e) { T = {}; }
  var base = "/widget/v1/" + key;
  var embedded = window.parent !== window;
  var main = document.getElementById("main");
  var statusEl = document.getElementById("status");
  var ownKey = "lossless:" + key + ":visitor";

  var st = {
    parent: null, token: null, open: !embedded, started: false, session: null,
    view: "", prev: "", msgs: [], pending: {}, unread: 0, page: null,
    ws: null, wsUp: false, everUp: false, tries: 0, typingAt: 0, typingTimer: 0, resync: 0,
    answers: [], files: [], dirty: false
  };
  var ui = {};

  function t(k, n) { var s = T[k] || k; return n === undefined ? s : s.replace("{n}", n); }
  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    if (attrs) for (var a in attrs) {
      if (!Object.prototype.hasOwnProperty.call(attrs, a) || attrs[a] == null || attrs[a] === false) continue;
      if (a === "text") el.textContent = attrs[a];
      else if (a.slice(0, 2) === "on") el.addEventListener(a.slice(2), attrs[a]);
      else el.setAttribute(a, attrs[a] === true ? "" : attrs[a]);
    }
    (kids || []).forEach(function (k) { if (k) el.appendChild(typeof k === "string" ? document.createTextNode(k) : k); });
    return el;
  }
  // A paperclip (inline SVG: no emoji font needed), decorative.
  function clip() {
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg"), p = document.createElementNS(ns, "path");
    svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("width", "18"); svg.setAttribute("height", "18"); svg.setAttribute("aria-hidden", "true");
    p.setAttribute("d", "M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7");
    p.setAttribute("fill", "none"); p.setAttribute("stroke", "currentColor"); p.setAttribute("stroke-width", "2"); p.setAttribute("stroke-linecap", "round");
    svg.appendChild(p);
    return svg;
  }
  function say(text) { statusEl.textContent = text || ""; statusEl.hidden = !text; }
  function rid() {
    var b = new Uint8Array(12);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x < 16 ? "0" : "") + x.toString(16); }).join("");
  }
  function toParent(msg) {
    if (embedded && st.parent) window.parent.postMessage(msg, st.parent);
  }

  // ---- HTTP ----
  function api(method, path, data, form) {
    var headers = {};
    if (st.token) headers.Authorization = "Bearer " + st.token;
    if (data && !form) headers["Content-Type"] = "application/json";
    return fetch(base + path, {
      method: method, headers: headers, credentials: "omit",
      body: data ? (form ? data : JSON.stringify(data)) : undefined
    }).then(function (r) {
      return r.text().then(function (txt) {
        var j = null;
        try { j = txt ? JSON.parse(txt) : null; } catch (e) { j = null; }
        if (!r.ok) { var err = new Error("http " + r.status); err.status = r.status; err.body = j || {}; throw err; }
        return j;
      });
    });
  }
  function errText(e) {
    if (e && e.status === 413) return t("err_too_large");
    if (e && e.status === 429) return t("err_rate");
    return t("failed");
  }
  function upload(file) {
    var fd = new FormData();
    fd.append("file", file, file.name || "screenshot.png");
    return api("POST", "/attachments", fd, true);
  }

  // ---- session ----
  function setToken(tok) {
    if (!tok || tok === st.token) return;
    st.token = tok;
    if (embedded) toParent({ type: "lossless:token", token: tok });
    else try { localStorage.setItem(ownKey, tok); } catch (e) { /* memory only */ }
  }
  function start() {
    if (st.started) return;
    st.started = true;
    loadSession(true);
  }
  function loadSession(first) {
    return api("POST", "/session", { token: st.token, lang: lang, page: st.page }).then(function (s) {
      setToken(s.token);
      st.session = s;
      st.tries = 0;
      mergeThread(s.thread, first);
      say(st.wsUp || !st.everUp ? "" : t("reconnecting"));
      var want = decide();
      if (first || (want !== st.view && !st.dirty && st.view !== "callback" && st.view !== "sent")) show(want);
      else refresh();
      if (s.thread || st.open) connect();
    }, function (e) {
      if (e && e.status === 401 && st.token) { st.token = null; }
      say(t("unavailable"));
      setTimeout(function () { loadSession(first); }, backoff());
    });
  }
  function backoff() {
    var d = Math.min(30000, 1000 * Math.pow(2, st.tries++));
    return d / 2 + Math.random() * d / 2;
  }
  function decide() {
    var s = st.session;
    if (!s) return "";
    if (s.thread) return "chat";
    if (!s.offer.chat) return "request";
    if (s.bot && !s.bot.done && s.bot.steps && s.bot.steps.length) return "bot";
    return "chat";
  }
  // `quiet`: what the visitor saw before (the first load) is not unread.
  function mergeThread(th, quiet) {
    if (!th) return;
    (th.messages || []).forEach(function (m) { addMsg(m, quiet); });
  }

  // ---- websocket ----
  function connect() {
    if (st.ws || !st.token) return;
    var ws;
    try {
      // `after`: the server pushes what came after the last message shown (the gap since /session).
      var last = st.msgs.length ? st.msgs[st.msgs.length - 1].id : null;
      ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + base + "/ws?token=" +
        encodeURIComponent(st.token) + (last != null ? "&after=" + encodeURIComponent(last) : ""));
    } catch (e) { return; }
    st.ws = ws;
    ws.onopen = function () {
      var again = st.everUp;
      st.wsUp = true; st.everUp = true; st.tries = 0;
      say("");
      if (st.page) wsSend({ type: "page", url: st.page.url, title: st.page.title });
      if (st.open) wsSend({ type: "seen" });
      for (var c in st.pending) if (st.pending[c].state === "sending") sendPending(c);
      if (again) loadSession(false);
    };
    ws.onmessage = function (e) {
      var m;
      try { m = JSON.parse(e.data); } catch (x) { return; }
      onServer(m || {});
    };
    ws.onclose = function () {
      st.ws = null; st.wsUp = false;
      if (st.view === "chat") say(t("reconnecting"));
      setTimeout(connect, backoff());
    };
  }
  function wsSend(m) {
    if (st.ws && st.wsUp) { try { st.ws.send(JSON.stringify(m)); return true; } catch (e) { return false; } }
    return false;
  }
  function onServer(m) {
    if (m.type === "message" && m.message) addMsg(m.message);
    else if (m.type === "ack" && m.message) { settle(m.client_id, m.message); }
    else if (m.type === "error" && m.client_id && st.pending[m.client_id]) fail(m.client_id, m.error === "too_large" ? t("err_too_large") : t("failed"));
    else if (m.type === "typing") typing(!!m.on);
    else if (m.type === "status" && st.session && st.session.thread) st.session.thread.status = m.status;
    else if (m.type === "offer" && m.offer && st.session) {
      st.session.offer = m.offer;
      var want = decide();
      if (want !== st.view && !st.dirty && st.view !== "callback" && st.view !== "sent") show(want);
      else refresh();
    }
  }

  // ---- messages ----
  function addMsg(msg, quiet) {
    if (!msg || msg.id == null) return;
    for (var i = 0; i < st.msgs.length; i++) if (st.msgs[i].id === msg.id) return;
    if (msg.from_visitor) {
      // Our own message echoed before its ack: it replaces the pending copy.
      for (var c in st.pending) {
        var p = st.pending[c];
        if (p.state === "sending" && p.body === msg.body) { clearTimeout(p.timer); delete st.pending[c]; break; }
      }
    }
    st.msgs.push(msg);
    st.msgs.sort(function (a, b) { return a.id - b.id; });
    if (!st.session) return;
    if (!st.session.thread) st.session.thread = { number: "", status: "new", messages: [] };
    // The first message created the conversation: learn its number.
    if (!st.session.thread.number && !st.resync) st.resync = setTimeout(function () { st.resync = 0; loadSession(false); }, 200);
    if (!msg.from_visitor && !quiet) {
      typing(false);
      if (!st.open || document.hidden) { st.unread++; toParent({ type: "lossless:unread", count: st.unread }); }
      else wsSend({ type: "seen" });
    }
    if (st.view === "chat") drawLog();
    else if (st.view === "bot" || st.view === "request") { if (!st.dirty) show("chat"); }
  }
  function settle(cid, msg) {
    var p = st.pending[cid];
    if (p) { clearTimeout(p.timer); delete st.pending[cid]; }
    addMsg(msg);
    if (st.view === "chat") drawLog();
  }
  function fail(cid, why) {
    var p = st.pending[cid];
    if (!p) return;
    clearTimeout(p.timer);
    p.state = "failed"; p.error = why;
    if (st.view === "chat") drawLog();
  }
  function sendPending(cid) {
    var p = st.pending[cid];
    if (!p) return;
    p.state = "sending";
    clearTimeout(p.timer);
    var payload = { body: p.body, client_id: cid, attachments: p.files.map(function (f) { return f.id; }) };
    var viaWs = wsSend({ type: "send", body: payload.body, client_id: cid, attachments: payload.attachments });
    // The server is idempotent on client_id, so the HTTP fallback cannot duplicate.
    p.timer = setTimeout(function () {
      api("POST", "/messages", payload).then(function (msg) { settle(cid, msg); }, function (e) { fail(cid, errText(e)); });
    }, viaWs ? 6000 : 0);
  }
  function send(text, files) {
    var cid = rid();
    st.pending[cid] = { body: text, files: files, state: "sending", at: new Date().toISOString() };
    sendPending(cid);
    drawLog();
  }
  function typing(on) {
    if (!ui.typing) return;
    clearTimeout(st.typingTimer);
    ui.typing.hidden = !on;
    if (on) st.typingTimer = setTimeout(function () { if (ui.typing) ui.typing.hidden = true; }, 8000);
  }
  function clock(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    try { return d.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }); } catch (e) { return ""; }
  }
  function size(n) {
    n = n | 0;
    return n < 1024 ? n + " B" : n < 1048576 ? Math.round(n / 1024) + " KB" : (n / 1048576).toFixed(1) + " MB";
  }
  function download(e) {
    e.preventDefault();
    var a = e.currentTarget;
    fetch(a.getAttribute("href"), { headers: { Authorization: "Bearer " + st.token }, credentials: "omit" })
      .then(function (r) { if (!r.ok) throw new Error("http"); return r.blob(); })
      .then(function (b) {
        var u = URL.createObjectURL(b);
        var d = h("a", { href: u, download: a.getAttribute("data-name") || "file" });
        document.body.appendChild(d); d.click(); d.remove();
        setTimeout(function () { URL.revokeObjectURL(u); }, 10000);
      }, function () { say(t("failed")); });
  }
  function bubble(mine, who, text, at, atts, extra) {
    var list = (atts || []).map(function (a) {
      var name = a.url ? h("a", { href: a.url, "data-name": a.name, onclick: download }, [a.name]) : h("span", { text: a.name });
      return h("li", null, [name, " ", h("span", { class: "sz", text: size(a.size) })]);
    });
    return h("li", { class: "m " + (mine ? "v" : "a") + (extra ? " " + extra : ""), "data-testid": "wf-msg", "data-mine": mine ? "1" : "0" }, [
      h("span", { class: "who", text: who }),
      text ? h("div", { class: "b", text: text }) : null,
      list.length ? h("ul", { class: "att" }, list) : null,
      at ? h("time", { datetime: at, text: clock(at) }) : null
    ]);
  }
  function drawLog() {
    if (!ui.log) return;
    ui.log.textContent = "";
    st.msgs.forEach(function (m) {
      ui.log.appendChild(bubble(m.from_visitor, m.from_visitor ? t("you") : (m.author || t("support")), m.body, m.at, m.attachments));
    });
    Object.keys(st.pending).forEach(function (cid) {
      var p = st.pending[cid];
      var li = bubble(true, t("you"), p.body, p.at, p.files.map(function (f) { return { name: f.name, size: f.size, url: null }; }), p.state === "failed" ? "failed" : "pending");
      if (p.state === "failed") {
        li.appendChild(h("button", { type: "button", class: "retry", text: p.error || t("failed"), onclick: function () { sendPending(cid); drawLog(); } }));
      }
      ui.log.appendChild(li);
    });
    var th = st.session && st.session.thread;
    if (ui.no) ui.no.textContent = th && th.number ? t("thread", th.number) : "";
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  // ---- views ----
  function show(view) {
    st.prev = st.view === "callback" ? st.prev : st.view;
    st.view = view;
    st.dirty = false;
    ui = {};
    main.textContent = "";
    if (view === "chat") chatView();
    else if (view === "bot") botView();
    else if (view === "request") requestView();
    else if (view === "callback") callbackView();
    if (st.open) focusFirst();
  }
  function refresh() {
    if (st.view === "chat") { drawLog(); offlineNote(); }
    if (ui.cb) ui.cb.hidden = !(st.session && st.session.offer.callback);
  }
  function focusFirst() {
    var el = main.querySelector("textarea, input:not([type=file]), button.primary");
    if (el) try { el.focus({ preventScroll: true }); } catch (e) { el.focus(); }
  }
  function footer() {
    ui.cb = h("button", { type: "button", class: "link", "data-testid": "wf-callback-open", text: t("callback_open"), onclick: function () { show("callback"); } });
    ui.cb.hidden = !(st.session && st.session.offer.callback);
    return h("div", { class: "foot" }, [ui.cb]);
  }
  function offlineNote() {
    if (!ui.note) return;
    var o = st.session && st.session.offer;
    ui.note.textContent = o && !o.chat ? reason(o.offline) : "";
    ui.note.hidden = !(o && !o.chat);
  }
  function reason(r) {
    return r === "outside_hours" ? t("offline_hours") : r === "nobody_available" ? t("offline_nobody") : t("offline_chat_off");
  }
  function fieldBox(name, label, control, hint) {
    control.id = "f-" + name;
    control.name = name;
    control.setAttribute("aria-describedby", "e-" + name);
    return h("div", { class: "fld", "data-f": name }, [
      h("label", { for: control.id, text: label }), control,
      hint ? h("small", { class: "hint", text: hint }) : null,
      h("span", { class: "err", id: "e-" + name, "data-testid": "wf-err-" + name })
    ]);
  }
  function showErrors(form, fields) {
    var first = null, general = [];
    Array.prototype.forEach.call(form.querySelectorAll(".err"), function (e) { e.textContent = ""; });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (e) { e.removeAttribute("aria-invalid"); });
    for (var f in fields || {}) {
      var code = (fields[f] || [])[0] || "invalid";
      var text = code === "failed" ? t("failed") : T["err_" + code] || t("err_invalid");
      var box = form.querySelector("[data-f='" + f.replace(/[^a-z0-9_.]/gi, "") + "']");
      if (box) {
        box.querySelector(".err").textContent = text;
        var c = box.querySelector("input, textarea");
        if (c) { c.setAttribute("aria-invalid", "true"); first = first || c; }
      } else general.push(text);
    }
    var g = form.querySelector(".gerr");
    if (g) g.textContent = general.join(" ");
    if (first) first.focus();
  }
  function submitForm(form, path, payload, done) {
    var btn = form.querySelector("button[type=submit]");
    btn.disabled = true;
    api("POST", path, payload).then(function (r) {
      st.dirty = false;
      done(r);
    }, function (e) {
      btn.disabled = false;
      if (e.status === 422) showErrors(form, e.body.fields);
      else showErrors(form, { _: [e.status === 429 ? "rate" : "failed"] });
    });
  }

  function chatView() {
    ui.no = h("p", { class: "no", "data-testid": "wf-thread" });
    ui.note = h("p", { class: "note", "data-testid": "wf-offline-note" });
    ui.log = h("ol", { class: "log", role: "log", "aria-live": "polite", "data-testid": "wf-log" });
    ui.typing = h("p", { class: "typing", "data-testid": "wf-typing", text: t("typing"), hidden: true });
    var area = h("textarea", { rows: "2", "data-testid": "wf-composer", placeholder: t("composer") });
    var chips = h("ul", { class: "chips", "data-testid": "wf-chips" });
    var file = h("input", { type: "file", class: "sr", multiple: true, "data-testid": "wf-attach" });
    var err = h("p", { class: "gerr", role: "alert" });
    var files = [];
    function drawChips() {
      chips.textContent = "";
      files.forEach(function (f, i) {
        chips.appendChild(h("li", null, [
          f.id ? f.name : t("uploading"), " ",
          h("button", { type: "button", class: "rm", "aria-label": t("remove_file", f.name), text: "\u00d7", onclick: function () { files.splice(i, 1); drawChips(); } })
        ]));
      });
    }
    function addFiles(list) {
      Array.prototype.forEach.call(list, function (fl) {
        var entry = { name: fl.name || "screenshot.png", size: fl.size, id: null };
        files.push(entry);
        err.textContent = "";
        upload(fl).then(function (r) { entry.id = r.id; entry.name = r.name || entry.name; drawChips(); }, function (e) {
          files.splice(files.indexOf(entry), 1);
          err.textContent = errText(e);
          drawChips();
        });
      });
      drawChips();
    }
    file.addEventListener("change", function () { addFiles(file.files); file.value = ""; });
    area.addEventListener("paste", function (e) {
      var items = (e.clipboardData && e.clipboardData.files) || [];
      if (items.length) { e.preventDefault(); addFiles(items); }
    });
    area.addEventListener("input", function () {
      var now = Date.now();
      if (now - st.typingAt > 2500 && area.value.trim()) { st.typingAt = now; wsSend({ type: "typing" }); }
    });
    var form = h("form", { class: "composer", "data-testid": "wf-chat-form" }, [
      h("label", { for: "c-body", class: "sr", text: t("composer") }), area,
      h("label", { class: "att-btn", title: t("attach") }, [file, clip(), h("span", { class: "sr", text: t("attach") })]),
      h("button", { type: "submit", class: "primary", "data-testid": "wf-send", text: t("send") })
    ]);
    area.id = "c-body";
    area.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit")); }
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = area.value.trim();
      if (files.some(function (f) { return !f.id; })) return;
      if (!text && !files.length) return;
      send(text, files.slice());
      files.length = 0; drawChips();
      area.value = "";
      st.typingAt = 0;
      connect();
    });
    main.appendChild(ui.no);
    main.appendChild(ui.note);
    main.appendChild(ui.log);
    main.appendChild(ui.typing);
    main.appendChild(chips);
    main.appendChild(err);
    main.appendChild(form);
    main.appendChild(footer());
    offlineNote();
    drawLog();
  }

  function botView() {
    var steps = st.session.bot.steps;
    st.answers = [];
    ui.log = h("ol", { class: "log", role: "log", "aria-live": "polite", "data-testid": "wf-bot-log" });
    ui.step = h("div", { class: "step" });
    main.appendChild(ui.log);
    main.appendChild(ui.step);
    main.appendChild(footer());
    botStep(steps, 0, null);
  }
  function botStep(steps, i, error) {
    ui.log.textContent = "";
    st.answers.slice(0, i).forEach(function (a, k) {
      ui.log.appendChild(bubble(false, "", steps[k].prompt, null, null, "bot"));
      ui.log.appendChild(bubble(true, t("you"), a.kind === "skip" ? "\u2014" : a.shown, null, null, null));
    });
    ui.step.textContent = "";
    if (i >= steps.length) { finishBot(steps, false); return; }
    var s = steps[i];
    ui.log.appendChild(bubble(false, "", s.prompt, null, null, "bot"));
    ui.log.scrollTop = ui.log.scrollHeight;
    var control;
    if (s.ask === "screenshot") control = h("input", { type: "file", accept: "image/*,application/pdf", "data-testid": "wf-bot-file" });
    else if (s.ask === "order_number") control = h("input", { type: "text", autocomplete: "off", maxlength: "40", "data-testid": "wf-bot-answer" });
    else control = h("textarea", { rows: "3", "data-testid": "wf-bot-answer" });
    var form = h("form", { class: "form", "data-testid": "wf-bot-form", "data-step": s.key }, [
      fieldBox(s.key, s.ask === "screenshot" ? t("file") : t("bot_answer"), control),
      h("p", { class: "gerr", role: "alert" }),
      h("div", { class: "row" }, [
        h("button", { type: "submit", class: "primary", "data-testid": "wf-bot-next", text: t("bot_next") }),
        s.required ? null : h("button", { type: "button", "data-testid": "wf-bot-skip", text: t("bot_skip"), onclick: function () {
          st.answers[i] = { key: s.key, kind: "skip", value: null, shown: "" };
          st.answers.length = i + 1;
          botStep(steps, i + 1, null);
        } }),
        h("button", { type: "button", class: "link", "data-testid": "wf-bot-person", text: t("bot_person"), onclick: function () { st.answers.length = i; finishBot(steps, true); } })
      ])
    ]);
    control.addEventListener("input", function () { st.dirty = true; });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var btn = form.querySelector("button[type=submit]");
      if (s.ask === "screenshot") {
        var f = control.files && control.files[0];
        if (!f) { showErrors(form, mk(s.key, "required")); return; }
        btn.disabled = true;
        showErrors(form, {});
        upload(f).then(function (r) {
          st.answers[i] = { key: s.key, kind: "screenshot", value: r.id, shown: r.name || f.name };
          st.answers.length = i + 1;
          botStep(steps, i + 1, null);
        }, function (er) { btn.disabled = false; showErrors(form, mk(s.key, er.status === 413 ? "too_large" : "failed")); });
        return;
      }
      var v = control.value.trim();
      if (!v) { showErrors(form, mk(s.key, "required")); return; }
      st.answers[i] = { key: s.key, kind: s.ask, value: v, shown: v };
      st.answers.length = i + 1;
      botStep(steps, i + 1, null);
    });
    ui.step.appendChild(form);
    if (error) showErrors(form, mk(s.key, error));
    if (st.open) focusFirst();
  }
  function mk(k, code) { var o = {}; o[k] = [code]; return o; }
  function finishBot(steps, handed) {
    ui.step.textContent = "";
    say(t("loading"));
    var answers = st.answers.map(function (a) { return { key: a.key, kind: a.kind, value: a.value }; });
    api("POST", "/bot", { answers: answers, handed_over: handed }).then(function (thread) {
      say("");
      st.dirty = false;
      st.session.thread = thread;
      st.session.bot.done = true;
      mergeThread(thread);
      show("chat");
      connect();
    }, function (e) {
      say("");
      var fields = (e.body && e.body.fields) || {};
      for (var f in fields) {
        var k = f.replace(/^bot\./, "");
        for (var j = 0; j < steps.length; j++) if (steps[j].key === k) { st.answers.length = j; botStep(steps, j, fields[f][0] || "invalid"); return; }
      }
      var back = Math.min(st.answers.length, steps.length - 1);
      st.answers.length = back;
      botStep(steps, back, e.status === 422 ? "invalid" : e.status === 429 ? "rate" : "failed");
    });
  }

  function requestView() {
    ui.note = h("p", { class: "note", "data-testid": "wf-offline-note" });
    var name = h("input", { type: "text", autocomplete: "name", maxlength: "100" });
    var email = h("input", { type: "email", autocomplete: "email", required: true });
    var msg = h("textarea", { rows: "5", required: true });
    var form = h("form", { class: "form", "data-testid": "wf-request-form", novalidate: true }, [
      fieldBox("name", t("name"), name), fieldBox("email", t("email"), email), fieldBox("body", t("message"), msg),
      h("p", { class: "gerr", role: "alert" }),
      h("button", { type: "submit", class: "primary", "data-testid": "wf-request-send", text: t("submit") })
    ]);
    form.addEventListener("input", function () { st.dirty = true; });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      submitForm(form, "/request", { name: name.value, email: email.value, body: msg.value, page: st.page, lang: lang }, function (r) {
        thanks(t("request_sent", r && r.number ? r.number : ""));
      });
    });
    main.appendChild(ui.note);
    main.appendChild(form);
    main.appendChild(footer());
    offlineNote();
  }
  function callbackView() {
    var name = h("input", { type: "text", autocomplete: "name", maxlength: "100" });
    var phone = h("input", { type: "tel", autocomplete: "tel", required: true });
    var when = h("input", { type: "text", maxlength: "100" });
    var topic = h("textarea", { rows: "3" });
    var form = h("form", { class: "form", "data-testid": "wf-callback-form", novalidate: true }, [
      h("h2", { text: t("callback_title") }),
      fieldBox("name", t("name"), name), fieldBox("phone", t("phone"), phone),
      fieldBox("preferred_time", t("preferred_time"), when, t("preferred_time_hint")), fieldBox("topic", t("topic"), topic),
      h("p", { class: "gerr", role: "alert" }),
      h("div", { class: "row" }, [
        h("button", { type: "submit", class: "primary", "data-testid": "wf-callback-send", text: t("callback_submit") }),
        h("button", { type: "button", class: "link", text: t("back"), onclick: function () { show(st.prev || decide()); } })
      ])
    ]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      submitForm(form, "/callback", { name: name.value, phone: phone.value, preferred_time: when.value, topic: topic.value, lang: lang }, function (r) {
        thanks(t("callback_sent", r && r.number ? r.number : ""));
      });
    });
    main.appendChild(form);
  }
  function thanks(text) {
    st.view = "sent";
    main.textContent = "";
    ui = {};
    var back = h("button", { type: "button", class: "link", text: t("back"), onclick: function () { show(decide()); } });
    main.appendChild(h("p", { class: "done", role: "status", "data-testid": "wf-done", tabindex: "-1", text: text }));
    main.appendChild(back);
    main.firstChild.focus();
  }

  // ---- the loader ----
  function setOpen(v) {
    st.open = v;
    if (v) {
      if (st.unread) { st.unread = 0; toParent({ type: "lossless:unread", count: 0 }); }
      wsSend({ type: "seen" });
      if (st.session) connect();
      focusFirst();
    }
  }
  window.addEventListener("message", function (e) {
    if (!embedded || e.source !== window.parent || origins.indexOf(e.origin) < 0) return;
    var m = e.data || {};
    if (m.type === "lossless:init") {
      if (st.parent) return;
      st.parent = e.origin;
      st.token = /^[0-9a-f]{32,128}$/.test(m.token || "") ? m.token : null;
      st.open = !!m.open;
      start();
    } else if (m.type === "lossless:page") {
      st.page = { url: String(m.url || "").slice(0, 2000), title: String(m.title || "").slice(0, 300) };
      wsSend({ type: "page", url: st.page.url, title: st.page.title });
    } else if (m.type === "lossless:visibility") {
      setOpen(!!m.open);
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") toParent({ type: "lossless:close" });
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && st.open && st.unread) setOpen(true);
  });
  var closeBtn = document.getElementById("close");
  if (closeBtn) {
    closeBtn.hidden = !embedded;
    closeBtn.addEventListener("click", function () { toParent({ type: "lossless:close" }); });
  }

  if (embedded) {
    window.parent.postMessage({ type: "lossless:ready" }, "*");
  } else {
    try { st.token = localStorage.getItem(ownKey); } catch (e) { st.token = null; }
    st.page = { url: location.href, title: document.title };
    start();
  }
})();
