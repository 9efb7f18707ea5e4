// Relay: small progressive enhancements. No inline scripts anywhere (strict CSP).
(function () {
  "use strict";
  // Close an open user menu when clicking elsewhere or pressing Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });
  // A message said in place ("Deal saved.") belongs to the last action: the next one clears it.
  document.addEventListener("htmx:beforeRequest", function () {
    document.querySelectorAll(".messages.in-place").forEach(function (message) { message.remove(); });
  });
})();
