/* Complaint statistics charts (ECharts); data from the page's JSON block, no inline script (CSP). */
(function () {
  "use strict";
  var holder = document.getElementById("service-chart-data");
  if (!holder || typeof echarts === "undefined") { return; }
  var data = JSON.parse(holder.textContent);
  var months = document.getElementById("chart-months");
  if (months) {
    echarts.init(months).setOption({
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: data.counts }]
    });
  }
  var products = document.getElementById("chart-products");
  if (products) {
    echarts.init(products).setOption({
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["40%", "70%"], data: data.products }]
    });
  }
})();
