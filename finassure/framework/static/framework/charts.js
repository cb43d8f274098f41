// Framework charts: indicator trend sparklines (dashboard) and the special-fund bar chart (budget).
// Data comes from <script type="application/json"> blocks; no inline script (CSP).
(function () {
  "use strict";
  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var trends = readJson("trend-data");
  if (trends && window.echarts) {
    document.querySelectorAll("[data-trend]").forEach(function (el) {
      var series = trends[el.getAttribute("data-trend")];
      if (!series) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        grid: { left: 2, right: 2, top: 4, bottom: 4 },
        tooltip: { trigger: "axis", confine: true },
        xAxis: { type: "category", show: false, data: series.points.map(function (p) { return p.period; }) },
        yAxis: { type: "value", show: false, scale: true },
        series: [
          { name: "value", type: "line", symbolSize: 4, data: series.points.map(function (p) { return p.value; }) },
          { name: "target", type: "line", symbol: "none", lineStyle: { type: "dashed", width: 1 },
            data: series.points.map(function (p) { return p.target; }) }
        ]
      });
    });
  }
  var budget = readJson("budget-data");
  var budgetEl = document.getElementById("budget-chart");
  if (budget && budgetEl && window.echarts) {
    var chart = window.echarts.init(budgetEl);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [budgetEl.dataset.planned, budgetEl.dataset.committed, budgetEl.dataset.spent] },
      xAxis: { type: "category", data: budget.labels },
      yAxis: { type: "value" },
      series: [
        { name: budgetEl.dataset.planned, type: "bar", data: budget.planned },
        { name: budgetEl.dataset.committed, type: "bar", data: budget.committed },
        { name: budgetEl.dataset.spent, type: "bar", data: budget.spent }
      ]
    });
  }
})();
