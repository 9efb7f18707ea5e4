// Opens the transition dialog when the server answers a form into it; Cancel closes it.
(function () {
  "use strict";
  function dialog() { return document.getElementById("transition-dialog"); }
  document.addEventListener("htmx:afterSwap", function (event) {
    var d = dialog();
    // Only the dialog's own content: a swap inside it (a picker's suggestions, the handoff
    // panel answering in place) keeps the focus where the user is.
    if (!d || event.detail.target.id !== "dialog-body") return;
    if (!d.open) d.showModal();
    var first = d.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  });
  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-close-dialog]");
    var d = dialog();
    if (!close || !d || !d.contains(close)) return;
    event.preventDefault();
    d.close();
  });
})();
