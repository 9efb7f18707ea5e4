// Task board: drag a card to another column to change the task's status (SortableJS).
// The drop submits the card's own status form (the same one keyboard users press), so
// the server decides through the same service; a refused move re-renders the board with
// the card back in its column and the reason shown.
//
// Keyboard: each card is one tab stop. Enter opens the task, the left and right arrow keys
// move the card to the previous or next column, up and down go to the card above or below,
// M (or Space) opens the card's status menu and Escape closes it. After the board
// re-renders, focus is on the moved card again and the move is announced in
// #task-board-status (a refusal is announced by the board's alert).
(function () {
  "use strict";
  var moved = null; // { task, status } while a move is on its way

  function announce(text) {
    var region = document.getElementById("task-board-status");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function titleOf(card) {
    var link = card.querySelector(".task-title");
    return link ? link.textContent.trim() : "";
  }

  function labelOf(list) {
    var heading = list.closest(".board-column").querySelector("h2");
    return heading ? heading.firstChild.textContent.trim() : list.dataset.status;
  }

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
    announce("Moving “" + titleOf(card) + "” to " + labelOf(to) + "…");
    submit(card, to.dataset.status);
  }

  function onKey(event) {
    var board = document.getElementById("task-board");
    if (!board || event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    var menu = target.closest && target.closest("form.status-form");
    if (menu && board.contains(menu)) {
      if (event.key === "Escape") {
        event.preventDefault();
        menu.hidden = true;
        menu.closest(".task-card").focus();
      }
      return;
    }
    if (!target.classList || !target.classList.contains("task-card") || !board.contains(target)) return;
    var card = target;
    if (event.key === "Enter") {
      event.preventDefault();
      card.querySelector(".task-title").click();
    } else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      moveByKey(board, card, event.key === "ArrowRight" ? 1 : -1);
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var next = event.key === "ArrowDown" ? card.nextElementSibling : card.previousElementSibling;
      if (next && next.classList.contains("task-card")) next.focus();
    } else if (event.key === "m" || event.key === "M" || event.key === " ") {
      event.preventDefault();
      var form = card.querySelector("form.status-form");
      if (!form) {
        announce("You cannot change the status of “" + titleOf(card) + "”.");
        return;
      }
      form.hidden = false;
      form.querySelector("select").focus();
    }
  }

  // One tab stop per card: the card itself; its link and status menu only by key.
  function enhance(board) {
    board.querySelectorAll(".task-card").forEach(function (card) {
      if (card.dataset.enhanced) return;
      card.dataset.enhanced = "1";
      card.tabIndex = 0;
      var link = card.querySelector(".task-title");
      if (link) link.tabIndex = -1;
      var form = card.querySelector("form.status-form");
      if (form) form.hidden = true;
    });
  }

  function init() {
    var board = document.getElementById("task-board");
    if (!board) return;
    enhance(board);
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
      if (!refused) announce("“" + titleOf(card) + "” moved to " + labelOf(card.parentNode) + ".");
    }
    moved = null;
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", function () {
    init();
    afterMove();
  });
  document.addEventListener("keydown", onKey);
  // Focus left a card with its menu open: close the menu (one tab stop per card again).
  document.addEventListener("focusout", function (event) {
    var menu = event.target.closest && event.target.closest("form.status-form");
    if (!menu || menu.hidden) return;
    var card = menu.closest(".task-card");
    if (!event.relatedTarget || !card.contains(event.relatedTarget)) menu.hidden = true;
  });
  // The status menu's own Move button: focus comes back to the card after the re-render.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("#task-board form.status-form");
    if (form && !moved) moved = { task: form.closest(".task-card").dataset.task };
  }, true);
})();
