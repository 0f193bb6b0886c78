/* Rapport phone: the caller's card pops when the phone rings (CH4).
 *
 * live.js (rapport/realtime) turns each pushed event into a DOM event `rapport:<event>` on
 * document, with the event's data as `detail`. The card's HTML is rendered by the server
 * (a Django template, auto-escaped); this script only places it, marks it answered/ended and
 * lets the agent close it. No framework, no build step.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var styled = false;

  function style() {
    if (styled || !script) return;
    styled = true;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = script.src.replace(/phone\.js(\?.*)?$/, "phone.css");
    document.head.appendChild(link);
  }

  function stack() {
    var box = document.getElementById("cti-cards");
    if (!box) {
      box = document.createElement("div");
      box.id = "cti-cards";
      box.className = "cti-cards";
      document.body.appendChild(box);
    }
    return box;
  }

  function detailOf(event) {
    var d = event.detail || {};
    return d.data && typeof d.data === "object" && !d.html ? d.data : d;
  }

  function cardFor(callId) {
    return document.querySelector('#cti-cards .cti-card[data-call="' + String(callId).replace(/[^0-9]/g, "") + '"]');
  }

  document.addEventListener("rapport:cti.ringing", function (event) {
    var data = detailOf(event);
    if (!data.html) return;
    style();
    var holder = document.createElement("div");
    holder.innerHTML = data.html;
    var card = holder.querySelector(".cti-card");
    if (!card) return;
    var old = cardFor(card.getAttribute("data-call"));
    if (old) old.remove();
    stack().prepend(card);
    if (window.htmx) window.htmx.process(card);
    var close = card.querySelector(".cti-close");
    if (close) {
      close.addEventListener("click", function () { card.remove(); });
      close.focus({ preventScroll: true });
    }
  });

  function mark(event, key) {
    var data = detailOf(event);
    var card = cardFor(data.call);
    if (!card) return;
    var state = card.querySelector(".cti-state");
    if (!state) return;
    var text = card.getAttribute("data-" + key) || "";
    state.textContent = data.agent ? text.replace("%s", data.agent) : text.replace(" %s", "").replace("%s", "");
    state.hidden = false;
    card.classList.add("cti-" + key);
  }

  document.addEventListener("rapport:cti.answered", function (event) { mark(event, "answered"); });
  document.addEventListener("rapport:cti.ended", function (event) { mark(event, "ended"); });
})();
