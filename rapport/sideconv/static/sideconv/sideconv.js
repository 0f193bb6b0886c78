// Side conversations (MG6, docs/side-conversations.md): "Quote in reply" puts the other
// department's answer into the customer reply box at the cursor, in one click. The text comes
// from a data attribute and goes into the textarea's value: never parsed as HTML.
document.addEventListener("click", function (event) {
  const button = event.target.closest(".side-quote");
  if (!button) return;
  const box = document.getElementById("id_body");
  if (!box) return;
  const text = button.dataset.insert || "";
  const start = box.selectionStart ?? box.value.length;
  const end = box.selectionEnd ?? start;
  const before = box.value.slice(0, start);
  const after = box.value.slice(end);
  const gap = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
  box.value = before + gap + text + "\n\n" + after;
  const caret = (before + gap + text + "\n\n").length;
  box.setSelectionRange(caret, caret);
  box.dispatchEvent(new Event("input", { bubbles: true })); // the coach reads the new draft
  box.focus();
});
