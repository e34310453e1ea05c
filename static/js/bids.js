// Bids pages: sort on change, and show the meeting-link field only when "my own link" is
// chosen (data-confirm buttons are handled once, by app.js). Works without this script.
(function () {
  "use strict";

  var sort = document.querySelector(".bid-sort");
  if (sort && sort.form) {
    sort.addEventListener("change", function () { sort.form.submit(); });
  }

  var form = document.querySelector(".interview-form");
  if (form) {
    var url = form.querySelector("[name='meeting_url']");
    var box = url ? url.closest(".field") : null;
    var update = function () {
      var checked = form.querySelector("input[name='room']:checked");
      if (box) box.classList.toggle("is-irrelevant", !checked || checked.value !== "link");
    };
    form.querySelectorAll("input[name='room']").forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }
})();
