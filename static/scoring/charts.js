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

  function totals(data) {
    return {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{
          label: "总分",
          data: data.totals,
          backgroundColor: data.outcomes.map(function (o) { return COLORS[o] || COLORS.none; })
        }]
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, suggestedMax: 100 }, x: { ticks: { autoSkip: false, maxRotation: 90 } } }
      }
    };
  }

  function radar(data) {
    return {
      type: "radar",
      data: {
        labels: data.labels,
        datasets: [{ label: "网上民评各维度均分", data: data.means, spanGaps: true, fill: true,
                     backgroundColor: "rgba(179, 38, 30, 0.15)", borderColor: "#b3261e", pointBackgroundColor: "#b3261e" }]
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { afterLabel: function (ctx) { return "评价数 " + data.n[ctx.dataIndex]; } } }
        },
        scales: { r: { min: 0, max: 100, ticks: { stepSize: 25 } } }
      }
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
      options: {
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { afterLabel: function (ctx) { return "总名次 " + data.ranks[ctx.dataIndex]; } } }
        },
        scales: { y: { suggestedMin: 60, suggestedMax: 100 } }
      }
    };
  }

  function start() {
    draw("ce-totals-chart", "ce-totals-data", totals);
    draw("ce-radar-chart", "ce-radar-data", radar);
    draw("ce-trend-chart", "ce-trend-data", trend);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
