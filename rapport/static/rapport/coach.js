// One-click fixes from the coach: insert a suggested sentence where the finding points.
document.addEventListener("click", function (event) {
  const button = event.target.closest(".coach-insert");
  if (!button) return;
  const box = document.getElementById("id_body");
  const at = Math.min(parseInt(button.dataset.at, 10) || 0, box.value.length);
  const text = button.dataset.insert;
  const before = box.value.slice(0, at).replace(/\s+$/, "");
  const after = box.value.slice(at).replace(/^\s+/, "");
  box.value = [before, text, after].filter(Boolean).join(before || after ? "\n\n" : "");
  box.dispatchEvent(new Event("input", { bubbles: true }));
  box.focus();
});
