// The risk heat map: likelihood × impact counts from the page's JSON, drawn with ECharts.
(function () {
  "use strict";
  var holder = document.getElementById("risk-heatmap");
  var source = document.getElementById("heatmap-data");
  if (!holder || !source || typeof echarts === "undefined") { return; }
  var payload = JSON.parse(source.textContent);
  var data = [];
  payload.cells.forEach(function (row, l) {
    row.forEach(function (count, i) { data.push([i, l, count]); });
  });
  var axis = ["1", "2", "3", "4", "5"];
  echarts.init(holder).setOption({
    tooltip: { position: "top" },
    grid: { top: 20, left: 60, right: 20, bottom: 50 },
    xAxis: { type: "category", data: axis, name: payload.impact, nameLocation: "middle", nameGap: 30 },
    yAxis: { type: "category", data: axis, name: payload.likelihood, nameLocation: "middle", nameGap: 35 },
    visualMap: { min: 0, max: Math.max(1, payload.max), show: false, inRange: { color: ["#f1f5f9", "#f59f00", "#d63939"] } },
    series: [{ type: "heatmap", data: data, label: { show: true } }]
  });
})();
