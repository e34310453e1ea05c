// Posting form: show the hourly fields or the per-task fields for the chosen pay type.
// Without JavaScript every field shows and the server ignores the ones that do not apply.
(function () {
  "use strict";
  var form = document.querySelector(".job-form");
  if (!form) return;
  var hourlyOnly = ["hours_per_week", "duration"];
  var fixedOnly = ["deliverables", "deadline"];

  function fieldBox(name) {
    var input = form.querySelector("[name='" + name + "']");
    return input ? input.closest(".field") : null;
  }

  function update() {
    var checked = form.querySelector("input[name='pay_type']:checked");
    var payType = checked ? checked.value : "";
    hourlyOnly.forEach(function (name) {
      var box = fieldBox(name);
      if (box) box.classList.toggle("is-irrelevant", payType === "fixed");
    });
    fixedOnly.forEach(function (name) {
      var box = fieldBox(name);
      if (box) box.classList.toggle("is-irrelevant", payType === "hourly");
    });
  }

  form.querySelectorAll("input[name='pay_type']").forEach(function (radio) {
    radio.addEventListener("change", update);
  });
  update();
})();
