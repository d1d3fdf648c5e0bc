// The workflow editor: move rows up and down (their place fields follow), add a stage row.
(function () {
  "use strict";
  var form = document.querySelector("[data-workflow-form]");
  if (!form) { return; }
  var body = form.querySelector("[data-stage-rows]");
  var template = form.querySelector("template[data-new-row]");
  var added = 0;

  function renumber() {
    var rows = body.querySelectorAll("[data-stage-row]");
    for (var i = 0; i < rows.length; i++) {
      var order = rows[i].querySelector("[data-order]");
      if (order) { order.value = String(i + 1); }
    }
  }

  body.addEventListener("click", function (event) {
    var button = event.target.closest("[data-up], [data-down]");
    if (!button) { return; }
    var row = button.closest("[data-stage-row]");
    if (button.hasAttribute("data-up") && row.previousElementSibling) {
      body.insertBefore(row, row.previousElementSibling);
    } else if (button.hasAttribute("data-down") && row.nextElementSibling) {
      body.insertBefore(row.nextElementSibling, row);
    }
    renumber();
    button.focus();
  });

  // With this script, "Add a stage" makes rows: the blank ones for a page without it go.
  var blanks = body.querySelectorAll("tr.is-new");
  for (var b = 0; b < blanks.length; b++) {
    var name = blanks[b].querySelector("[data-name]");
    if (name && name.value === "") { blanks[b].remove(); }
  }

  var add = form.querySelector("[data-add-stage]");
  if (add && template) {
    add.addEventListener("click", function () {
      added += 1;
      var key = "a" + added;
      var html = template.innerHTML.replace(/KEY/g, key);
      var holder = document.createElement("tbody");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      // Before the first done or discarded stage: where new work stages usually go.
      var rows = body.querySelectorAll("[data-stage-row]");
      var before = null;
      for (var i = 0; i < rows.length; i++) {
        var phase = rows[i].querySelector("[data-phase]");
        if (phase && (phase.value === "done" || phase.value === "discarded") &&
            rows[i].querySelector("input[name^='id-']").value !== "") { before = rows[i]; break; }
      }
      body.insertBefore(row, before);
      renumber();
      row.querySelector("[data-name]").focus();
    });
  }
  renumber();
})();
