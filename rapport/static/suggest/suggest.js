// Answer suggestions (KN6, docs/suggestions.md): insert an article's link or text, or the
// answer given on a similar solved ticket, into the reply box at the cursor. The text comes
// from a data attribute and goes into the textarea's value: never parsed as HTML.
document.addEventListener("click", function (event) {
  const button = event.target.closest(".suggest-insert");
  if (!button) return;
  const box = document.getElementById("id_body");
  if (!box) return;
  const text = button.dataset.insert || "";
  const start = box.selectionStart ?? box.value.length;
  const end = box.selectionEnd ?? start;
  const before = box.value.slice(0, start);
  const after = box.value.slice(end);
  const gap = before && !/\s$/.test(before) ? (text.includes("\n") ? "\n\n" : " ") : "";
  box.value = before + gap + text + after;
  const caret = (before + gap + text).length;
  box.setSelectionRange(caret, caret);
  box.dispatchEvent(new Event("input", { bubbles: true })); // the coach reads the new draft
  box.focus();
});
