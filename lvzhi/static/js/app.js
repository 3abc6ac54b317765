// Behaviour wired from data attributes: the content security policy forbids inline script.
(function () {
  function renderCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.rendered) return;
      var source = document.getElementById(el.dataset.chart);
      if (!source) return;
      var option = JSON.parse(source.textContent);
      var chart = window.echarts.init(el);
      chart.setOption(option);
      el.dataset.rendered = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  function wireConfirms(root) {
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      if (form.dataset.wired) return;
      form.dataset.wired = "1";
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  }
  function wireAutoSubmit(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      if (el.dataset.wired) return;
      el.dataset.wired = "1";
      el.addEventListener("change", function () { el.form.requestSubmit(); });
    });
  }
  function init(root) { renderCharts(root); wireConfirms(root); wireAutoSubmit(root); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
})();

// accounts: show only the fields a chosen role uses (all stay visible without JavaScript).
(function () {
  function wireRoleSwitch(root) {
    root.querySelectorAll("form[data-role-switch]").forEach(function (form) {
      if (form.dataset.roleWired) return;
      form.dataset.roleWired = "1";
      var select = form.querySelector("select[name=role]");
      if (!select) return;
      function apply() {
        form.querySelectorAll("fieldset[data-roles]").forEach(function (fieldset) {
          fieldset.hidden = fieldset.dataset.roles.split(" ").indexOf(select.value) < 0;
        });
      }
      select.addEventListener("change", apply);
      apply();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { wireRoleSwitch(document); });
  document.addEventListener("htmx:afterSettle", function (event) { wireRoleSwitch(event.target); });
})();
