/* Rapport's live workspace (CH1, CH3; docs/realtime.md). Plain JS, no framework.
 *
 * One WebSocket per page to /ws/agent/ (session cookie, same origin), reconnecting with
 * back-off. Every frame {"event": E, "data": D} from the server becomes a DOM event
 * `rapport:E` on `document` with `detail = D`, so any script can listen, e.g.
 *
 *     document.addEventListener("rapport:cti.ringing", (e) => popCard(e.detail));
 *
 * Built on those events, this file keeps the open page current:
 *   rapport:ticket.changed   the inbox re-reads its rows, total and saved-view counts (at
 *                            most every 2 s); the ticket page (of that ticket) re-reads its
 *                            timeline (at most every 1 s)
 *   rapport:presence         the ticket page re-reads "Also viewing / typing" (#viewers)
 *   rapport:notification     the header's count goes up and a toast shows the text
 * and sends `watch` for the ticket on the page and `typing` while the agent writes a reply.
 * Fragments are fetched from the server (rendered by Django templates, escaped there); text
 * from events is only ever put in the page with textContent.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !("WebSocket" in window)) return;

  var me = Number(script.getAttribute("data-user") || 0);
  var TYPING_EVERY = 3000; // ms between two `typing` frames while the agent types
  var TYPING_LASTS = 7000; // ms after which someone else's "typing" marker is re-read
  var socket = null;
  var delay = 1000; // reconnect back-off: 1 s, doubling, at most 30 s (with jitter)
  var everConnected = false;
  var lastTyping = 0;

  function viewersBox() { return document.getElementById("viewers"); }
  function ticketOnPage() {
    var box = viewersBox();
    return box ? Number(box.getAttribute("data-ticket") || 0) : 0;
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent("rapport:" + name, { detail: detail || {} }));
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/agent/");
    socket.onopen = function () {
      delay = 1000;
      var ticket = ticketOnPage();
      if (ticket) send({ type: "watch", ticket: ticket });
      if (everConnected) refreshAll(); // events may have been missed while away
      everConnected = true;
      document.documentElement.setAttribute("data-live", "on");
      emit("connected", {});
    };
    socket.onmessage = function (message) {
      var frame;
      try { frame = JSON.parse(message.data); } catch (e) { return; }
      if (!frame || typeof frame.event !== "string") return;
      emit(frame.event, frame.data);
    };
    socket.onclose = function (event) {
      document.documentElement.setAttribute("data-live", "off");
      emit("disconnected", { code: event.code });
      var wait = delay * (0.5 + Math.random());
      delay = Math.min(delay * 2, 30000);
      setTimeout(connect, wait);
    };
  }

  // --- Fragments ------------------------------------------------------------------------
  var timers = {};
  function debounce(key, fn, ms) {
    clearTimeout(timers[key]);
    timers[key] = setTimeout(fn, ms);
  }
  // At most one run every `ms` however many events arrive (a busy team's inbox re-reads
  // itself every 2 s, not once per event); the last event always gets a run after it.
  var last = {};
  function throttle(key, fn, ms) {
    if (timers[key]) return; // a run is already scheduled
    var wait = Math.max(200, (last[key] || 0) + ms - Date.now());
    timers[key] = setTimeout(function () {
      timers[key] = null;
      last[key] = Date.now();
      fn();
    }, wait);
  }

  function fetchPage(url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Rapport-Live": "1" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { return new DOMParser().parseFromString(html, "text/html"); });
  }

  function replaceInner(selector, doc) {
    var here = document.querySelector(selector);
    var there = doc.querySelector(selector);
    if (!here || !there) return;
    here.innerHTML = there.innerHTML; // server-rendered (Django auto-escapes)
    if (window.htmx) window.htmx.process(here);
  }

  function refreshInbox() {
    if (!document.getElementById("rows")) return;
    fetchPage(location.href).then(function (doc) {
      replaceInner("#rows", doc);
      replaceInner(".filters .count", doc);
      emit("inbox.refreshed", {});
    }).catch(function () {});
    var views = document.querySelector(".inbox .views[hx-get]");
    if (views) {
      fetchPage(views.getAttribute("hx-get")).then(function (doc) {
        views.innerHTML = doc.body.innerHTML;
      }).catch(function () {});
    }
  }

  function refreshTicket() {
    if (!document.getElementById("timeline")) return;
    fetchPage(location.href).then(function (doc) {
      replaceInner("#timeline", doc);
      emit("timeline.refreshed", {});
    }).catch(function () {});
  }

  function refreshViewers() {
    var box = viewersBox();
    if (box && window.htmx) window.htmx.trigger(box, "live-refresh");
  }

  function refreshAll() {
    refreshInbox();
    refreshTicket();
    refreshViewers();
  }

  // --- What the events do ---------------------------------------------------------------
  document.addEventListener("rapport:ticket.changed", function (e) {
    var d = e.detail || {};
    throttle("inbox", refreshInbox, 2000);
    if (d.ticket && d.ticket === ticketOnPage()) throttle("ticket", refreshTicket, 1000);
  });

  document.addEventListener("rapport:presence", function (e) {
    var d = e.detail || {};
    if (d.ticket !== ticketOnPage() || d.user === me) return;
    debounce("viewers", refreshViewers, 100);
    debounce("viewers-later", refreshViewers, TYPING_LASTS); // a "typing" marker fades
  });

  function toasts() {
    var box = document.getElementById("live-toasts");
    if (!box) {
      box = document.createElement("div");
      box.id = "live-toasts";
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    return box;
  }

  document.addEventListener("rapport:notification", function (e) {
    var d = e.detail || {};
    var bell = document.querySelector(".me a.notify");
    if (bell) {
      var count = bell.querySelector(".count");
      if (!count) {
        count = document.createElement("span");
        count.className = "count";
        bell.appendChild(document.createTextNode(" "));
        bell.appendChild(count);
      }
      var n = parseInt(count.textContent, 10) || 0;
      count.textContent = n >= 99 ? "99+" : String(n + 1);
    }
    var toast = document.createElement(d.ticket ? "a" : "div");
    toast.className = "toast toast-" + String(d.kind || "info").replace(/[^a-z_-]/gi, "");
    toast.setAttribute("role", "status");
    toast.textContent = String(d.text || "");
    if (d.ticket) toast.href = "/tickets/" + Number(d.ticket) + "/";
    toast.style.cssText =
      "display:block;margin:.5em;padding:.75em 1em;max-width:24em;background:#fff;" +
      "border:1px solid #888;border-radius:4px;box-shadow:0 2px 8px rgba(0,0,0,.2);color:inherit";
    var box = toasts();
    box.style.cssText = "position:fixed;right:1em;bottom:1em;z-index:1000";
    box.appendChild(toast);
    setTimeout(function () { toast.remove(); }, 10000);
  });

  // --- Typing ---------------------------------------------------------------------------
  document.addEventListener("input", function (e) {
    var ticket = ticketOnPage();
    if (!ticket || !e.target || e.target.id !== "id_body") return;
    var now = Date.now();
    if (now - lastTyping < TYPING_EVERY) return;
    lastTyping = now;
    send({ type: "typing", ticket: ticket });
  });

  // Someone else's script may want to talk to the server (e.g. watch another ticket).
  window.rapportLive = { send: send };

  connect();
})();
