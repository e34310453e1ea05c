// "Platform fee 10%: you receive X of Y" follows the amount as the VA types it. The server
// renders the same line after a submit, so the page says it without this script too.
(function () {
  "use strict";

  function parse(text, decimals, language) {
    var raw = String(text).replace(/[^\d.,]/g, "");
    if (!raw) return null;
    if (decimals === 0) return Number(raw.replace(/[.,]/g, ""));
    var mark = language === "id" && !/^\d+\.\d{1,2}$/.test(raw) ? "," : ".";
    var group = mark === "," ? "." : ",";
    var value = Number(raw.split(group).join("").replace(mark, "."));
    return isFinite(value) ? value : null;
  }

  function format(value, currency, decimals, language) {
    var number = value.toLocaleString(language === "id" ? "id-ID" : "en-US", {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
    if (currency === "IDR") return "Rp " + number;
    if (currency === "USD") return "$" + number;
    return number + " " + currency;
  }

  document.querySelectorAll("[data-fee-for]").forEach(function (hint) {
    var field = document.getElementById(hint.dataset.feeFor);
    if (!field) return;
    var decimals = Number(hint.dataset.feeDecimals);
    var unit = Math.pow(10, decimals);
    var update = function () {
      var gross = parse(field.value, decimals, hint.dataset.feeLanguage);
      if (gross === null || gross <= 0) {
        hint.textContent = "";
        return;
      }
      // The server's rounding: the fee to the currency's unit, half to even is close enough
      // for a hint (the ledger decides, and it shows the same figure after submit).
      var fee = Math.min(Math.round(gross * Number(hint.dataset.feePercent) / 100 * unit) / unit, gross);
      var show = function (v) { return format(v, hint.dataset.feeCurrency, decimals, hint.dataset.feeLanguage); };
      hint.textContent = hint.dataset.feeTemplate
        .replace("{net}", show(gross - fee))
        .replace("{gross}", show(gross));
    };
    field.addEventListener("input", update);
  });
})();
