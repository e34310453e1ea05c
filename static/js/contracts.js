// Contract workspace: keep the newest message in view, confirm before ending, print button.
(function () {
  "use strict";
  var thread = document.getElementById("thread");
  if (thread && !window.location.hash) {
    var unread = document.getElementById("unread");
    thread.scrollTop = unread ? unread.offsetTop - thread.offsetTop : thread.scrollHeight;
  }
  document.querySelectorAll(".js-confirm").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
  document.querySelectorAll(".js-print").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
