/* Charts of ConductEval's dashboard, drawn with the vendored Chart.js.
 *
 * The numbers come from the page itself: each chart's data is a <script type="application/json">
 * written by Django's json_script next to its <canvas>, so nothing is built as JavaScript text
 * and no request leaves the page.
 */
(function () {
  "use strict";

  var COLORS = { commended: "#198754", warned: "#dc3545", none: "#6c8ebf" };

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function draw(canvasId, dataId, build) {
    var canvas = document.getElementById(canvasId);
    var data = read(dataId);
    if (!canvas || !data || typeof window.Chart === "undefined") {
      return;
    }
    new window.Chart(canvas, build(data));
  }

  // What every chart shares: fills its box, draws at once, no legend; `note` adds a tooltip line.
  function options(scales, note) {
    var tooltip = note ? { callbacks: { afterLabel: function (ctx) { return note(ctx.dataIndex); } } } : {};
    return { maintainAspectRatio: false, animation: false, scales: scales,
             plugins: { legend: { display: false }, tooltip: tooltip } };
  }

  function radar(data) {
    return {
      type: "radar",
      data: {
        labels: data.labels,
        datasets: [{ label: "网上民评各维度均分", data: data.means, spanGaps: true, fill: true,
                     backgroundColor: "rgba(179, 38, 30, 0.15)", borderColor: "#b3261e", pointBackgroundColor: "#b3261e" }]
      },
      options: options({ r: { min: 0, max: 100, ticks: { stepSize: 25 } } },
                       function (i) { return "评价数 " + data.n[i]; })
    };
  }

  function trend(data) {
    var radius = data.labels.map(function (_, i) { return i === data.current ? 6 : 3; });
    return {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [{ label: "总分", data: data.totals, borderColor: "#b3261e", backgroundColor: "#b3261e",
                     pointRadius: radius, tension: 0 }]
      },
      options: options({ y: { suggestedMin: 60, suggestedMax: 100 } },
                       function (i) { return "总名次 " + data.ranks[i]; })
    };
  }

  function start() {
    draw("ce-radar-chart", "ce-radar-data", radar);
    draw("ce-trend-chart", "ce-trend-data", trend);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
