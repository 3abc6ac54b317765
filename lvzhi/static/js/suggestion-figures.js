// Suggestion figures: ECharts from json_script data ({option, links}); clicking a bar opens the list behind it.
// A static file because the content security policy forbids inline script.
(function () {
  function render(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-suggestion-chart]").forEach(function (el) {
      if (el.dataset.rendered) return;
      var source = document.getElementById(el.dataset.suggestionChart);
      if (!source) return;
      var data = JSON.parse(source.textContent);
      var rows = parseInt(el.dataset.rows || "0", 10);
      if (rows) el.style.height = Math.max(220, rows * 30 + 50) + "px";
      var chart = window.echarts.init(el);
      chart.setOption(data.option);
      var links = data.links || [];
      if (links.length) {
        chart.getZr().setCursorStyle("pointer");
        chart.on("click", function (params) {
          var url = links[params.dataIndex];
          if (url) window.location.href = url;
        });
      }
      el.dataset.rendered = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { render(document); });
  // After an outerHTML swap the event target is the element that was replaced: look at the whole page.
  document.addEventListener("htmx:afterSettle", function () { render(document); });
})();
