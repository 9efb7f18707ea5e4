// Pipeline board: drag a card to another column to move the deal (SortableJS).
// The server decides: a move that needs fields answers a form shown in the dialog;
// cancelling it puts the card back where it was.
(function () {
  "use strict";
  var pending = null;

  function restore() {
    if (!pending) return;
    var ref = pending.from.children[pending.oldIndex] || null;
    pending.from.insertBefore(pending.item, ref);
    pending = null;
  }

  function init() {
    var board = document.getElementById("board");
    if (!board || typeof Sortable === "undefined") return;
    board.querySelectorAll("ol.cards").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      Sortable.create(list, {
        group: "pipeline",
        animation: 120,
        forceFallback: true,
        filter: "form, select, button, input, .locked",
        preventOnFilter: false,
        onEnd: function (evt) {
          if (evt.from === evt.to) return;
          pending = { item: evt.item, from: evt.from, oldIndex: evt.oldIndex };
          htmx.ajax("POST", board.dataset.moveUrl, {
            source: evt.item,
            target: "#dialog-body",
            values: {
              deal: evt.item.dataset.deal,
              version: evt.item.dataset.version,
              stage: evt.to.dataset.stage,
              next: board.dataset.next,
            },
          });
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
  document.addEventListener("htmx:responseError", restore);
  document.addEventListener("close", function (event) {
    if (event.target.id === "transition-dialog") restore();
  }, true);
})();
