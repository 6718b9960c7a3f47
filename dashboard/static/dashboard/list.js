// The list pages (templates/dashboard/record_list.html). Everything here also works without it:
// the filter panel is a <details> the reader opens, and the server redirects an address with
// empty parameters to the clean one.
(function () {
  "use strict";

  // On a wide screen the filters stand open beside the table; a phone shows the results first.
  if (window.matchMedia("(min-width: 900px)").matches) {
    document.querySelectorAll("details.filter-panel").forEach(function (panel) {
      panel.open = true;
    });
  }

  // A submitted form sends no empty fields, so the address holds only the filters set.
  var EMPTIED = "data-emptied";
  document.querySelectorAll("form.filters, .column-chooser form").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input, select, textarea").forEach(function (field) {
        if (field.name && !field.disabled && field.value === "") {
          field.disabled = true;
          field.setAttribute(EMPTIED, "");
        }
      });
    });
  });
  // Coming back to the page (the browser's Back keeps it as it was), the fields work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("[" + EMPTIED + "]").forEach(function (field) {
      field.disabled = false;
      field.removeAttribute(EMPTIED);
    });
  });
})();
