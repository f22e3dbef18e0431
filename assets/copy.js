// The copy button beside a link to hand on (an invite link). The button starts `hidden`: it
// shows only once this script runs, so a page without JavaScript offers just the read-only
// field, selectable by hand. What the button says after a click comes from its data
// attributes, written by the template in the page's language.
(function () {
  "use strict";

  function say(button, text) {
    var status = document.querySelector('[data-copy-status="' + button.getAttribute("data-copy") + '"]');
    if (status) status.textContent = text;
  }

  // The older way, for pages served over plain HTTP where the Clipboard API is absent.
  function copyBySelection(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function copy(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var copied = function () { say(button, button.getAttribute("data-copied")); };
    var failed = function () {
      if (copyBySelection(field)) {
        copied();
      } else {
        // The text stays selected, ready for the keyboard shortcut.
        field.focus();
        field.select();
        say(button, button.getAttribute("data-copy-failed"));
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(copied, failed);
    } else {
      failed();
    }
  }

  var buttons = document.querySelectorAll("button[data-copy]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function (event) {
      event.preventDefault();
      copy(event.currentTarget);
    });
  }
})();
