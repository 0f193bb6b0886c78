// Reply templates (docs/macros.md): "Insert" records the use on the server (counted, its
// actions applied through the ticket actions, remembered for the coach's CQ16 check) and puts
// the filled text into the reply box as plain text (textarea value: never parsed as HTML).
// A template about to be sent unchanged while the customer asked something gets a visible,
// non-blocking warning (CQ16).
(function () {
  const picker = document.getElementById("macro-picker");
  if (!picker) return;
  const form = picker.closest("form");
  const box = document.getElementById("id_body");
  const warning = form && form.querySelector(".macro-unchanged");
  const done = picker.querySelector(".macro-done");
  let inserted = [];
  let asked = false;
  const norm = (s) => (s || "").replace(/\s+/g, " ").trim();

  function check() {
    if (!warning || !box) return;
    const text = norm(box.value);
    warning.hidden = !(asked && text && inserted.some((t) => norm(t) === text));
  }

  picker.querySelector(".macro-search").addEventListener("keydown", function (event) {
    if (event.key === "Enter") event.preventDefault(); // never sends the reply
  });

  picker.addEventListener("click", function (event) {
    const button = event.target.closest(".macro-insert");
    if (!button || !box) return;
    const rows = button.closest(".macro-rows");
    asked = rows && rows.dataset.asked === "1";
    const url = picker.dataset.useUrl.replace("/0/use/", "/" + button.dataset.macro + "/use/");
    const token = form.querySelector("[name=csrfmiddlewaretoken]").value;
    button.disabled = true;
    fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": token, "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then((r) => r.json().then((data) => ({ ok: r.ok, data })))
      .then(({ ok, data }) => {
        button.disabled = false;
        if (!ok) {
          done.textContent = data.error || "";
          done.hidden = false;
          return;
        }
        const start = box.selectionStart ?? box.value.length;
        const end = box.selectionEnd ?? start;
        const before = box.value.slice(0, start);
        const after = box.value.slice(end);
        const gap = before && !/\s$/.test(before) ? "\n\n" : "";
        box.value = before + gap + data.text + after;
        inserted.push(data.text);
        done.textContent = (data.done || []).join(" · ");
        done.hidden = !done.textContent;
        box.dispatchEvent(new Event("input", { bubbles: true })); // the coach reads the draft
        box.focus();
        check();
      })
      .catch(() => {
        button.disabled = false;
      });
  });

  if (box) box.addEventListener("input", check);
})();
