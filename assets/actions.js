// Small behaviours declared in the markup with data attributes, since the pages' Content-
// Security-Policy runs no inline script or on…= handler:
// - data-print: a button that opens the print dialog;
// - data-select-on-focus: a read-only field (a link to copy) selected whole when focused.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (!button) return;
    event.preventDefault();
    window.print();
  });
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field && field.hasAttribute && field.hasAttribute("data-select-on-focus") && field.select) {
      field.select();
    }
  });
})();
