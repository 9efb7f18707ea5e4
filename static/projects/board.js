// Task board: drag a card to another column to change the task's status (SortableJS).
// The drop submits the card's own status form (the same one keyboard users press), so
// the server decides through the same service; a refused move re-renders the board with
// the card back in its column and the reason shown.
(function () {
  "use strict";

  function init() {
    var board = document.getElementById("task-board");
    if (!board || typeof Sortable === "undefined") return;
    board.querySelectorAll("ol.cards").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      Sortable.create(list, {
        group: "tasks",
        animation: 120,
        draggable: "li.task-card",
        filter: "form, select, button, input, a, .locked",
        preventOnFilter: false,
        onMove: function (evt) {
          return !evt.dragged.classList.contains("locked");
        },
        onEnd: function (evt) {
          if (evt.from === evt.to) return;
          var form = evt.item.querySelector("form.status-form");
          if (!form) return;
          form.querySelector("select[name=status]").value = evt.to.dataset.status;
          form.requestSubmit();
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
