// The public reply is posted on the review site by the agent: copy it to the clipboard
// (the "mark published" button copies too, then submits).
(function () {
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {});
    }
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* the agent copies by hand */ }
    area.remove();
    return Promise.resolve();
  }
  document.addEventListener("click", function (event) {
    const button = event.target.closest(".review-copy");
    if (!button) return;
    const from = button.dataset.copyFrom;
    copy(from ? document.getElementById(from).value : button.dataset.copy);
  });
  const form = document.getElementById("review-reply-form");
  if (form) {
    form.addEventListener("submit", function () {
      copy(document.getElementById("id_body").value);
    });
  }
})();
