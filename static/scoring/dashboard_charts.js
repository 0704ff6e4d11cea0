/* The dashboard's chart panel (templates/scoring/partials/charts_panel.html), drawn with the vendored ECharts.
 *
 *   <div data-chart="ranking|heatmap|trends|funnel|responses" data-src="/dashboard/charts/….json?…">
 *
 * Each box fetches its JSON from its data-src (same origin) and draws it; when it has painted, the box
 * gets data-drawn="<the src it drew>". htmx swaps the whole panel when its period or group changes, and the
 * panel is drawn again on htmx:afterSwap. The trend's own switches ([data-trend-kind], [data-trend-agencies])
 * redraw the trend only. Tooltips are drawn on the canvas (richText), as the CSP allows no inline styles.
 */
(function () {
  "use strict";

  var COLORS = { commended: "#198754", warned: "#dc3545", none: "#4b6fa5", unrated: "#adb5bd" };
  var CHANNEL_COLORS = ["#4b6fa5", "#e49b0f", "#198754", "#8e44ad", "#6c757d"];
  var charts = [];

  function narrow() {
    return window.innerWidth < 576;
  }

  function short(name, n) {
    return name.length > n ? name.slice(0, n - 1) + "…" : name;
  }

  function base() {
    return { animation: false, textStyle: { fontFamily: "system-ui, sans-serif" },
             tooltip: { renderMode: "richText", confine: true } };
  }

  // The agencies' names on a category axis, cut to a fixed width; the grid leaves that width (plus a margin) free.
  function labelWidth() {
    return narrow() ? 72 : 132;
  }

  function nameAxis(names, extra) {
    var width = labelWidth();
    return Object.assign({ type: "category", data: names, inverse: true,
      axisLabel: { interval: 0, width: width, overflow: "truncate", fontSize: narrow() ? 10 : 11 },
      axisTick: { show: false } }, extra || {});
  }

  function empty(message) {
    return Object.assign(base(), { title: { text: message || "暂无数据", left: "center", top: "middle",
      textStyle: { fontSize: 13, fontWeight: "normal", color: "#6c757d" } } });
  }

  var BUILD = {
    ranking: function (data, el) {
      if (data.empty || !data.rows.length) { return empty(data.message); }
      var rows = data.rows;
      el.style.height = Math.max(240, rows.length * (narrow() ? 16 : 18) + 70) + "px";
      var names = rows.map(function (r) { return r.name; });
      var option = base();
      option.grid = { left: labelWidth() + 12, right: 16, top: 28, bottom: 24 };
      option.xAxis = { type: "value", min: data.axis.min, max: data.axis.max, position: "top",
                       axisLabel: { hideOverlap: true }, splitLine: { lineStyle: { color: "#eee" } } };
      option.yAxis = nameAxis(names);
      option.series = [{
        type: "custom", name: "95% 区间", silent: true,
        encode: { x: [0, 1], y: 2 },
        data: rows.map(function (r, i) { return [r.low, r.high, i]; }),
        renderItem: function (params, api) {
          var low = api.coord([api.value(0), api.value(2)]);
          var high = api.coord([api.value(1), api.value(2)]);
          var cap = 4;
          var style = { stroke: "#888", lineWidth: 1.2 };
          return { type: "group", children: [
            { type: "line", shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style: style },
            { type: "line", shape: { x1: low[0], y1: low[1] - cap, x2: low[0], y2: low[1] + cap }, style: style },
            { type: "line", shape: { x1: high[0], y1: high[1] - cap, x2: high[0], y2: high[1] + cap }, style: style }
          ] };
        }
      }, {
        type: "scatter", name: "总分", symbolSize: narrow() ? 7 : 9, z: 3,
        data: rows.map(function (r, i) {
          return { value: [r.total, i], itemStyle: { color: COLORS[r.outcome] || COLORS.none }, row: r };
        }),
        tooltip: { formatter: function (p) {
          var r = p.data.row;
          return r.name + "\n总分 " + r.total.toFixed(2) + "（" + r.low.toFixed(1) + "–" + r.high.toFixed(1) + "）" +
            (r.rank ? "\n名次 " + r.rank : "") + (r.outcome === "none" ? "" : "\n" + r.outcome_label);
        } }
      }];
      return option;
    },

    heatmap: function (data, el) {
      if (data.empty || !data.agencies.length) { return empty(data.message); }
      el.style.height = Math.max(260, data.agencies.length * (narrow() ? 15 : 17) + 120) + "px";
      var option = base();
      option.grid = { left: labelWidth() + 12, right: 8, top: narrow() ? 56 : 40, bottom: 48 };
      option.xAxis = { type: "category", data: data.dimensions, position: "top", splitArea: { show: true },
                       axisLabel: { interval: 0, rotate: narrow() ? 50 : 0, fontSize: narrow() ? 10 : 11,
                                    formatter: function (v) { return narrow() ? short(v, 4) : v; } } };
      option.yAxis = nameAxis(data.agencies, { splitArea: { show: true } });
      option.visualMap = { min: data.scale.min, max: data.scale.max, calculable: false, orient: "horizontal",
                           left: "center", bottom: 0, itemHeight: narrow() ? 120 : 180, itemWidth: 12,
                           precision: 0, inRange: { color: ["#d73027", "#fee08b", "#1a9850"] } };
      option.series = [{ type: "heatmap", name: "维度均分", data: data.cells.map(function (c) { return [c[0], c[1], c[2]]; }),
        label: { show: !narrow() && data.agencies.length <= 30, fontSize: 9,
                 formatter: function (p) { return Math.round(p.value[2]); } },
        tooltip: { formatter: function (p) {
          var cell = data.cells[p.dataIndex];
          return data.agencies[cell[1]] + " · " + data.dimensions[cell[0]] + "\n均分 " + cell[2].toFixed(2) + "（" + cell[3] + " 条评价）";
        } } }];
      return option;
    },

    trends: function (data, el) {
      if (data.empty || !data.periods.length || !data.series.length) {
        return empty(data.empty ? data.message : "这一期间类型还没有排名快照");
      }
      el.style.height = (narrow() ? 440 : 420) + "px";
      var option = base();
      option.tooltip.trigger = "axis";
      option.legend = { type: "scroll", top: 0, left: 0, right: 0, textStyle: { fontSize: narrow() ? 10 : 12 },
                        data: data.series.map(function (s) { return s.name; }),
                        formatter: function (name) { return narrow() ? short(name, 6) : name; } };
      option.axisPointer = { link: [{ xAxisIndex: "all" }] };
      option.grid = [{ left: 8, right: 12, top: 40, height: "38%", containLabel: true },
                     { left: 8, right: 12, top: "62%", bottom: 28, containLabel: true }];
      var labels = data.labels;
      var xAxis = function (i) {
        return { type: "category", data: labels, gridIndex: i, boundaryGap: false,
                 axisLabel: { show: i === 1, hideOverlap: true, fontSize: narrow() ? 9 : 11,
                              alignMinLabel: "left", alignMaxLabel: "right",
                              rotate: narrow() && labels.length > 6 ? 40 : 0 } };
      };
      option.xAxis = [xAxis(0), xAxis(1)];
      option.yAxis = [{ type: "value", gridIndex: 0, name: "总分", min: data.axis.min, max: data.axis.max,
                        nameTextStyle: { align: "left" } },
                      { type: "value", gridIndex: 1, name: data.in_group ? "组内名次" : "总名次", inverse: true,
                        min: 1, max: data.rank_max, minInterval: 1, nameTextStyle: { align: "left" } }];
      option.series = [];
      data.series.forEach(function (s) {
        option.series.push({ type: "line", name: s.name, data: s.totals, xAxisIndex: 0, yAxisIndex: 0,
                             connectNulls: true, symbolSize: 5 });
        option.series.push({ type: "line", name: s.name, data: s.ranks, xAxisIndex: 1, yAxisIndex: 1,
                             connectNulls: true, symbolSize: 5, lineStyle: { type: "dashed" } });
      });
      return option;
    },

    funnel: function (data, el) {
      if (data.empty) { return empty(data.message); }
      if (!data.stages[0].value) { return empty("本周期还没有整改通知"); }
      el.style.height = (narrow() ? 320 : 300) + "px";
      var option = base();
      option.series = [{
        type: "funnel", name: "整改通知", sort: "none", left: 8, right: narrow() ? 8 : "42%", top: 12,
        bottom: narrow() ? "38%" : 12, minSize: "30%", gap: 2,
        label: { position: "inside", formatter: "{b} {c}", fontSize: 12, color: "#fff" },
        color: ["#4b6fa5", "#e49b0f", "#198754"],
        data: data.stages.map(function (s) { return { name: s.label, value: s.value }; })
      }, {
        type: "bar", name: "期限", xAxisIndex: 0, yAxisIndex: 0, barMaxWidth: 22,
        label: { show: true, position: "right" },
        data: [{ value: data.on_time, itemStyle: { color: "#198754" } },
               { value: data.late, itemStyle: { color: "#e49b0f" } },
               { value: data.overdue, itemStyle: { color: "#dc3545" } }]
      }];
      option.grid = narrow() ? { left: 8, right: 40, top: "66%", bottom: 8, containLabel: true }
                             : { left: "62%", right: 40, top: 24, bottom: 24, containLabel: true };
      option.xAxis = { type: "value", show: false, minInterval: 1 };
      option.yAxis = { type: "category", inverse: true, axisTick: { show: false },
                       data: [data.labels.on_time, "超期核验", data.labels.overdue] };
      return option;
    },

    responses: function (data, el) {
      if (data.empty) { return empty(data.message); }
      if (!data.total) { return empty("这一期间还没有答卷"); }
      el.style.height = (narrow() ? 280 : 320) + "px";
      var option = base();
      option.tooltip.trigger = "axis";
      option.legend = { type: "scroll", top: 0, left: 0, right: 0 };
      option.grid = { left: 8, right: 12, top: 36, bottom: 8, containLabel: true };
      option.xAxis = { type: "category", data: data.days,
                       axisLabel: { hideOverlap: true, fontSize: narrow() ? 9 : 11,
                                    formatter: function (v) { return v.slice(5); } } };
      option.yAxis = { type: "value", minInterval: 1 };
      option.series = data.series.map(function (s, i) {
        return { type: "bar", name: s.label, stack: "channels", data: s.counts, barMaxWidth: 18,
                 itemStyle: { color: CHANNEL_COLORS[i % CHANNEL_COLORS.length] } };
      });
      return option;
    }
  };

  function dispose(el) {
    charts = charts.filter(function (entry) {
      if (entry.el === el || !document.body.contains(entry.el)) {
        entry.chart.dispose();
        return false;
      }
      return true;
    });
  }

  function draw(el) {
    var kind = el.getAttribute("data-chart");
    var src = el.getAttribute("data-src");
    if (!BUILD[kind] || !src || typeof window.echarts === "undefined") {
      return;
    }
    el.removeAttribute("data-drawn");
    fetch(src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) {
        return answer.json().then(function (data) { return { ok: answer.ok, data: data }; });
      })
      .then(function (result) {
        if (el.getAttribute("data-src") !== src || !document.body.contains(el)) {
          return;  // a newer request or a swap replaced this one
        }
        dispose(el);
        var option;
        if (result.ok) {
          option = BUILD[kind](result.data, el);
        } else {
          var first = Object.keys(result.data)[0];
          option = empty(first ? String(result.data[first]) : "无法读取图表数据");
        }
        var chart = window.echarts.init(el, null, { locale: "ZH", renderer: "canvas" });
        charts.push({ el: el, chart: chart });
        chart.on("finished", function () { el.setAttribute("data-drawn", src); });
        chart.setOption(option);
      });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }

  function trendSrc(panel) {
    var el = panel.querySelector("[data-chart=trends]");
    if (!el) { return; }
    var params = new URLSearchParams(panel.getAttribute("data-query") || "");
    var kind = panel.querySelector("[data-trend-kind]");
    var agencies = panel.querySelector("[data-trend-agencies]");
    if (kind) { params.set("kind", kind.value); }
    if (agencies) {
      var chosen = Array.prototype.filter.call(agencies.options, function (o) { return o.selected; })
        .map(function (o) { return o.value; });
      if (chosen.length) { params.set("agencies", chosen.slice(0, 12).join(",")); }
    }
    el.setAttribute("data-src", el.getAttribute("data-src").split("?")[0] + "?" + params.toString());
    draw(el);
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-trend-kind], [data-trend-agencies]")) {
      trendSrc(el.closest("#ce-charts"));
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "ce-charts") {
      event.detail.target.querySelectorAll("[data-chart]").forEach(dispose);
    }
  });
  document.addEventListener("htmx:afterSwap", function () {
    var panel = document.getElementById("ce-charts");
    if (panel) { drawAll(panel); }
  });

  var resizing = null;
  var wasNarrow = narrow();
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(function () {
      if (narrow() !== wasNarrow) {  // labels and layout differ on a phone: draw again
        wasNarrow = narrow();
        drawAll(document.getElementById("ce-charts"));
      } else {
        charts.forEach(function (entry) { entry.chart.resize(); });
      }
    }, 150);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
})();
