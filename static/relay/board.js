// What Relay's boards (the pipeline, a project's task board) share: each card is one tab
// stop, its link and its move menu reached by key. Enter opens the card's link, the left
// and right arrow keys ask the board to move the card (``move``), up and down go to the
// card above or below, M (or Space) opens the card's menu and Escape closes it; focus
// leaving a card closes its menu. Moves are announced in the board's live region.
//
//   var cards = RelayBoard.cards({
//     board: "board", card: "deal-card", title: ".deal-card-title", menu: ".move-form",
//     status: "board-status", cannotMove: "You cannot move",
//     move: function (board, card, step) { ... },
//   });
//   cards.enhance(board); cards.announce("…"); cards.titleOf(card); cards.columnLabel(list);
window.RelayBoard = (function () {
  "use strict";

  function cards(options) {
    var cardSelector = "." + options.card;

    function announce(text) {
      var region = document.getElementById(options.status);
      if (!region) return;
      region.textContent = "";
      window.setTimeout(function () { region.textContent = text; }, 50);
    }

    function titleOf(card) {
      var link = card.querySelector(options.title);
      return link ? link.textContent.trim() : "";
    }

    function columnLabel(list) {
      var column = list.closest(".board-column");
      var heading = column && column.querySelector("h2");
      return heading ? heading.firstChild.textContent.trim() : list.dataset.stage || list.dataset.status;
    }

    function openMenu(card) {
      var form = card.querySelector(options.menu);
      if (!form) {
        announce(options.cannotMove + " “" + titleOf(card) + "”.");
        return;
      }
      form.hidden = false;
      form.querySelector("select").focus();
    }

    function closeMenu(form) {
      form.hidden = true;
      form.closest(cardSelector).focus();
    }

    function enhance(board) {
      board.querySelectorAll(cardSelector).forEach(function (card) {
        if (card.dataset.enhanced) return;
        card.dataset.enhanced = "1";
        card.tabIndex = 0;
        var link = card.querySelector(options.title);
        if (link) link.tabIndex = -1;
        var form = card.querySelector(options.menu);
        if (form) form.hidden = true;
      });
    }

    document.addEventListener("keydown", function (event) {
      var board = document.getElementById(options.board);
      if (!board || event.altKey || event.ctrlKey || event.metaKey) return;
      var target = event.target;
      var menu = target.closest && target.closest(options.menu);
      if (menu && board.contains(menu)) {
        if (event.key === "Escape") {
          event.preventDefault();
          closeMenu(menu);
        }
        return;
      }
      if (!target.classList || !target.classList.contains(options.card) || !board.contains(target)) return;
      var card = target;
      if (event.key === "Enter") {
        event.preventDefault();
        card.querySelector(options.title).click();
      } else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
        event.preventDefault();
        options.move(board, card, event.key === "ArrowRight" ? 1 : -1);
      } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var next = event.key === "ArrowDown" ? card.nextElementSibling : card.previousElementSibling;
        if (next && next.classList.contains(options.card)) next.focus();
      } else if (event.key === "m" || event.key === "M" || event.key === " ") {
        event.preventDefault();
        openMenu(card);
      }
    });

    // Focus left a card with its menu open: close the menu (one tab stop per card again).
    document.addEventListener("focusout", function (event) {
      var menu = event.target.closest && event.target.closest(options.menu);
      if (!menu || menu.hidden) return;
      var card = menu.closest(cardSelector);
      if (!event.relatedTarget || !card.contains(event.relatedTarget)) menu.hidden = true;
    });

    return { announce: announce, titleOf: titleOf, columnLabel: columnLabel, enhance: enhance };
  }

  return { cards: cards };
})();
