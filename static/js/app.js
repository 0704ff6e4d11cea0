/* ConductEval's page behaviour that the templates declare with data attributes, so that no page needs
 * an inline event handler (the Content-Security-Policy allows none):
 *   <select data-autosubmit>            submits its form when changed
 *   <button data-confirm="question?">   asks first, and does nothing unless confirmed
 *   <button data-print>                 opens the print dialog
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
