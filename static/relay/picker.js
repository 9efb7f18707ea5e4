// Relay's searchable picker (inputs.picker): the ARIA combobox pattern over an htmx lookup.
// Typing (or a click, or Down) asks the lookup for suggestions (hx-get on the text box); the
// list box opens when they arrive. Down and Up move through them, Enter chooses, Escape
// closes (or keeps suggestions still on their way from opening; a second Escape clears a
// half-typed search); a click chooses too. The chosen id
// goes into the hidden input beside the text box, and a picker that sends that input along
// (hx-include) is cleared when it changes: a contact of the previous company is no choice
// for the new one.
(function () {
  "use strict";

  function parts(element) {
    var root = element && element.closest ? element.closest("[data-picker]") : null;
    if (!root) return null;
    return {
      root: root,
      hidden: root.querySelector("input[type=hidden]"),
      box: root.querySelector("[role=combobox]"),
      list: root.querySelector("[role=listbox]"),
    };
  }

  function options(p) {
    return Array.prototype.slice.call(
      p.list.querySelectorAll("[role=option]:not([aria-disabled=true])")
    );
  }

  function isOpen(p) {
    return !p.list.hidden;
  }

  function open(p) {
    p.list.hidden = false;
    p.box.setAttribute("aria-expanded", "true");
  }

  // Closing also dismisses the suggestions already asked for: an answer that arrives
  // after Escape, Tab or a choice does not open the list again.
  function close(p) {
    p.list.hidden = true;
    p.box.setAttribute("aria-expanded", "false");
    p.box.removeAttribute("aria-activedescendant");
    p.box.dataset.pickerDismissed = count(p, "pickerAsked");
  }

  function count(p, name) {
    return Number(p.box.dataset[name] || 0);
  }

  function waiting(p) {
    return count(p, "pickerAsked") > count(p, "pickerAnswered");
  }

  function activate(p, option) {
    options(p).forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
    });
    if (option) {
      p.box.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      p.box.removeAttribute("aria-activedescendant");
    }
  }

  function setValue(p, value, label) {
    var changed = p.hidden.value !== value;
    p.hidden.value = value;
    p.box.value = label;
    p.box.setAttribute("data-picker-label", label);
    if (changed) p.hidden.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function choose(p, option) {
    setValue(p, option.getAttribute("data-value"), option.getAttribute("data-label"));
    close(p);
  }

  function step(p, by) {
    var all = options(p);
    if (!all.length) return;
    var current = all.indexOf(p.list.querySelector("[aria-selected=true]"));
    var next = current < 0 ? (by > 0 ? 0 : all.length - 1) : (current + by + all.length) % all.length;
    activate(p, all[next]);
  }

  document.addEventListener("keydown", function (event) {
    if (!event.target.matches || !event.target.matches("[data-picker] [role=combobox]")) return;
    var p = parts(event.target);
    var active = p.list.querySelector("[aria-selected=true]");
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!isOpen(p)) {
        window.htmx.trigger(p.box, "picker:open");
      } else {
        step(p, event.key === "ArrowDown" ? 1 : -1);
      }
    } else if (event.key === "Enter") {
      if (isOpen(p)) {
        event.preventDefault(); // Enter chooses; it never submits the form with the list open
        if (active) choose(p, active);
        else close(p);
      }
    } else if (event.key === "Escape") {
      if (isOpen(p) || waiting(p)) {
        event.preventDefault();
        event.stopPropagation();
        close(p);
      } else if (!p.hidden.value && p.box.value) {
        event.preventDefault();
        p.box.value = "";
      }
    } else if (event.key === "Tab") {
      close(p);
    }
  });

  // What is typed no longer names the chosen object: the choice is cleared until one is made.
  document.addEventListener("input", function (event) {
    if (!event.target.matches || !event.target.matches("[data-picker] [role=combobox]")) return;
    var p = parts(event.target);
    if (p.hidden.value && p.box.value !== p.box.getAttribute("data-picker-label")) {
      p.hidden.value = "";
      p.box.setAttribute("data-picker-label", "");
      p.hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  // A picker whose lookup sends another picker's value along starts over when it changes.
  document.addEventListener("change", function (event) {
    var hidden = event.target;
    if (!hidden.matches || !hidden.matches("[data-picker] input[type=hidden]") || !hidden.id) return;
    document.querySelectorAll("[data-picker] [role=combobox][hx-include]").forEach(function (box) {
      var includes = box.getAttribute("hx-include").split(",").map(function (s) {
        return s.trim();
      });
      if (includes.indexOf("#" + hidden.id) < 0) return;
      var p = parts(box);
      close(p);
      setValue(p, "", "");
    });
  });

  // Count the lookups asked and answered, so a late answer knows whether it is still wanted.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var box = event.detail.elt;
    if (box.matches && box.matches("[data-picker] [role=combobox]")) {
      box.dataset.pickerAsked = count(parts(box), "pickerAsked") + 1;
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var box = event.detail.elt;
    if (box.matches && box.matches("[data-picker] [role=combobox]")) {
      box.dataset.pickerAnswered = count(parts(box), "pickerAnswered") + 1;
    }
  });

  // The suggestions arrived: give each option an id and open the list (if still wanted).
  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail.target;
    if (!list || !list.matches || !list.matches("[data-picker] [role=listbox]")) return;
    var p = parts(list);
    p.list.querySelectorAll("[role=option]").forEach(function (option, index) {
      option.id = p.list.id + "-" + index;
    });
    activate(p, null);
    if (document.activeElement === p.box && count(p, "pickerAsked") > count(p, "pickerDismissed")) {
      open(p);
    }
  });

  // A press on an option keeps the focus in the text box; the click chooses it.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest("[data-picker] [role=listbox]")) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    // A click in a closed picker's text box shows the suggestions, as Down does.
    if (event.target.matches && event.target.matches("[data-picker] [role=combobox]")) {
      var clicked = parts(event.target);
      if (!isOpen(clicked)) window.htmx.trigger(clicked.box, "picker:open");
      return;
    }
    var option = event.target.closest ? event.target.closest("[data-picker] [role=option]") : null;
    if (option && option.getAttribute("aria-disabled") !== "true") {
      var p = parts(option);
      choose(p, option);
      p.box.focus();
    }
  });

  document.addEventListener("focusout", function (event) {
    var p = parts(event.target);
    if (p && !p.root.contains(event.relatedTarget)) close(p);
  });
})();
