/* The triage page (templates/rectification/triage.html), declared with data attributes:
 *   [data-for-actions="route merge"]  shown only while its form's action is one of these
 *   [data-track-preview]              the /track/ step the citizen will read, from the form's action, reply
 *                                     and agency (data-route-note holds "{agency}")
 *   [data-check-all=ids]              ticks every box of that name on the page; [data-selected-count] counts them
 *   [data-set-root=<id>]              makes that opinion the bulk form's merge root
 */
(function () {
  "use strict";
  function actionOf(form) {
    var el = form.querySelector("[name=action]");
    return el ? el.value : "";
  }
  function agencyOf(form, preview) {
    var el = form.querySelector("[name=agency]");
    if (el && el.tagName === "SELECT" && el.selectedIndex >= 0) {
      return el.options[el.selectedIndex].text;
    }
    if (el && el.value.trim()) {
      return el.value.trim();
    }
    var first = document.querySelector("input[name=ids][form='" + form.id + "']:checked");
    return first ? first.getAttribute("data-agency-name") : preview.getAttribute("data-agency");
  }
  function refresh(form) {
    var action = actionOf(form);
    form.querySelectorAll("[data-for-actions]").forEach(function (el) {
      el.hidden = el.getAttribute("data-for-actions").split(" ").indexOf(action) < 0;
    });
    var preview = form.querySelector("[data-track-preview]");
    if (!preview || ["route", "merge", "reject"].indexOf(action) < 0) {
      return;
    }
    var reply = form.querySelector("[data-public-reply]").value.trim();
    var note = reply;
    var missing = false;
    if (!reply && action === "route") {
      note = preview.getAttribute("data-route-note").replace("{agency}", agencyOf(form, preview));
    } else if (!reply && action === "merge") {
      note = preview.getAttribute("data-merge-note");
    } else if (!reply) {
      note = preview.getAttribute("data-reject-missing");
      missing = true;
    }
    preview.querySelector("[data-preview-status]").textContent = preview.getAttribute("data-label-" + action);
    var out = preview.querySelector("[data-preview-note]");
    out.textContent = note;
    out.classList.toggle("text-danger", missing);
  }
  function count() {
    var n = document.querySelectorAll("input[name=ids][form=bulk-form]:checked").length;
    document.querySelectorAll("[data-selected-count]").forEach(function (el) { el.textContent = String(n); });
  }
  function all() {
    document.querySelectorAll("form").forEach(refresh);
    count();
  }
  document.addEventListener("input", function (event) {
    var form = event.target.form || (event.target.closest && event.target.closest("form"));
    if (form) {
      refresh(form);
    }
  });
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches("[data-check-all]")) {
      document.querySelectorAll("input[name='" + el.getAttribute("data-check-all") + "'][form=bulk-form]")
        .forEach(function (box) { box.checked = el.checked; });
    }
    all();
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-set-root]") : null;
    var bulk = document.getElementById("bulk-form");
    if (!el || !bulk) {
      return;
    }
    bulk.querySelector("[name=action]").value = "merge";
    bulk.querySelector("[name=merge_into]").value = el.getAttribute("data-set-root");
    all();
    bulk.scrollIntoView();
  });
  window.addEventListener("pageshow", all);
})();
