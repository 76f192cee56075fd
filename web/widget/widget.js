/* Clinic chat widget, one tag (docs/widget.md). socket.io to the Rasa server (./vendor/);
 * in a shadow root. Text only via textContent; links only from link buttons, https: and on
 * allowed hosts. UI strings from T in the page's or browser's language (docs/languages.md).
 */
(function () {
  "use strict";

  var script = document.currentScript ||
    document.querySelector("script[src*='/widget/widget.js']");
  if (!script || window.__clinicChatWidget) return;
  window.__clinicChatWidget = true;

  var ds = script.dataset;
  var SERVER = (ds.server || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  var HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
  /* UI strings (English, Spanish) */
  var T = {
    en: { name: "English", title: "Chat with us", placeholder: "Type your question",
      footnote: "Automated assistant. Emergency: call 911. Crisis: call or text 988.",
      restart: "Start over", cancel: "Cancel", close: "Close chat", open: "Open chat: ",
      ask: "Start a new conversation? This clears the chat on this device.",
      log: "Conversation", message: "Your message", send: "Send", you: "You said: ",
      bot: "Assistant: ", waiting: "Waiting to send…", quick: "Suggested replies",
      tab: " (opens in a new tab)", unread: [" unread message", " unread messages"],
      typing: "The assistant is typing…", connecting: "Connecting…",
      reconnecting: "Reconnecting…", down: "The chat is unavailable right now. Please try again later." },
    es: { name: "Español", title: "Escríbanos", placeholder: "Escriba su pregunta",
      footnote: "Asistente automático. Emergencia: llame al 911. Crisis: llame o envíe un mensaje de texto al 988.",
      restart: "Reiniciar", cancel: "Cancelar", close: "Cerrar el chat", open: "Abrir el chat: ",
      ask: "¿Empezar una conversación nueva? Se borrará el chat en este dispositivo.",
      log: "Conversación", message: "Su mensaje", send: "Enviar", you: "Usted dijo: ",
      bot: "Asistente: ", waiting: "Pendiente de envío…", quick: "Respuestas sugeridas",
      tab: " (se abre en una pestaña nueva)", unread: [" mensaje sin leer", " mensajes sin leer"],
      typing: "El asistente está escribiendo…", connecting: "Conectando…",
      reconnecting: "Reconectando…", down: "El chat no está disponible en este momento. Inténtelo más tarde." }
  };
  function code(tag) { return String(tag || "").slice(0, 2).toLowerCase(); }
  var LANGS = (ds.languages || "en,es").split(",").map(code).filter(function (l) { return T[l]; });
  if (!LANGS.length) LANGS = ["en"];
  function offered(tag) { return LANGS.indexOf(code(tag)) >= 0 ? code(tag) : ""; }
  // The data- texts are in the page's language; data-title-es etc. in Spanish.
  var DOC = offered(document.documentElement.lang) || LANGS[0];
  var ui, t;
  function opt(key) {
    var v = ds[key + ui.charAt(0).toUpperCase() + ui.slice(1)];
    return v === undefined && ui === DOC ? ds[key] : v;
  }
  var cfg = {
    initialPayload: ds.initialPayload || "",
    primary: HEX.test(ds.primaryColor || "") ? ds.primaryColor : "#1f5f5b",
    position: ds.position === "left" ? "left" : "right",
    linkHosts: (ds.allowedLinkHosts === undefined ? location.hostname : ds.allowedLinkHosts).split(",").map(function (h) {
      return h.trim().toLowerCase();
    }).filter(Boolean),
    socketPath: ds.socketPath || "/socket.io",
    storageKey: "clinic-chat:" + (ds.storageKey || SERVER),
    idleMs: (parseFloat(ds.sessionHours) || 24) * 3600 * 1000
  };
  var MAX_STORED = 200, MAX_INPUT = 1000, TYPING_TIMEOUT_MS = 20000;
  var fullScreen = window.matchMedia("(max-width: 480px)"); // keep in step with widget.css
  var RESEND_MS = 30000, GRACE_MS = 2000; // docs/widget.md, "Resending"

  /* storage (in memory when blocked) */
  var memory = {};
  function storageGet() {
    try {
      return JSON.parse(localStorage.getItem(cfg.storageKey) || "null");
    } catch (e) {
      return memory.state || null;
    }
  }
  function storageSet(value) {
    memory.state = value;
    try {
      localStorage.setItem(cfg.storageKey, JSON.stringify(value, function (k, v) {
        return k === "node" ? undefined : v; // DOM nodes stay in the page
      }));
    } catch (e) { /* private mode, quota: memory only */ }
  }
  function newId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return (b + 256).toString(16).slice(1);
    }).join("");
  }
  function freshState() {
    return { v: 1, sessionId: newId(), messages: [], queue: [], open: false,
      unread: 0, started: false, updated: Date.now() };
  }
  var state = storageGet();
  if (!state || state.v !== 1 || typeof state.sessionId !== "string" ||
      !Array.isArray(state.messages) || !Array.isArray(state.queue) ||
      Date.now() - (state.updated || 0) > cfg.idleMs) {
    state = freshState();
  }
  ui = offered(state.lang) || offered(document.documentElement.lang) ||
    offered(navigator.language) || LANGS[0];
  t = T[ui];
  function persist() {
    state.updated = Date.now();
    if (state.messages.length > MAX_STORED) {
      state.messages = state.messages.slice(-MAX_STORED);
    }
    storageSet(state);
  }

  /* colours: readable text on the clinic's colour (WCAG AA) */
  function luminance(hex) {
    var h = hex.length === 4 ? hex.replace(/([0-9a-f])/gi, "$1$1").slice(1) : hex.slice(1);
    var c = [0, 2, 4].map(function (i) {
      var v = parseInt(h.substr(i, 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function contrast(a, b) { return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); }
  var lum = luminance(cfg.primary);
  var onPrimary = contrast(lum, 1) >= contrast(lum, luminance("#1a1a1a")) ? "#ffffff" : "#1a1a1a";
  // Accent (text, borders) on white: the clinic colour only if dark enough.
  var ink = contrast(lum, 1) >= 4.5 ? cfg.primary : "#1a1a1a";

  /* DOM helpers (text only, never HTML) */
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "class") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function add(parent) { // appends the other arguments, in order
    for (var i = 1; i < arguments.length; i++) parent.appendChild(arguments[i]);
  }
  function svg(pathD) {
    var ns = "http://www.w3.org/2000/svg";
    var s = document.createElementNS(ns, "svg");
    s.setAttribute("viewBox", "0 0 24 24");
    s.setAttribute("aria-hidden", "true");
    s.setAttribute("focusable", "false");
    var p = document.createElementNS(ns, "path");
    p.setAttribute("d", pathD);
    s.appendChild(p);
    return s;
  }

  var host = el("clinic-chat-widget");
  host.style.setProperty("--cc-primary", cfg.primary);
  host.style.setProperty("--cc-on-primary", onPrimary);
  host.style.setProperty("--cc-ink", ink);
  var root = host.attachShadow({ mode: "open" });
  var css = el("link", { rel: "stylesheet", href: SERVER + "/widget/widget.css" });
  var frame = el("div", { class: "cc cc-" + cfg.position });
  frame.style.display = "none"; // shown once the styles are in, so nothing flashes
  function reveal() { frame.style.display = ""; }
  css.addEventListener("load", reveal);
  css.addEventListener("error", reveal);
  add(root, css, frame);

  var panelId = "cc-panel";
  var launcher = el("button", { type: "button", class: "cc-launcher",
    "aria-controls": panelId, "aria-expanded": "false" });
  var launcherText = el("span", { class: "cc-launcher-text" });
  var badge = el("span", { class: "cc-badge", "aria-hidden": "true" });
  add(launcher, svg("M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"),
    launcherText, badge);

  var panel = el("div", { id: panelId, class: "cc-panel", role: "dialog",
    "aria-modal": "false", "aria-labelledby": "cc-title" });
  panel.hidden = true;
  var header = el("div", { class: "cc-header" });
  var title = el("h2", { id: "cc-title", class: "cc-title" });
  var langSwitch = el("button", { type: "button", class: "cc-restart cc-lang" });
  var restart = el("button", { type: "button", class: "cc-restart" });
  var close = el("button", { type: "button", class: "cc-close" });
  close.appendChild(svg("M6 6l12 12M18 6L6 18"));
  add(header, title);
  if (LANGS.length > 1) add(header, langSwitch);
  add(header, restart, close);

  var confirmBox = el("div", { class: "cc-confirm", role: "group", "aria-labelledby": "cc-confirm-q" });
  confirmBox.hidden = true;
  var confirmQ = el("p", { id: "cc-confirm-q" });
  var confirmYes = el("button", { type: "button", class: "cc-btn-primary" });
  var confirmNo = el("button", { type: "button", class: "cc-btn-plain" });
  add(confirmBox, confirmQ, confirmYes, confirmNo);

  var log = el("div", { class: "cc-log", role: "log", "aria-live": "polite",
    "aria-relevant": "additions", tabindex: "0" });
  var typing = el("div", { class: "cc-typing", "aria-hidden": "true" });
  var typingText = el("span", { class: "cc-sr" }); // after the dots: their delays stay
  add(typing, el("span"), el("span"), el("span"), typingText);
  typing.hidden = true;
  var status = el("div", { class: "cc-status", role: "status" });

  var form = el("form", { class: "cc-form" });
  var label = el("label", { for: "cc-input", class: "cc-sr" });
  var input = el("input", { id: "cc-input", type: "text", autocomplete: "off",
    maxlength: String(MAX_INPUT) });
  var send = el("button", { type: "submit", class: "cc-send" });
  send.appendChild(svg("M3 20l18-8L3 4v6l12 2-12 2z"));
  add(form, label, input, send);
  var foot = el("p", { class: "cc-foot" });
  add(panel, header, confirmBox, log, typing, status, form, foot);
  add(frame, launcher, panel);

  /* rendering */
  function safeLink(url) {
    var parsed;
    try {
      parsed = new URL(url);
    } catch (e) {
      return null;
    }
    if (parsed.protocol !== "https:" || parsed.username || parsed.password) return null;
    return cfg.linkHosts.indexOf(parsed.hostname.toLowerCase()) >= 0 ? parsed.href : null;
  }

  function renderMessage(m) {
    var item = el("div", { class: "cc-msg cc-" + (m.from === "user" ? "user" : "bot") });
    var who = el("span", { class: "cc-sr cc-who" }, m.from === "user" ? t.you : t.bot);
    var bubble = el("div", { class: "cc-bubble" });
    add(bubble, who, el("span", { class: "cc-text" }, m.text));
    if (m.text) item.appendChild(bubble);
    if (m.pending) {
      item.appendChild(el("span", { class: "cc-pending" }, t.waiting));
    }
    if (m.quick && m.quick.length) {
      var group = el("div", { class: "cc-quick", role: "group", "aria-label": t.quick });
      m.quick.forEach(function (q, i) {
        var b = el("button", { type: "button", class: "cc-chip" }, q.title);
        if (m.chosen !== undefined && m.chosen !== null) {
          b.disabled = true;
          b.setAttribute("aria-pressed", String(m.chosen === i));
        }
        b.addEventListener("click", function () { choose(m, i); });
        group.appendChild(b);
      });
      item.appendChild(group);
    }
    (m.links || []).forEach(function (l) {
      var href = safeLink(l.url);
      if (!href) {
        item.appendChild(el("div", { class: "cc-linktext" }, l.title));
        return;
      }
      var a = el("a", { class: "cc-link", href: href, target: "_blank",
        rel: "noopener noreferrer" }, l.title);
      a.appendChild(el("span", { class: "cc-sr cc-tab" }, t.tab));
      item.appendChild(a);
    });
    m.node = item;
    return item;
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }
  function scrollDown() { log.scrollTop = log.scrollHeight; }
  function renderAll() {
    while (log.firstChild) log.removeChild(log.firstChild);
    state.messages.forEach(function (m) { log.appendChild(renderMessage(m)); });
    scrollDown();
  }
  // In place: screen readers would read a replaced node again.
  function markSent(m) {
    m.pending = false;
    var note = m.node && m.node.querySelector(".cc-pending");
    if (note) note.parentNode.removeChild(note);
  }
  function markChosen(m) {
    if (!m.node) return;
    Array.prototype.forEach.call(m.node.querySelectorAll(".cc-chip"), function (b, i) {
      b.disabled = true;
      b.setAttribute("aria-pressed", String(m.chosen === i));
    });
  }
  function addMessage(m) {
    var stick = nearBottom();
    state.messages.push(m);
    log.appendChild(renderMessage(m));
    if (stick || m.from === "user") scrollDown();
    persist();
  }

  function updateBadge() {
    var n = state.unread || 0;
    badge.textContent = n > 9 ? "9+" : String(n);
    badge.hidden = n === 0 || state.open;
    launcher.setAttribute("aria-label", (state.open ? t.close + ": " : t.open) +
      launcherText.textContent + (n && !state.open ? " (" + n + t.unread[n === 1 ? 0 : 1] + ")" : ""));
  }

  var typingTimer = null;
  function setTyping(on) {
    clearTimeout(typingTimer);
    typing.hidden = !on;
    if (on) {
      typingTimer = setTimeout(function () { typing.hidden = true; }, TYPING_TIMEOUT_MS);
      if (nearBottom()) scrollDown();
    }
  }
  function setStatus(text) {
    // Never hidden, only emptied: a live region must stay in place to be announced.
    if (status.textContent !== text) status.textContent = text;
  }

  /* connection */
  var socket = null, ready = false, loading = false;
  // Sent, turn not over (acked) yet: resent once if unanswered when the connection drops,
  // GRACE_MS after the reconnect unless a late answer comes.
  var sent = [], hold = false, watchdog;

  function unavailable() {
    loading = false;
    setStatus(t.down);
  }
  function loadClient(done) {
    if (loading) return;
    loading = true;
    var previous = window.io;
    var tag = el("script", { src: SERVER + "/widget/vendor/socket.io.min.js" });
    tag.async = true;
    tag.addEventListener("load", function () {
      var io = window.io;
      // Give the page back its own `io` if it had one.
      if (previous !== undefined) window.io = previous;
      if (typeof io === "function") done(io);
      else unavailable();
    });
    tag.addEventListener("error", unavailable);
    document.head.appendChild(tag);
  }

  function connect() {
    if (socket || loading) return;
    loadClient(function (io) {
      socket = io(SERVER, {
        path: cfg.socketPath,
        transports: ["websocket", "polling"],
        tryAllTransports: true, // fall back to long-polling where WebSockets are blocked
        reconnectionDelay: 1000,
        reconnectionDelayMax: 15000,
        randomizationFactor: 0.5
      });
      socket.on("connect", function () {
        ready = false;
        socket.emit("session_request", { session_id: state.sessionId });
      });
      socket.on("session_confirm", function (sid) {
        if (sid && typeof sid === "object") sid = sid.session_id;
        if (typeof sid === "string" && sid && sid !== state.sessionId) {
          state.sessionId = sid;
          persist();
        }
        ready = true;
        setStatus("");
        if (!state.started && cfg.initialPayload) {
          state.started = true;
          state.queue.unshift({ id: newId(), message: cfg.initialPayload });
        }
        state.started = true;
        hold = state.queue.some(function (q) { return q.resend; });
        if (hold) setTimeout(function () { hold = false; flush(); }, GRACE_MS);
        flush();
      });
      socket.on("bot_uttered", receive);
      socket.on("disconnect", function (reason) {
        ready = false;
        state.queue = sent.filter(function (q) { return !q.got && !q.resend; })
          .map(function (q) { return { id: q.id, message: q.message, resend: 1 }; })
          .concat(state.queue);
        sent = [];
        setTyping(false);
        setStatus(t.reconnecting);
        // The server closed us on purpose: socket.io will not retry by itself.
        if (reason === "io server disconnect") {
          setTimeout(function () { socket.connect(); }, 2000);
        }
      });
      socket.on("connect_error", function () {
        if (!ready) setStatus(t.reconnecting);
      });
    });
  }

  function flush() {
    if (!ready || !socket || hold) return;
    var any = state.queue.length;
    while (state.queue.length) {
      var item = state.queue.shift();
      item.seen = item.resend && [];
      socket.emit("user_uttered", { message: item.message, session_id: state.sessionId,
        metadata: { language: ui, message_id: item.id, resend: !!item.resend } },
        acked.bind(null, item));
      sent.push(item);
      state.messages.forEach(function (m) {
        if (m.id && m.id === item.id && m.pending) markSent(m);
      });
    }
    persist();
    if (any) {
      setTyping(true);
      watch();
    }
  }
  function acked(item) {
    sent = sent.filter(function (q) { return q !== item; });
    watch();
  }
  function watch() {
    clearTimeout(watchdog);
    watchdog = setTimeout(function () { // no answer on a live connection: reconnect, resend
      if (ready && sent[0] && !sent[0].got) {
        socket.disconnect();
        socket.connect();
      }
    }, RESEND_MS);
  }

  function sendUser(display, message) {
    var id = newId();
    var waiting = !ready;
    addMessage({ id: id, from: "user", text: display, pending: waiting });
    state.queue.push({ id: id, message: message });
    persist();
    if (waiting) {
      if (!status.textContent) setStatus(t.connecting);
      connect();
    } else {
      flush();
    }
  }

  function textOf(value, max) { return typeof value === "string" ? value.slice(0, max) : ""; }
  function receive(data) {
    if (!data || typeof data !== "object") return;
    var text = textOf(data.text, 5000);
    var quick = (Array.isArray(data.quick_replies) ? data.quick_replies : [])
      .filter(function (q) { return q && typeof q.title === "string" && typeof q.payload === "string"; })
      .map(function (q) { return { title: q.title.slice(0, 200), payload: q.payload.slice(0, 500) }; });
    var links = (Array.isArray(data.links) ? data.links : [])
      .filter(function (l) { return l && typeof l.title === "string" && typeof l.url === "string"; })
      .map(function (l) { return { title: l.title.slice(0, 200), url: l.url.slice(0, 2000) }; });
    if (!text && !quick.length && !links.length) return;
    // Turn by turn, in order: a reply is for the oldest message sent. A resent one's answer
    // may come twice (the original's, late): shown once.
    var x = sent[0], key = JSON.stringify(data);
    if (x && x.seen) {
      if (x.seen[x.dup | 0] === key) return void (x.dup = (x.dup | 0) + 1);
      x.seen.push(key);
    }
    if (x) x.got = true;
    else if (hold) state.queue = state.queue.filter(function (q) { return !q.resend; });
    setTyping(false);
    addMessage({ from: "bot", text: text, quick: quick, links: links, chosen: null });
    if (!state.open) {
      state.unread = (state.unread || 0) + 1;
      persist();
      updateBadge();
    }
  }

  function choose(m, i) {
    if (m.chosen !== null && m.chosen !== undefined) return;
    m.chosen = i;
    markChosen(m);
    var q = m.quick[i];
    sendUser(q.title, q.payload);
    input.focus();
  }

  /* open / close / start over */
  function setOpen(open, moveFocus) {
    state.open = open;
    panel.hidden = !open;
    frame.classList.toggle("cc-open", open);
    launcher.setAttribute("aria-expanded", String(open));
    panel.setAttribute("aria-modal", String(fullScreen.matches));
    if (open) {
      state.unread = 0;
      if (!state.messages.length && opt("greeting")) {
        addMessage({ from: "bot", text: opt("greeting"), quick: [], links: [], chosen: null });
      }
      connect();
      scrollDown();
      if (moveFocus) input.focus();
    } else {
      confirmBox.hidden = true;
      if (moveFocus) launcher.focus();
    }
    persist();
    updateBadge();
  }

  function startOver() {
    state = freshState();
    state.lang = ui;
    state.open = true;
    sent = [], hold = false;
    confirmBox.hidden = true;
    renderAll();
    setTyping(false);
    persist();
    setOpen(true, true);
    if (socket) {
      ready = false;
      socket.disconnect();
      socket.connect();
    }
  }

  /* language of the UI */
  function setText(node, text) { if (node.textContent !== text) node.textContent = text; }
  function applyLang() {
    t = T[ui];
    host.setAttribute("lang", ui);
    var name = opt("title") || t.title;
    var foottext = opt("footnote");
    setText(launcherText, name);
    setText(title, name);
    setText(restart, t.restart);
    setText(confirmQ, t.ask);
    setText(confirmYes, t.restart);
    setText(confirmNo, t.cancel);
    setText(label, t.message);
    setText(typingText, t.typing);
    setText(foot, foottext === undefined ? t.footnote : foottext);
    foot.hidden = !foot.textContent;
    close.setAttribute("aria-label", t.close);
    send.setAttribute("aria-label", t.send);
    log.setAttribute("aria-label", t.log);
    input.setAttribute("placeholder", opt("placeholder") || t.placeholder);
    setText(langSwitch, T[nextLang()].name);
    langSwitch.setAttribute("lang", nextLang());
    // The transcript's hidden words change in place: nothing is re-announced.
    each(".cc-who", function (w) { setText(w, w.closest(".cc-user") ? t.you : t.bot); });
    each(".cc-quick", function (g) { g.setAttribute("aria-label", t.quick); });
    each(".cc-pending", function (p) { setText(p, t.waiting); });
    each(".cc-tab", function (p) { setText(p, t.tab); });
    updateBadge();
  }
  function nextLang() { return LANGS[(LANGS.indexOf(ui) + 1) % LANGS.length]; }
  function each(sel, fn) { Array.prototype.forEach.call(log.querySelectorAll(sel), fn); }
  langSwitch.addEventListener("click", function () {
    ui = state.lang = nextLang();
    applyLang();
    persist();
    sendUser(t.name, '/choose_language{"language":"' + ui + '"}');
  });

  launcher.addEventListener("click", function () { setOpen(!state.open, true); });
  close.addEventListener("click", function () { setOpen(false, true); });
  restart.addEventListener("click", function () {
    confirmBox.hidden = false;
    confirmNo.focus();
  });
  confirmNo.addEventListener("click", function () {
    confirmBox.hidden = true;
    restart.focus();
  });
  confirmYes.addEventListener("click", startOver);
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      e.preventDefault();
      setOpen(false, true);
      return;
    }
    // Full screen (phones) the chat is modal: Tab cycles inside it.
    if (e.key !== "Tab" || !fullScreen.matches) return;
    var items = Array.prototype.filter.call(
      panel.querySelectorAll("button, input, a[href], [tabindex='0']"),
      function (x) { return !x.disabled && x.getClientRects().length; });
    var first = items[0], last = items[items.length - 1], at = root.activeElement;
    var to = e.shiftKey ? at === first && last : at === last && first;
    if (to) {
      e.preventDefault();
      to.focus();
    }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    sendUser(text.slice(0, MAX_INPUT), text.slice(0, MAX_INPUT));
  });

  /* start */
  function mount() {
    applyLang();
    renderAll(); // before mounting: the old transcript is not announced
    document.body.appendChild(host);
    setOpen(!!state.open, false);
    // A conversation is under way: reconnect (replies, unread badge).
    if (state.messages.length || state.queue.length) connect();
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
