// The counterparty graph of a case (ECharts force layout); the data comes from the case's graph.json.
(function () {
  "use strict";
  var el = document.getElementById("case-graph");
  if (!el || typeof echarts === "undefined") { return; }
  el.style.height = "480px";
  fetch(el.dataset.url, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var chart = echarts.init(el);
      chart.setOption({
        tooltip: {
          formatter: function (p) {
            return p.dataType === "edge"
              ? p.data.source + " → " + p.data.target + "<br>" + p.data.value.toLocaleString() + " CNY (" + p.data.count + ")"
              : p.data.name;
          }
        },
        legend: [{ data: data.categories.map(function (c) { return c.name; }) }],
        series: [{
          type: "graph", layout: "force", roam: true, draggable: true, categories: data.categories,
          data: data.nodes, links: data.links, edgeSymbol: ["none", "arrow"],
          label: { show: true, position: "right", fontSize: 10 }, force: { repulsion: 160, edgeLength: 90 }
        }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
})();
