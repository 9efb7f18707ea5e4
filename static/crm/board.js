// Pipeline board: drag a card to another column to move the deal (SortableJS), or use the
// keyboard. The server decides: a move that needs fields answers a form shown in the dialog
// (for Won: the deal's handoff panel); cancelling it, or a refusal inside it, puts the card
// back where it was.
//
// Keyboard (static/relay/board.js): each card is one tab stop, the left and right arrow
// keys move the card to the previous or next column it may go to, M opens its "Move to"
// menu. Focus stays on the moved card, also after the board reloads; moves are announced
// in #board-status.
(function () {
  "use strict";
  var pending = null;
  var refocusAfterSwap = null; // the deal whose card takes focus once the board reloaded
  var FOCUS_KEY = "relay.board.focus";
  var cards = RelayBoard.cards({
    board: "board",
    card: "deal-card",
    title: ".deal-card-title",
    menu: ".move-form",
    status: "board-status",
    cannotMove: "You cannot move",
    move: moveByKey,
  });
  var announce = cards.announce;
  var titleOf = cards.titleOf;
  var columnLabel = cards.columnLabel;

  function cardFor(id) {
    return document.querySelector('#board .deal-card[data-deal="' + id + '"]');
  }

  // Remember the moved card across a reload (a form in the dialog answers a redirect).
  function remember(card) {
    try {
      sessionStorage.setItem(FOCUS_KEY, JSON.stringify({ deal: card.dataset.deal, at: Date.now() }));
    } catch (e) { /* private mode: focus is only kept without a reload */ }
  }

  function forget() {
    try { sessionStorage.removeItem(FOCUS_KEY); } catch (e) { /* nothing to forget */ }
  }

  function restore() {
    forget();
    if (!pending) return;
    var item = pending.item;
    var ref = pending.from.children[pending.oldIndex] || null;
    if (ref !== item) pending.from.insertBefore(item, ref);
    pending = null;
    item.focus();
    announce("“" + titleOf(item) + "” stays in " + columnLabel(item.parentNode) + ".");
  }

  function post(board, card, stage) {
    remember(card);
    htmx.ajax("POST", board.dataset.moveUrl, {
      source: card,
      target: "#dialog-body",
      values: {
        deal: card.dataset.deal,
        version: card.dataset.version,
        stage: stage,
        next: board.dataset.next,
      },
    });
  }

  // The board as it is shown: each column as far as "Show more" opened it.
  function reloadUrl(board) {
    var url = new URL(board.dataset.next, window.location.href);
    board.querySelectorAll(".board-column[data-page]").forEach(function (column) {
      var stage = column.id.replace("column-", "");
      if (Number(column.dataset.page) > 1) url.searchParams.set("page_" + stage, column.dataset.page);
    });
    url.searchParams.delete("column");
    url.searchParams.delete("page");
    return url.pathname + url.search;
  }

  function targetsOf(card) {
    var select = card.querySelector(".move-form select[name=stage]");
    if (!select) return [];
    return Array.prototype.map.call(select.options, function (option) { return option.value; });
  }

  // The nearest column to the left or right that the card may move to.
  function neighbour(board, card, step) {
    var lists = Array.prototype.slice.call(board.querySelectorAll("ol.cards"));
    var allowed = targetsOf(card);
    for (var i = lists.indexOf(card.parentNode) + step; i >= 0 && i < lists.length; i += step) {
      if (allowed.indexOf(lists[i].dataset.stage) !== -1) return lists[i];
    }
    return null;
  }

  function moveByKey(board, card, step) {
    if (card.classList.contains("locked")) {
      announce("You cannot move “" + titleOf(card) + "”.");
      return;
    }
    var to = neighbour(board, card, step);
    if (!to) {
      announce("“" + titleOf(card) + "” cannot move further " + (step > 0 ? "right" : "left") + ".");
      return;
    }
    pending = { item: card, from: card.parentNode, oldIndex: Array.prototype.indexOf.call(card.parentNode.children, card) };
    to.insertBefore(card, to.firstElementChild);
    card.focus();
    announce("Moving “" + titleOf(card) + "” to " + columnLabel(to) + "…");
    post(board, card, to.dataset.stage);
  }

  function init() {
    var board = document.getElementById("board");
    if (!board) return;
    cards.enhance(board);
    if (typeof Sortable === "undefined") return;
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
          evt.item.focus();
          post(board, evt.item, evt.to.dataset.stage);
        },
      });
    });
  }

  // After a reload (a move completed from the dialog), focus returns to the moved card.
  function refocus() {
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(FOCUS_KEY) || "null"); } catch (e) { saved = null; }
    forget();
    if (!saved || Date.now() - saved.at > 60000) return;
    var card = cardFor(saved.deal);
    if (!card) return;
    card.focus();
    announce("“" + titleOf(card) + "” is in " + columnLabel(card.parentNode) + ".");
  }

  document.addEventListener("DOMContentLoaded", function () {
    init();
    refocus();
  });
  // The new board is enhanced as it is swapped in (its cards are one tab stop from the
  // first moment they show); focus moves to the card once it has settled.
  document.addEventListener("htmx:afterSwap", init);
  document.addEventListener("htmx:afterSettle", function () {
    init();
    if (refocusAfterSwap === null) return;
    var card = cardFor(refocusAfterSwap);
    refocusAfterSwap = null;
    if (card) card.focus();
  });
  // The menu's own Move button: remember the card, so a cancel puts focus back on it.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest(".move-form");
    if (!form) return;
    var card = form.closest(".deal-card");
    pending = { item: card, from: card.parentNode, oldIndex: Array.prototype.indexOf.call(card.parentNode.children, card) };
    form.hidden = true;
    remember(card);
  });
  // A move that completed without a form: reload the board, keep focus on the card.
  document.addEventListener("deal-moved", function (event) {
    var id = String(event.detail.deal);
    pending = null;
    forget();
    announce(event.detail.message);
    refocusAfterSwap = id;
    var board = document.getElementById("board");
    board.setAttribute("aria-busy", "true"); // until the reloaded board replaces it
    htmx.ajax("GET", reloadUrl(board), { target: "#board", swap: "outerHTML" });
  });
  document.addEventListener("htmx:responseError", restore);
  // A refusal inside the dialog (say, the win with the handoff incomplete): the card goes
  // back to its column while the dialog shows the reasons.
  document.addEventListener("htmx:afterRequest", function (event) {
    var dialog = document.getElementById("transition-dialog");
    if (event.detail.xhr && event.detail.xhr.status === 422 && dialog && dialog.open
        && dialog.contains(event.detail.elt)) restore();
  });
  document.addEventListener("close", function (event) {
    if (event.target.id === "transition-dialog") restore();
  }, true);
})();
