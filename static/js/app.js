/* ConductEval's page behaviour that the templates declare with data attributes, so that no page needs
 * an inline event handler (the Content-Security-Policy allows none):
 *   <select data-autosubmit>            submits its form when changed
 *   <button data-confirm="question?">   asks first, and does nothing unless confirmed
 *   <button data-print>                 opens the print dialog
 *   <form data-progress>                keeps its [data-progress-count] elements live: each counts the
 *                                       [data-progress-item] fieldsets of its nearest [data-progress-scope]
 *                                       (or of the form) with a checked radio other than the item's data-neutral
 */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-confirm], [data-print]") : null;
    if (!el) {
      return;
    }
    if (el.hasAttribute("data-print")) {
      event.preventDefault();
      window.print();
    } else if (!window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
(function () {
  "use strict";
  function rated(root) {
    var n = 0;
    root.querySelectorAll("[data-progress-item]").forEach(function (item) {
      var checked = item.querySelector("input[type=radio]:checked");
      if (checked && checked.value !== item.getAttribute("data-neutral")) {
        n += 1;
      }
    });
    return n;
  }
  function refresh(form) {
    form.querySelectorAll("[data-progress-count]").forEach(function (counter) {
      var scope = counter.closest("[data-progress-scope]") || form;
      counter.textContent = String(rated(scope));
    });
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-progress]") : null;
    if (form) {
      refresh(form);
    }
  });
  // Browsers restore radio choices on "back"; count them once the page is shown.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-progress]").forEach(refresh);
  });
})();
