/* Rapport chat widget (CH1, CH3, FB1). Plain JS, no framework; see docs/webchat.md.
 *   <script src="https://desk.example.com/static/webchat/widget.js" data-widget="KEY" async></script>
 * Lives in a Shadow DOM (host pages' CSS cannot reach it), speaks the visitor protocol of
 * rapport/webchat/consumers.py over a WebSocket (HTTP fallback), keeps the visitor token and
 * unacknowledged messages in localStorage and resends them (same client id) after reconnecting.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-widget]");
  if (!script || window.RapportChat) return;
  var KEY = script.getAttribute("data-widget") || "";
  var ORIGIN = new URL(script.src, location.href).origin;
  var API = ORIGIN + "/chat/" + encodeURIComponent(KEY) + "/";
  var WS_URL = ORIGIN.replace(/^http/, "ws") + "/ws/chat/" + encodeURIComponent(KEY) + "/";
  var STORE = "rapport-chat:" + KEY;

  // --- language: the page's <html lang>, else the browser's ----------------------------------
  var raw = (script.getAttribute("data-lang") || document.documentElement.lang || navigator.language || "en").toLowerCase();
  var LANG = raw.indexOf("ru") === 0 ? "ru" : raw.indexOf("zh") === 0 ? "zh" : "en";
  var LOCALE = { en: "en", ru: "ru", zh: "zh-CN" }[LANG];
  var STRINGS = {
    en: {
      open: "Chat with us", close: "Close the chat", title: "Chat with us", unread: "new message",
      placeholder: "Type your message…", message: "Your message", send: "Send", attach: "Attach a file",
      you: "You", agent: "Support", typing: "{name} is typing…", someone: "An agent",
      connecting: "Connecting…", reconnecting: "Connection lost. Reconnecting…",
      sending: "Sending…", failed: "Not sent", retry: "Not sent yet; it will be sent when the connection is back.",
      away: "We are away now. We will answer from {time}. Leave your e-mail and we will write back.",
      nobody: "Nobody is available right now. Leave your e-mail and we will answer as soon as we can.",
      name: "Your name", email: "Your e-mail", save: "Save", details: "Your name and e-mail",
      saved: "Thank you! If you leave, we will answer by e-mail.", badEmail: "That e-mail address does not look right.",
      ended: "The chat has ended. How satisfied are you?", comment: "Anything to add? (optional)",
      rates: ["Not satisfied", "Satisfied", "Exceeded my expectations", "Delighted", "Amazed"],
      thanks: "Thank you for your feedback!",
      too_long: "The message is too long.", file_too_big: "The file is too large (at most {mb} MB).",
      file_type: "Images, PDF, text and office documents only.", rate_limited: "Too fast — please wait a moment.",
      upload_off: "This chat takes no files.", error: "Something went wrong. Please try again.",
      unavailable: "The chat is not available here right now.", help: "Answers to common questions"
    },
    ru: {
      open: "Написать нам", close: "Закрыть чат", title: "Чат с поддержкой", unread: "новое сообщение",
      placeholder: "Напишите сообщение…", message: "Ваше сообщение", send: "Отправить", attach: "Прикрепить файл",
      you: "Вы", agent: "Поддержка", typing: "{name} печатает…", someone: "Сотрудник",
      connecting: "Подключение…", reconnecting: "Связь потеряна. Подключаемся снова…",
      sending: "Отправляется…", failed: "Не отправлено", retry: "Ещё не отправлено; уйдёт, когда связь восстановится.",
      away: "Сейчас мы не работаем. Ответим с {time}. Оставьте e-mail — мы напишем.",
      nobody: "Сейчас никого нет на месте. Оставьте e-mail — ответим, как только сможем.",
      name: "Ваше имя", email: "Ваш e-mail", save: "Сохранить", details: "Имя и e-mail",
      saved: "Спасибо! Если вы уйдёте, ответим по e-mail.", badEmail: "Похоже, в адресе ошибка.",
      ended: "Чат завершён. Насколько вы довольны?", comment: "Хотите что-то добавить? (необязательно)",
      rates: ["Не доволен", "Доволен", "Превзошли ожидания", "В восторге", "Поражён"],
      thanks: "Спасибо за отзыв!",
      too_long: "Сообщение слишком длинное.", file_too_big: "Файл слишком большой (не больше {mb} МБ).",
      file_type: "Только изображения, PDF, текст и офисные документы.", rate_limited: "Слишком быстро — подождите немного.",
      upload_off: "В этот чат нельзя отправлять файлы.", error: "Что-то пошло не так. Попробуйте ещё раз.",
      unavailable: "Чат сейчас здесь недоступен.", help: "Ответы на частые вопросы"
    },
    zh: {
      open: "联系我们", close: "关闭聊天", title: "在线客服", unread: "新消息",
      placeholder: "请输入消息…", message: "您的消息", send: "发送", attach: "添加文件",
      you: "您", agent: "客服", typing: "{name}正在输入…", someone: "客服",
      connecting: "正在连接…", reconnecting: "连接已断开，正在重新连接…",
      sending: "正在发送…", failed: "未发送", retry: "尚未发送；连接恢复后会自动发送。",
      away: "我们现在不在线，将于{time}开始回复。请留下您的邮箱，我们会给您回信。",
      nobody: "现在没有客服在线。请留下您的邮箱，我们会尽快回复。",
      name: "您的姓名", email: "您的邮箱", save: "保存", details: "姓名和邮箱",
      saved: "谢谢！如果您离开，我们会通过邮件回复。", badEmail: "邮箱地址似乎有误。",
      ended: "聊天已结束。您的满意度如何？", comment: "还有什么想说的吗？（可选）",
      rates: ["不满意", "满意", "超出预期", "非常高兴", "惊喜"],
      thanks: "感谢您的反馈！",
      too_long: "消息太长了。", file_too_big: "文件太大（最多 {mb} MB）。",
      file_type: "仅限图片、PDF、文本和办公文档。", rate_limited: "发送太快了，请稍等。",
      upload_off: "此聊天不支持文件。", error: "出了点问题，请重试。",
      unavailable: "此处暂时无法使用聊天。", help: "常见问题解答"
    }
  };
  var T = STRINGS[LANG];
  function t(key, vars) {
    var s = T[key] || STRINGS.en[key] || key;
    for (var k in vars || {}) s = s.split("{" + k + "}").join(vars[k]);
    return s;
  }

  // --- stored state: the visitor token and messages not yet acknowledged ----------------------
  function load() {
    try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch (e) { return {}; }
  }
  var state = load();
  state.pending = state.pending || [];
  function save() {
    try { localStorage.setItem(STORE, JSON.stringify({ token: state.token, pending: state.pending })); } catch (e) { /* private mode */ }
  }
  function newId() {
    var a = new Uint8Array(9);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- the DOM, inside a shadow root ----------------------------------------------------------
  var host = document.createElement("div");
  host.setAttribute("data-rapport-chat", "");
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var CSS =
    ":host{all:initial}*{box-sizing:border-box;font:15px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,'PingFang SC','Microsoft YaHei',sans-serif;color:#1d2433}" +
    ".launch{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;padding:14px 20px;background:#2b5cd6;color:#fff;font-weight:600;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}" +
    ".launch:focus-visible,button:focus-visible,textarea:focus-visible,input:focus-visible{outline:3px solid #ffb020;outline-offset:2px}" +
    ".badge{display:inline-block;min-width:20px;margin-left:8px;padding:0 6px;border-radius:10px;background:#e0245e;color:#fff;font-size:12px;line-height:20px}" +
    ".panel{position:fixed;right:20px;bottom:20px;z-index:2147483001;width:370px;height:560px;max-height:calc(100vh - 40px);display:flex;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);overflow:hidden}" +
    ".panel[hidden],.launch[hidden],[hidden]{display:none!important}" +
    "header{display:flex;align-items:center;justify-content:space-between;padding:12px 14px;background:#2b5cd6}" +
    "header h2{margin:0;font-size:16px;font-weight:600;color:#fff}" +
    ".x{border:0;background:transparent;color:#fff;font-size:22px;line-height:1;cursor:pointer;padding:4px 8px}" +
    ".note{padding:8px 14px;background:#fff6e0;font-size:13px}" +
    ".help{display:block;padding:6px 14px;font-size:13px;color:inherit}" +
    ".log{flex:1;overflow-y:auto;padding:12px 14px;display:flex;flex-direction:column;gap:8px;background:#f6f7fb}" +
    ".msg{max-width:85%;padding:8px 11px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word;background:#fff;border:1px solid #e3e6ee;align-self:flex-start}" +
    ".msg.me{align-self:flex-end;background:#2b5cd6;border-color:#2b5cd6;color:#fff}.msg.me *{color:#fff}" +
    ".msg .who{display:block;font-size:12px;opacity:.75;margin-bottom:2px}.msg .state{display:block;font-size:11px;opacity:.8;margin-top:3px}" +
    ".msg.failed{background:#fde8ec;border-color:#e0245e;color:#1d2433}.msg.failed *{color:#1d2433}" +
    ".msg a{text-decoration:underline}.greet{align-self:flex-start;font-size:14px}" +
    ".typing{min-height:20px;padding:0 14px;font-size:12px;color:#5b6478;background:#f6f7fb}" +
    "form{margin:0}.compose{display:flex;gap:6px;padding:10px;border-top:1px solid #e3e6ee;align-items:flex-end}" +
    "textarea{flex:1;resize:none;min-height:40px;max-height:120px;padding:9px;border:1px solid #c5cad6;border-radius:8px}" +
    ".btn{border:0;border-radius:8px;padding:10px 12px;background:#2b5cd6;color:#fff;font-weight:600;cursor:pointer}" +
    ".ghost{border:1px solid #c5cad6;border-radius:8px;padding:9px 10px;background:#fff;cursor:pointer}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    "details{padding:6px 14px;border-top:1px solid #e3e6ee;font-size:13px}details label{display:block;margin-top:6px}" +
    "details input{width:100%;padding:7px;border:1px solid #c5cad6;border-radius:6px}" +
    ".rate{padding:10px 14px;border-top:1px solid #e3e6ee}.rate p{margin:0 0 6px}.rate .levels{display:flex;flex-wrap:wrap;gap:6px}" +
    ".rate button{border:1px solid #c5cad6;border-radius:16px;padding:6px 10px;background:#fff;cursor:pointer;font-size:13px}" +
    ".rate input{width:100%;margin-top:6px;padding:7px;border:1px solid #c5cad6;border-radius:6px}" +
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100%;height:100%;max-height:none;border-radius:0}.launch{right:12px;bottom:12px}}";
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  var style = el("style", null, CSS);
  var launch = el("button", { type: "button", class: "launch", "aria-haspopup": "dialog", "aria-expanded": "false", "aria-controls": "rc-panel" }, t("open"));
  var badge = el("span", { class: "badge", hidden: "" });
  launch.appendChild(badge);
  var panel = el("div", { id: "rc-panel", class: "panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "rc-title", hidden: "" });
  var header = el("header");
  var title = el("h2", { id: "rc-title" }, t("title"));
  var closeBtn = el("button", { type: "button", class: "x", "aria-label": t("close") }, "×");
  header.appendChild(title); header.appendChild(closeBtn);
  // The help centre in the widget's language (KN1, docs/kb.md): answers without waiting.
  var helpLink = el("a", { class: "help", href: ORIGIN + "/help/" + { en: "en", ru: "ru", zh: "zh-hans" }[LANG] + "/", target: "_blank", rel: "noopener" }, t("help"));
  var status = el("div", { class: "note", role: "status", "aria-live": "polite" });
  var hours = el("div", { class: "note", hidden: "" });
  var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0", "aria-label": t("title") });
  var typing = el("div", { class: "typing", "aria-live": "polite" });
  var details = el("details");
  var summary = el("summary", null, t("details"));
  var idForm = el("form", { novalidate: "" });
  var nameLabel = el("label", null, t("name"));
  var nameInput = el("input", { type: "text", name: "name", autocomplete: "name", maxlength: "200" });
  nameLabel.appendChild(nameInput);
  var emailLabel = el("label", null, t("email"));
  var emailInput = el("input", { type: "email", name: "email", autocomplete: "email", maxlength: "254" });
  emailLabel.appendChild(emailInput);
  var idSave = el("button", { type: "submit", class: "ghost" }, t("save"));
  var idNote = el("p", { role: "status", "aria-live": "polite" });
  idForm.appendChild(nameLabel); idForm.appendChild(emailLabel); idForm.appendChild(idSave); idForm.appendChild(idNote);
  details.appendChild(summary); details.appendChild(idForm);
  var rate = el("div", { class: "rate", hidden: "", role: "group", "aria-labelledby": "rc-rate" });
  var rateQ = el("p", { id: "rc-rate" }, t("ended"));
  var levels = el("div", { class: "levels" });
  var comment = el("input", { type: "text", "aria-label": t("comment"), placeholder: t("comment"), maxlength: "2000" });
  T.rates.forEach(function (label, i) {
    var b = el("button", { type: "button", "data-score": String(i + 1) }, label);
    levels.appendChild(b);
  });
  rate.appendChild(rateQ); rate.appendChild(levels); rate.appendChild(comment);
  var form = el("form", { class: "compose" });
  var textLabel = el("label", { class: "sr", for: "rc-text" }, t("message"));
  var text = el("textarea", { id: "rc-text", rows: "1", placeholder: t("placeholder"), maxlength: "5000" });
  var fileInput = el("input", { type: "file", class: "sr", id: "rc-file", tabindex: "-1", "aria-hidden": "true" });
  var attach = el("button", { type: "button", class: "ghost", "aria-label": t("attach"), title: t("attach") }, "📎");
  var send = el("button", { type: "submit", class: "btn" }, t("send"));
  form.appendChild(textLabel); form.appendChild(text); form.appendChild(fileInput); form.appendChild(attach); form.appendChild(send);
  [header, helpLink, status, hours, log, typing, rate, details, form].forEach(function (n) { panel.appendChild(n); });
  root.appendChild(style); root.appendChild(launch); root.appendChild(panel);

  // --- rendering -------------------------------------------------------------------------------
  var rendered = {}; // server id → element
  var byClient = {}; // client id → element
  var greeting = null;
  var unread = 0;
  var info = { upload_mb: 0 };
  function time(iso) {
    try { return new Date(iso).toLocaleTimeString(LOCALE, { hour: "2-digit", minute: "2-digit" }); } catch (e) { return ""; }
  }
  function scroll() { log.scrollTop = log.scrollHeight; }
  function bubble(m, pending) {
    var mine = m.from !== "agent";
    var b = el("div", { class: "msg" + (mine ? " me" : "") });
    b.appendChild(el("span", { class: "who" }, (mine ? t("you") : m.name || t("agent")) + (m.at ? " · " + time(m.at) : "")));
    if (m.text) b.appendChild(document.createTextNode(m.text));
    (m.attachments || []).forEach(function (a) {
      if (typeof a.url !== "string" || a.url.charAt(0) !== "/") return;
      var p = el("div");
      p.appendChild(el("a", { href: ORIGIN + a.url, target: "_blank", rel: "noopener" }, "📎 " + a.name));
      b.appendChild(p);
    });
    var st = el("span", { class: "state" }, pending ? t("sending") : "");
    b.appendChild(st);
    return b;
  }
  function show(m) {
    // id null: stored, not processed yet (deferred intake); it comes again with its id.
    if (m.id != null && rendered[m.id]) return;
    var existing = m.client_id && byClient[m.client_id];
    var b = bubble(m, false);
    if (existing) { existing.replaceWith(b); } else { log.appendChild(b); }
    if (m.id != null) rendered[m.id] = b;
    if (m.client_id) byClient[m.client_id] = b;
    if (m.from === "agent") {
      typing.textContent = "";
      if (panel.hidden) { unread += 1; badge.textContent = String(unread); badge.hidden = false; launch.setAttribute("aria-label", t("open") + " (" + unread + " " + t("unread") + ")"); }
    }
    scroll();
  }
  function showPending(p) {
    if (byClient[p.id]) return;
    var b = bubble({ from: "visitor", text: p.text || (p.file ? "📎 " + p.file : "") }, true);
    log.appendChild(b);
    byClient[p.id] = b;
    scroll();
  }
  function markFailed(id, reason) {
    var b = byClient[id];
    if (!b) return;
    b.className = "msg me failed";
    b.querySelector(".state").textContent = t("failed") + ": " + reason;
  }
  function render(welcome) {
    log.textContent = "";
    rendered = {}; byClient = {};
    greeting = welcome.greeting ? el("div", { class: "msg greet" }, welcome.greeting) : null;
    if (greeting) log.appendChild(greeting);
    (welcome.history || []).forEach(show);
    state.pending = state.pending.filter(function (p) { return !byClient[p.id]; });
    state.pending.forEach(showPending);
    save();
    if (welcome.ask_email) {
      var when = welcome.next_opening ? new Date(welcome.next_opening).toLocaleString(LOCALE, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }) : "";
      hours.textContent = when ? t("away", { time: when }) : t("nobody");
      hours.hidden = false;
      if (!(welcome.visitor && welcome.visitor.email)) details.open = true;
    } else { hours.hidden = true; }
    if (welcome.visitor) { nameInput.value = welcome.visitor.name || ""; emailInput.value = welcome.visitor.email || ""; }
    rate.hidden = !(welcome.chat && welcome.chat.rate);
    info = welcome;
    attach.hidden = !welcome.upload_mb;
    if (!panel.hidden) unread = 0;
  }

  // --- the connection --------------------------------------------------------------------------
  var started = false, ws = null, wsFailures = 0, backoff = 1000, fallback = !window.WebSocket, pollTimer = null, pingTimer = null;
  // Welcomed: the server has read our hello. Until then messages wait in state.pending and the
  // welcome sends them all, in the order they were written (one sent directly meanwhile would
  // overtake those written before the connection was ready).
  var welcomed = false;
  function setStatus(s) { status.textContent = s; status.hidden = !s; }
  function frame(data) {
    if (ws && ws.readyState === 1) { ws.send(JSON.stringify(data)); return true; }
    return false;
  }
  function connect() {
    if (fallback) { poll(); return; }
    setStatus(t("connecting"));
    try { ws = new WebSocket(WS_URL); } catch (e) { wsFailures += 1; return retry(); }
    var opened = false;
    welcomed = false;
    ws.onopen = function () {
      opened = true; wsFailures = 0; backoff = 1000; setStatus("");
      frame({ type: "hello", token: state.token, lang: LANG });
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { frame({ type: "ping" }); }, 25000);
    };
    ws.onmessage = function (e) { var d; try { d = JSON.parse(e.data); } catch (x) { return; } handle(d); };
    ws.onclose = function (e) {
      clearInterval(pingTimer);
      welcomed = false;
      if (e.code === 4403 || e.code === 4404) { setStatus(t("unavailable")); return; } // not for this page
      if (!opened) wsFailures += 1;
      if (wsFailures >= 3) { fallback = true; setStatus(""); poll(); return; }
      setStatus(t("reconnecting"));
      retry();
    };
  }
  function retry() {
    setTimeout(connect, backoff + Math.random() * 500);
    backoff = Math.min(backoff * 2, 30000);
  }
  function http(path, options) {
    options = options || {};
    options.headers = options.headers || {};
    if (state.token) options.headers["X-Chat-Token"] = state.token;
    return fetch(API + path, options).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (d) { d._status = r.status; return d; });
    });
  }
  function poll() {
    // HTTP fallback: history now and every 10 s (the WebSocket is blocked on this network).
    clearTimeout(pollTimer);
    if (!state.token) { state.token = newId() + newId(); save(); }
    http("history/?lang=" + LANG).then(function (d) {
      if (d._status === 403 || d._status === 404) { setStatus(t("unavailable")); return true; }
      if (d.type === "welcome") { setStatus(""); handle(d); flush(); }
    }).catch(function () {
      // Refused by CORS (this site is not allowed: no headers to read) or offline.
      setStatus(t("unavailable"));
    }).then(function (stop) { if (!stop) pollTimer = setTimeout(poll, 10000); });
  }
  function flush() {
    state.pending.forEach(function (p) { if (!p.file) transmit(p); });
  }
  function transmit(p) {
    if (frame({ type: "message", id: p.id, text: p.text })) return;
    if (!fallback) return; // sent after the reconnect
    http("messages/", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token: state.token, id: p.id, text: p.text, lang: LANG }) })
      .then(handle).catch(function () {});
  }
  function handle(d) {
    switch (d.type) {
      case "welcome":
        if (d.token && d.token !== state.token) { state.token = d.token; save(); }
        render(d);
        welcomed = true;
        state.pending.forEach(function (p) { if (!p.file) transmit(p); });
        break;
      case "ack":
        state.pending = state.pending.filter(function (p) { return p.id !== d.id; });
        save();
        var b = byClient[d.id];
        if (b && (d.message == null || !rendered[d.message])) { b.querySelector(".state").textContent = ""; if (d.message != null) rendered[d.message] = b; }
        rate.hidden = true;
        break;
      case "message": show(d.message); break;
      case "typing":
        typing.textContent = d.typing ? t("typing", { name: d.name || t("someone") }) : "";
        clearTimeout(handle.typingTimer);
        handle.typingTimer = setTimeout(function () { typing.textContent = ""; }, 6000);
        break;
      case "ended": rate.hidden = !d.rate; break;
      case "identified": idNote.textContent = t("saved"); break;
      case "rated": rate.hidden = false; levels.hidden = true; comment.hidden = true; rateQ.textContent = t("thanks"); break;
      case "error":
        if (d.code === "bad_email") { idNote.textContent = t("badEmail"); break; }
        if (d.id && d.code === "rate_limited") { setTimeout(function () { var p = find(d.id); if (p) transmit(p); }, 2000); break; }
        if (d.id) {
          state.pending = state.pending.filter(function (p) { return p.id !== d.id; });
          save();
          markFailed(d.id, STRINGS[LANG][d.code] ? t(d.code, { mb: info.upload_mb }) : d.detail || t("error"));
        }
        break;
    }
  }
  function find(id) { for (var i = 0; i < state.pending.length; i++) if (state.pending[i].id === id) return state.pending[i]; return null; }

  // --- the visitor's actions ------------------------------------------------------------------
  function submit() {
    var value = text.value.trim();
    if (!value) return;
    var p = { id: newId(), text: value };
    state.pending.push(p); save();
    text.value = "";
    showPending(p);
    if (!welcomed && !fallback) {
      // Sent with the others once welcomed; "retry" only while there is no connection at all.
      if (!ws || ws.readyState > 1) byClient[p.id].querySelector(".state").textContent = t("retry");
    } else if (!transmit(p) && !fallback) byClient[p.id].querySelector(".state").textContent = t("retry");
    sendTyping(false);
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });
  text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });
  var typingSent = 0, typingIdle = null;
  function sendTyping(on) {
    var now = Date.now();
    if (on && now - typingSent < 2500) return;
    typingSent = on ? now : 0;
    frame({ type: "typing", typing: on });
  }
  text.addEventListener("input", function () {
    sendTyping(true);
    clearTimeout(typingIdle);
    typingIdle = setTimeout(function () { sendTyping(false); }, 3000);
  });
  attach.addEventListener("click", function () { fileInput.click(); });
  fileInput.addEventListener("change", function () {
    var file = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    if (!file) return;
    var p = { id: newId(), text: "", file: file.name };
    showPending(p);
    if (info.upload_mb && file.size > info.upload_mb * 1048576) { markFailed(p.id, t("file_too_big", { mb: info.upload_mb })); return; }
    var body = new FormData();
    body.append("token", state.token || ""); body.append("id", p.id); body.append("lang", LANG); body.append("file", file);
    http("upload/", { method: "POST", body: body }).then(function (d) {
      if (d.type === "ack") { byClient[p.id].querySelector(".state").textContent = ""; rendered[d.message] = byClient[p.id]; }
      else handle(d.type === "error" ? d : { type: "error", id: p.id, code: "error" });
    }).catch(function () { markFailed(p.id, t("error")); });
  });
  idForm.addEventListener("submit", function (e) {
    e.preventDefault();
    idNote.textContent = "";
    frame({ type: "identify", name: nameInput.value.trim(), email: emailInput.value.trim() });
  });
  levels.addEventListener("click", function (e) {
    var score = e.target && e.target.getAttribute && e.target.getAttribute("data-score");
    if (score) frame({ type: "rate", score: Number(score), comment: comment.value.trim() });
  });

  // --- opening and closing (keyboard and focus) -----------------------------------------------
  function openPanel() {
    panel.hidden = false; launch.hidden = true;
    launch.setAttribute("aria-expanded", "true");
    unread = 0; badge.hidden = true; launch.setAttribute("aria-label", t("open"));
    if (!started) { started = true; connect(); }
    scroll();
    text.focus();
  }
  function closePanel() {
    panel.hidden = true; launch.hidden = false;
    launch.setAttribute("aria-expanded", "false");
    launch.focus();
  }
  launch.addEventListener("click", openPanel);
  closeBtn.addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { e.preventDefault(); closePanel(); } });

  function start() {
    document.body.appendChild(host);
    // A returning visitor (token or unsent messages) reconnects at once: replies arrive live.
    if (state.token || state.pending.length) { started = true; connect(); }
  }
  window.RapportChat = { open: openPanel, close: closePanel };
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
