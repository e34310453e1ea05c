// Contract workspace: keep the newest message in view, print button (data-confirm buttons
// are handled once, by app.js).
(function () {
  "use strict";
  var thread = document.getElementById("thread");
  if (thread && !window.location.hash) {
    var unread = document.getElementById("unread");
    thread.scrollTop = unread ? unread.offsetTop - thread.offsetTop : thread.scrollHeight;
  }
  document.querySelectorAll(".js-print").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
