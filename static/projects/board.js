// Task board: drag a card to another column to change the task's status (SortableJS).
// The drop submits the card's own status form (the same one keyboard users press), so
// the server decides through the same service; a refused move re-renders the board with
// the card back in its column and the reason shown.
//
// Keyboard (static/relay/board.js): each card is one tab stop, the left and right arrow
// keys move the card to the previous or next column, M opens its status menu. After the
// board re-renders, focus is on the moved card again and the move is announced in
// #task-board-status (a refusal is announced by the board's alert).
(function () {
  "use strict";
  var moved = null; // { task, status } while a move is on its way
  var cards = RelayBoard.cards({
    board: "task-board",
    card: "task-card",
    title: ".task-title",
    menu: "form.status-form",
    status: "task-board-status",
    cannotMove: "You cannot change the status of",
    move: moveByKey,
  });
  var announce = cards.announce;
  var titleOf = cards.titleOf;

  function submit(card, status) {
    var form = card.querySelector("form.status-form");
    if (!form) return false;
    form.querySelector("select[name=status]").value = status;
    moved = { task: card.dataset.task, status: status };
    form.requestSubmit();
    return true;
  }

  function moveByKey(board, card, step) {
    if (!card.querySelector("form.status-form")) {
      announce("You cannot change the status of “" + titleOf(card) + "”.");
      return;
    }
    var lists = Array.prototype.slice.call(board.querySelectorAll("ol.cards"));
    var to = lists[lists.indexOf(card.parentNode) + step];
    if (!to) {
      announce("“" + titleOf(card) + "” cannot move further " + (step > 0 ? "right" : "left") + ".");
      return;
    }
    announce("Moving “" + titleOf(card) + "” to " + cards.columnLabel(to) + "…");
    submit(card, to.dataset.status);
  }

  function init() {
    var board = document.getElementById("task-board");
    if (!board) return;
    cards.enhance(board);
    if (typeof Sortable === "undefined") return;
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
          submit(evt.item, evt.to.dataset.status);
        },
      });
    });
  }

  // The board re-rendered after a move: focus the moved card where it now is.
  function afterMove() {
    var board = document.getElementById("task-board");
    if (!moved || !board) return;
    var card = board.querySelector('.task-card[data-task="' + moved.task + '"]');
    var refused = board.querySelector("[role=alert]");
    if (card) {
      card.focus();
      if (!refused) announce("“" + titleOf(card) + "” moved to " + cards.columnLabel(card.parentNode) + ".");
    }
    moved = null;
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", function () {
    init();
    afterMove();
  });
  // The status menu's own Move button: focus comes back to the card after the re-render.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("#task-board form.status-form");
    if (form && !moved) moved = { task: form.closest(".task-card").dataset.task };
  }, true);
})();
